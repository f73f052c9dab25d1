import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from roadmap.models import Progress
from tests.e2e.conftest import SCREENS, save_screenshot
from tests.factories import ProgressFactory, UserFactory, build_roadmap

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def roadmap_topics():
    return build_roadmap(topics=8, sections=2)


def test_learner_marks_topics_on_the_map_and_the_progress_survives_a_reload(
    page, log_in, roadmap_topics, screenshot
):
    roadmap, topics = roadmap_topics
    learner = UserFactory()
    log_in(learner, "correct-horse-battery-staple")
    page.goto(f"/roadmaps/{roadmap.slug}/")

    for topic, button in [(topics[0], "Done"), (topics[1], "Done"), (topics[2], "Done"), (topics[3], "Skip")]:
        page.locator(f"#topic-{topic.slug} a.node-title").click()
        panel = page.locator("#topic-panel")
        expect(panel.get_by_role("heading", name=topic.title)).to_be_visible()
        panel.get_by_role("button", name=re.compile(f"^{button}")).click()
        expected = "status-done" if button == "Done" else "status-skipped"
        expect(page.locator(f"#topic-{topic.slug}")).to_have_class(re.compile(expected))

    expect(page.locator("#map-progress")).to_contain_text("50%")
    page.goto(f"/roadmaps/{roadmap.slug}/")  # the address is the last topic's while the drawer shows it
    expect(page.locator("#map-progress")).to_contain_text("Your progress: 50%")
    expect(page.locator("#roadmap-progress")).to_have_attribute("value", "4")
    expect(page.locator(f"#topic-{topics[0].slug} .status-text")).to_have_text("Done")
    expect(page.locator(f"#topic-{topics[3].slug} .status-text")).to_have_text("Skipped")
    screenshot("map")
    assert Progress.objects.filter(user=learner).count() == 4
    assert page.console_errors == []


def test_shortcut_keys_set_the_status_on_the_topic_page(page, log_in, roadmap_topics, screenshot):
    _, topics = roadmap_topics
    learner = UserFactory()
    log_in(learner, "correct-horse-battery-staple")
    page.goto(topics[5].get_absolute_url())
    status = page.locator("#status-panel .status-current strong")

    page.keyboard.press("d")
    expect(status).to_have_text("Done")
    page.keyboard.press("l")
    expect(status).to_have_text("Learning")
    page.keyboard.press("s")
    expect(status).to_have_text("Skipped")
    screenshot("topic")
    page.keyboard.press("r")
    expect(status).to_have_text("Not started")
    assert not Progress.objects.filter(user=learner).exists()

    page.locator("#id_body").click()
    page.keyboard.type("d")  # typing in the note does not trigger shortcuts
    expect(status).to_have_text("Not started")


