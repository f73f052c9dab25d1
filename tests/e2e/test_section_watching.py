"""The desk's section choices in Chromium on a phone, light and dark: opened (the page sweep
sees them folded), they pass axe and fit the screen, with an error shown too; a mentor covers
two sections, watches one, and finds the choice kept."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from community.models import MentorSection
from tests.e2e.conftest import SCREENS
from tests.factories import MentorFactory, SectionFactory, build_roadmap

pytestmark = pytest.mark.django_db(transaction=True)


def _problems(page) -> list[str]:
    problems = [
        f"{violation['id']} ({violation['impact']}) at {violation['nodes'][0]['target']}"
        for violation in Axe().run(page).response["violations"]
    ]
    width, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width > screen:
        problems.append(f"{width} px wide on a {screen} px screen")
    return problems


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_mentor_chooses_sections_to_cover_and_watch_on_a_phone(screen_page, live_server, theme):
    roadmap, _ = build_roadmap(topics=2, sections=1, slug="backend")
    long = SectionFactory(
        roadmap=roadmap, title="Databases, indexes and the queries that lean on them", position=1
    )
    other = SectionFactory(roadmap=roadmap, title="Caching", position=2)
    mentor = MentorFactory(username="grace")
    page = screen_page(SCREENS["phone"], mentor)
    page.context.add_cookies([{"name": "theme", "value": theme, "url": live_server.url}])

    page.goto("/mentor/")
    page.get_by_text("Choose your sections").click()
    page.get_by_label(f"Tell me at once about {long}").check()
    page.get_by_role("button", name="Save your sections").click()
    expect(page.get_by_role("alert")).to_contain_text("Watch only sections you cover")
    assert _problems(page) == []
    assert not MentorSection.objects.exists()

    page.get_by_label(str(long), exact=True).check()
    page.get_by_label(str(other), exact=True).check()
    assert _problems(page) == []
    page.get_by_role("button", name="Save your sections").click()
    expect(page.get_by_text("Your sections are saved.")).to_be_visible()
    rows = MentorSection.objects.order_by("section__position").values_list("section_id", "watching")
    assert list(rows) == [(long.pk, True), (other.pk, False)]

    page.get_by_text("Choose your sections").click()
    expect(page.get_by_label(f"Tell me at once about {long}")).to_be_checked()
    expect(page.get_by_label(f"Tell me at once about {other}")).not_to_be_checked()
