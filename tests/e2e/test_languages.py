"""Languages in a real browser: the browser's preference, the switcher across pages, a member's
saved choice, and a right-to-left pseudo-locale that mirrors the layout without overflowing."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENS, save_screenshot
from tests.factories import PASSWORD, UserFactory, build_roadmap

pytestmark = pytest.mark.django_db(transaction=True)


def html_language(page) -> str:
    return page.locator("html").get_attribute("lang")


def test_a_visitor_gets_the_browser_language_and_the_switcher_choice_sticks(browser, live_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    roadmap, _ = build_roadmap(topics=3, sections=1)
    context = browser.new_context(base_url=live_server.url, locale="es-ES")
    page = context.new_page()
    try:
        page.goto("/discussions/")
        assert html_language(page) == "es"

        switcher = page.locator("form.language-switcher")
        switcher.get_by_role("button", name="Deutsch").focus()
        page.keyboard.press("Enter")  # a keyboard user switches as anyone does
        page.wait_for_load_state()
        expect(page).to_have_url(f"{live_server.url}/discussions/")
        assert html_language(page) == "de"
        expect(switcher.get_by_role("button", name="Deutsch")).to_have_attribute("aria-current", "true")

        page.goto(f"/roadmaps/{roadmap.slug}/")
        assert html_language(page) == "de"
        page.goto("/")
        assert html_language(page) == "de"
    finally:
        context.close()


def test_a_members_saved_choice_wins_over_the_browser_and_an_old_cookie(browser, live_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    member = UserFactory(language="es")
    context = browser.new_context(base_url=live_server.url, locale="de-DE")
    context.add_cookies([{"name": "language", "value": "de", "url": live_server.url}])
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        assert html_language(page) == "de"
        page.locator("input[name=login]").fill(member.email)  # the labels are German here
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("input[name=password]").press("Enter")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        assert html_language(page) == "es"
        page.goto("/discussions/")
        assert html_language(page) == "es"
    finally:
        context.close()


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_a_right_to_left_language_mirrors_the_layout_and_fits_a_phone(screen_page, settings, screen):
    settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "العربية")]  # a pseudo-locale: no catalogue
    roadmap, _ = build_roadmap(topics=6, sections=2)
    member = UserFactory()
    page = screen_page(SCREENS[screen], user=member)
    for path in ("/discussions/?lang=ar", f"/roadmaps/{roadmap.slug}/?lang=ar"):
        page.goto(path)
        assert page.locator("html").get_attribute("dir") == "rtl"
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
    page.goto("/discussions/?lang=ar")
    brand = page.locator(".brand").bounding_box()
    account = page.locator(".nav-account").bounding_box()
    assert brand["x"] > account["x"], "the brand starts the header on the right in a right-to-left page"
    save_screenshot(page, f"languages-rtl-{screen}")


def test_the_spanish_roadmap_shows_spanish_content_and_english_where_not_translated(
    browser, live_server, settings
):
    from roadmap.content_files import import_roadmap, parse_roadmap
    from roadmap.content_translations import import_translation, parse_translation
    from tests.roadmap.test_content_translations import ENGLISH, SPANISH

    settings.ALLOWED_HOSTS = ["*"]
    import_roadmap(parse_roadmap(ENGLISH))
    import_translation(parse_translation(SPANISH))
    context = browser.new_context(
        base_url=live_server.url, locale="es-ES", viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    try:
        page.goto("/roadmaps/tiny/")
        expect(page.locator(".section-title")).to_have_text("Primeros pasos")
        expect(page.locator("a.node-title", has_text="Alfa")).to_be_visible()
        expect(page.locator("a.node-title", has_text="Beta")).to_have_attribute("lang", "en")

        page.goto("/roadmaps/tiny/alpha/")
        expect(page.locator("h1")).to_have_text("Alfa")
        expect(page.locator("main .prose")).to_contain_text("El cuerpo de alfa.")

        page.goto("/roadmaps/tiny/beta/")
        expect(page.locator("h1")).to_have_attribute("lang", "en")
        expect(page.locator(".untranslated-note")).to_be_visible()
        expect(page.locator("main .prose")).to_have_attribute("lang", "en")
        save_screenshot(page, "languages-spanish-topic-not-yet-translated")
    finally:
        context.close()