@pytest.mark.parametrize(
    "size",
    [
        pytest.param({"width": 1280, "height": 800}, id="desktop"),
        pytest.param({"width": 390, "height": 844}, id="phone"),
    ],
)
def test_the_map_is_a_path_whose_folded_sections_stay_folded(page, log_in, roadmap_topics, size):
    roadmap, topics = roadmap_topics
    learner = UserFactory()
    ProgressFactory(user=learner, topic=topics[0], status="done")
    log_in(learner, "correct-horse-battery-staple")
    page.set_viewport_size(size)
    page.goto(f"/roadmaps/{roadmap.slug}/")

    node = page.locator(f"#topic-{topics[0].slug}")
    expect(node.locator(".status-text")).to_have_text("Done")
    expect(page.locator(f"#topic-{topics[1].slug}")).to_have_class(re.compile("is-next-up"))
    expect(page.locator(".section-progress").first).to_have_text("1 of 4 topics done")
    edges = page.locator("svg.edges").first.bounding_box()
    first_node, last_node = node.bounding_box(), page.locator(f"#topic-{topics[3].slug}").bounding_box()
    assert edges["width"] > 10 and edges["x"] + edges["width"] <= first_node["x"] + 1
    assert (
        edges["y"] <= first_node["y"] and edges["y"] + edges["height"] >= last_node["y"] + last_node["height"]
    )
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")

    # The browser tells the page of a fold a moment after the click (the "toggle" event): the
    # reload waits until the page has remembered it, as a person's would.
    remembered = (
        "n => JSON.parse(localStorage.getItem('stepwise:folded:' + location.pathname) || '[]').length === n"
    )

    page.locator("details.map-section > summary").first.click()
    expect(node).to_be_hidden()
    page.wait_for_function(remembered, arg=1)
    page.reload()
    expect(node).to_be_hidden()
    expect(page.locator(f"#topic-{topics[4].slug}")).to_be_visible()
    page.locator("details.map-section > summary").first.click()
    page.wait_for_function(remembered, arg=0)
    page.reload()
    expect(node).to_be_visible()
    assert page.console_errors == []


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_a_node_opens_its_topic_in_a_drawer_that_follows_the_address(
    page, live_server, log_in, roadmap_topics, screen, theme
):
    roadmap, topics = roadmap_topics
    topic = topics[2]
    log_in(UserFactory(), "correct-horse-battery-staple")
    page.context.add_cookies([{"name": "theme", "value": theme, "url": live_server.url}])
    page.set_viewport_size(SCREENS[screen]["viewport"])
    page.goto(f"/roadmaps/{roadmap.slug}/")
    map_url, topic_url = page.url, f"{live_server.url}{topic.get_absolute_url()}"
    save_screenshot(page, f"map-{screen}-{theme}")
    node = page.locator(f"#topic-{topic.slug}")
    drawer = page.get_by_role("complementary", name="Selected topic")

    node.locator("a.node-title").click()
    expect(drawer.get_by_role("heading", name=topic.title, level=2)).to_be_focused()
    expect(drawer.get_by_role("heading", name="Resources")).to_be_visible()
    expect(drawer.get_by_role("heading", name=re.compile("^Discussions on this topic"))).to_be_attached()
    assert page.url == topic_url
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert [violation["id"] for violation in Axe().run(page).response["violations"]] == []
    save_screenshot(page, f"drawer-{screen}-{theme}", full_page=False)

    page.keyboard.press("d")  # the topic page's shortcut, here on the map
    expect(drawer.locator("#status-panel .status-current strong")).to_have_text("Done")
    expect(node).to_have_class(re.compile("status-done"))
    expect(node.locator(".status-text")).to_have_text("Done")
    expect(page.locator(".section-progress").first).to_have_text("1 of 4 topics done")

    page.keyboard.press("Escape")
    expect(node.locator("a.node-title")).to_be_focused()
    expect(drawer.get_by_role("heading", name=topic.title)).to_have_count(0)
    assert page.url == map_url

    page.go_forward()
    expect(drawer.get_by_role("heading", name=topic.title, level=2)).to_be_visible()
    assert page.url == topic_url
    page.go_back()
    expect(drawer.get_by_role("heading", name=topic.title)).to_have_count(0)
    assert page.url == map_url

    node.locator("a.node-title").click()
    expect(drawer.get_by_role("heading", name=topic.title, level=2)).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name=topic.title, level=1)).to_be_visible()  # the topic page
    page.go_back()
    expect(page.locator(f"#topic-{topic.slug} .status-text")).to_have_text("Done")
    assert page.url == map_url
    assert page.console_errors == []


# Where the focus is, in words, when it is on something outside the drawer (nothing if not).
FOCUS_OUTSIDE_DRAWER = """() => {
  const element = document.activeElement;
  if (!element || element === document.body || element.closest("#topic-panel")) return null;
  return element.outerHTML.slice(0, 80);
}"""


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_on_a_phone_the_keyboard_stays_in_the_sheet_and_beside_the_map_it_reaches_both(
    screen_page, roadmap_topics, screen
):
    roadmap, topics = roadmap_topics
    page = screen_page(SCREENS[screen], UserFactory())
    page.goto(f"/roadmaps/{roadmap.slug}/")
    page.locator(f"#topic-{topics[2].slug} a.node-title").click()
    drawer = page.get_by_role("complementary", name="Selected topic")
    heading = drawer.get_by_role("heading", name=topics[2].title, level=2)
    expect(heading).to_be_focused()

    # Before the drawer's first control (Close) comes the map's last node.
    page.keyboard.press("Shift+Tab")
    expect(drawer.get_by_role("button", name=re.compile("^Close"))).to_be_focused()
    page.keyboard.press("Shift+Tab")
    last_node = page.locator(f"#topic-{topics[-1].slug} a.node-title")
    if screen == "desktop":
        expect(last_node).to_be_focused()
    else:
        expect(last_node).not_to_be_focused()
        reached = []
        for _ in range(20):  # more than the drawer's controls: round and back into it
            page.keyboard.press("Tab")
            reached.append(page.evaluate(FOCUS_OUTSIDE_DRAWER))
        assert [element for element in reached if element] == []

        page.touchscreen.tap(195, 40)  # on the dimmed map above the sheet
        expect(heading).to_have_count(0)
        expect(page.locator(f"#topic-{topics[2].slug} a.node-title")).to_be_focused()
        page.keyboard.press("Shift+Tab")  # the map is in reach again
        expect(page.locator(f"#topic-{topics[1].slug} a.node-title")).to_be_focused()
    assert page.console_errors == []


SELECTED_STYLE = """(node) => {
  const style = getComputedStyle(node);
  return [style.outlineStyle, getComputedStyle(node.querySelector(".node-title")).textDecorationLine];
}"""


def test_the_node_whose_topic_the_drawer_shows_is_marked_as_the_current_one(screen_page, roadmap_topics):
    roadmap, topics = roadmap_topics
    page = screen_page(SCREENS["desktop"], UserFactory())
    page.goto(f"/roadmaps/{roadmap.slug}/")
    first, second = page.locator(f"#topic-{topics[1].slug}"), page.locator(f"#topic-{topics[2].slug}")
    drawer = page.get_by_role("complementary", name="Selected topic")
    assert first.evaluate(SELECTED_STYLE) == ["none", "none"]

    first.locator("a.node-title").click()
    expect(drawer.get_by_role("heading", name=topics[1].title, level=2)).to_be_focused()
    expect(first.locator("a.node-title")).to_have_attribute("aria-current", "page")
    assert first.evaluate(SELECTED_STYLE) == ["solid", "underline"]
    page.keyboard.press("d")  # the node is drawn again with its new status, still the current one
    expect(first).to_have_class(re.compile("status-done"))
    expect(first.locator("a.node-title")).to_have_attribute("aria-current", "page")

    second.locator("a.node-title").click()
    expect(drawer.get_by_role("heading", name=topics[2].title, level=2)).to_be_focused()
    expect(page.locator("a.node-title[aria-current]")).to_have_count(1)
    expect(second.locator("a.node-title")).to_have_attribute("aria-current", "page")
    assert first.evaluate(SELECTED_STYLE) == ["none", "none"]

    page.keyboard.press("Escape")
    expect(page.locator("a.node-title[aria-current]")).to_have_count(0)
    assert page.console_errors == []


@pytest.mark.parametrize(
    "screen, has_hints",
    [
        pytest.param(SCREENS["desktop"], True, id="desktop"),
        pytest.param(SCREENS["phone"], False, id="phone"),
        pytest.param(
            {"viewport": {"width": 1024, "height": 768}, "has_touch": True}, False, id="touch-tablet"
        ),
    ],
)
def test_key_hints_show_where_there_is_a_keyboard_and_not_on_touch_screens(
    screen_page, roadmap_topics, screen, has_hints
):
    roadmap, topics = roadmap_topics
    page = screen_page(screen, UserFactory())
    page.goto(f"/roadmaps/{roadmap.slug}/")
    page.locator(f"#topic-{topics[2].slug} a.node-title").click()
    drawer = page.get_by_role("complementary", name="Selected topic")
    expect(drawer.get_by_role("heading", name=topics[2].title, level=2)).to_be_focused()

    for hint in [drawer.locator(".status-button kbd").first, drawer.get_by_text("Keyboard:")]:
        if has_hints:
            expect(hint).to_be_visible()
        else:
            expect(hint).to_be_hidden()
    done = drawer.get_by_role("button", name="Done D" if has_hints else "Done", exact=True)
    expect(done).to_be_visible()
    close = drawer.get_by_role("button", name="Close Esc" if has_hints else "Close", exact=True)
    expect(close).to_be_visible()


def test_a_status_chosen_from_the_keyboard_leaves_the_focus_on_its_button(screen_page, roadmap_topics):
    _, topics = roadmap_topics
    page = screen_page(SCREENS["desktop"], UserFactory())
    page.goto(topics[5].get_absolute_url())
    done = page.locator("#status-panel").get_by_role("button", name=re.compile("^Done"))
    done.focus()

    page.keyboard.press("Enter")  # the panel is drawn again with the new status
    expect(done).to_have_attribute("aria-pressed", "true")
    expect(done).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#status-panel").get_by_role("button", name=re.compile("^Skip"))).to_be_focused()
