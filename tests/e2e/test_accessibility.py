"""Every page type passes axe-core with no violations, light and dark, on a desktop screen and
on a phone, for anonymous visitors, members and mentors; on the phone no page scrolls sideways,
even with long code lines, long URLs and long words in posts. On its way it keeps screenshots of
the home page and of threads (`screenshots`, listed in the README)."""

from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from community import insights, mentorship, services
from community.models import MentorSection
from community.notification_unsubscribe import unsubscribe_url
from roadmap import services as roadmap_services
from tests.e2e.conftest import ACTION_TIMEOUT_MS, SCREENS, save_screenshot, session_cookie
from tests.factories import (
    CommentFactory,
    MentorFactory,
    NotificationFactory,
    ProgressFactory,
    ProjectFactory,
    TagFactory,
    ThreadFactory,
    UserFactory,
    add_quiz,
    build_roadmap,
)

LONG_POST = """A post with everything that can push a page wider than a phone.

```python
def a_function_with_a_very_long_line(argument): return {"key": "value", "another_key": "another value", "more": 1}
```

A bare link: https://docs.djangoproject.com/en/5.2/ref/models/querysets/#django.db.models.query.QuerySet.select_for_update

A long word: Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherungsanstalt.

Some `inline_code_that_is_rather_long_and_has_no_spaces_in_it_at_all_whatsoever` in a sentence.

| column one | column two | column three | column four | column five | column six |
|---|---|---|---|---|---|
| a cell with text | another cell with text | more text here | and here | and here too | the end |
"""


@pytest.fixture
def site(db):
    roadmap, topics = build_roadmap(topics=12, sections=3, slug="backend")
    learner = UserFactory(username="learner", display_name="A learner")
    mentor = MentorFactory(username="mentor")
    tag = TagFactory(name="databases", slug="databases", description="Storing and querying data.")
    thread = ThreadFactory(author=mentor, title="How do indexes work?", topic=topics[0])
    thread.tags.add(tag)
    long_thread = services.create_thread(author=learner, title="A post with long lines", body=LONG_POST)
    answer = CommentFactory(thread=thread, author=learner, body="They keep a sorted copy of a column.")
    services.accept_answer(thread=thread, comment=answer, user=mentor)
    mentor_reply = CommentFactory(thread=thread, author=mentor, parent=answer, body="And they cost writes.")
    NotificationFactory(recipient=learner, actor=mentor, thread=thread)
    for topic in topics[1:3]:
        ProgressFactory(user=learner, topic=topic, status="done")
    review = mentorship.request_review(
        learner=learner,
        topic=topics[1],
        links=["https://github.com/a-learner/" + "a-repository-with-a-very-long-name-" * 3],
        explanation=LONG_POST,
    )
    mentorship.claim(mentor=mentor, review=review)
    MentorSection.objects.create(mentor=mentor, section=topics[1].section)
    add_quiz(topics[1], questions=3, multiple=1)
    project = ProjectFactory(section=topics[1].section, title="Trace a request end to end")
    attempt = roadmap_services.submit_quiz_attempt(
        user=learner,
        topic=topics[1],
        answers={
            question.pk: [question.options.order_by("position").last().key]
            for question in topics[1].quiz_questions.all()
        },
    )
    project_review = mentorship.request_project_review(
        learner=learner, project=project, repository="https://github.com/a-learner/trace"
    )
    insights.refresh_topic_insights()
    return {
        "project": project,
        "project_review": project_review,
        "quiz_result": f"/roadmaps/backend/{topics[1].slug}/quiz/{attempt.pk}/",
        "review": review,
        "request_topic": topics[2],
        "roadmap": roadmap,
        "topic": topics[1],
        "learner": learner,
        "mentor": mentor,
        "tag": tag,
        "thread": thread,
        "long_thread": long_thread,
        "unsubscribe": urlsplit(unsubscribe_url(learner, "reply")).path,
        "reactions_page": reverse("community:comment-react", args=[mentor_reply.pk]),
    }


def public_pages(site) -> list[str]:
    thread, long_thread = site["thread"], site["long_thread"]
    return [
        "/",
        "/roadmaps/",
        "/roadmaps/backend/",
        f"/roadmaps/backend/{site['topic'].slug}/",
        site["project"].get_absolute_url(),
        "/discussions/",
        "/discussions/?tab=top",
        "/tags/",
        thread.get_absolute_url(),
        long_thread.get_absolute_url(),
        f"/tags/{site['tag'].slug}/",
        "/search/?q=index",
        f"/u/{site['learner'].username}/",
        "/accounts/login/",
        "/accounts/signup/",
        "/api/docs/",
        "/mentors/",
        site["unsubscribe"],
        "/no-such-page/",
    ]


def member_pages(site) -> list[str]:
    return [
        *[path for path in public_pages(site) if not path.startswith("/accounts/")],
        "/discussions/new/",
        "/discussions/saved/",
        "/notifications/",
        "/settings/",
        "/settings/notifications/",
        "/settings/tokens/",
        "/accounts/email/",
        "/accounts/password/change/",
        f"/reviews/new/backend/{site['request_topic'].slug}/",
        site["review"].get_absolute_url(),
        site["quiz_result"],
        f"/reviews/new/project/{site['project'].pk}/",
        site["project_review"].get_absolute_url(),
        site["reactions_page"],
    ]


def mentor_pages(site) -> list[str]:
    return [
        site["thread"].get_absolute_url(),
        site["long_thread"].get_absolute_url(),
        "/mod/",
        "/mod/log/",
        "/mod/tags/",
        f"/mod/users/{site['learner'].username}/",
        "/mentor/",
        "/insights/",
        site["review"].get_absolute_url(),
        site["project_review"].get_absolute_url(),
    ]


def screenshots(site, visitor) -> dict[str, str]:
    """The pages the sweep keeps a screenshot of while it is on them, as
    test-artifacts/<name>-<screen>-<theme>.png."""
    if visitor == "anonymous":
        return {
            "/": "home",
            site["thread"].get_absolute_url(): "thread",
            site["long_thread"].get_absolute_url(): "long-thread",
        }
    if visitor == "learner":
        return {"/": "home-signed-in", f"/u/{site['learner'].username}/": "profile-with-calendar"}
    return {"/insights/": "insights"}


# Swagger UI, on the API reference page, is a widget we ship but do not write: its markup has
# known accessibility faults upstream (controls nested in controls, its own main landmark). The
# page around it is checked; the widget is checked once it has drawn the reference.
THIRD_PARTY = {"/api/docs/": ("#swagger-ui .opblock-tag", {"exclude": [["#swagger-ui"]]})}


# The innermost elements that reach past the right edge of the screen, to say what widens a page.
OVERFLOWING = """width => [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > width + 0.5
        && ![...e.children].some(c => c.getBoundingClientRect().right > width + 0.5))
    .slice(0, 4)
    .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : ''))"""


def _problems(page, path, screen) -> list[str]:
    response = page.goto(path)
    problems = []
    if response.status >= 500:
        problems.append(f"{path}: answered {response.status}")
    drawn, context = THIRD_PARTY.get(path, (None, None))
    if drawn:
        page.wait_for_selector(drawn)
    results = Axe().run(page, context=context)
    for violation in results.response["violations"]:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        problems.append(f"{path}: {violation['id']} ({violation['impact']}) at {targets}")
    if screen == "phone":
        # Against the screen's width, not window.innerWidth: a phone widens its layout viewport
        # (and so innerWidth) to whatever the page needs, then zooms out.
        width, screen_width = (
            page.evaluate("document.documentElement.scrollWidth"),
            page.viewport_size["width"],
        )
        if width > screen_width:
            widest = ", ".join(page.evaluate(OVERFLOWING, screen_width))
            problems.append(f"{path}: {width} px wide on a {screen_width} px screen (by {widest})")
    return problems


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("screen", sorted(SCREENS))
@pytest.mark.parametrize("visitor", ["anonymous", "learner", "mentor"])
def test_every_page_type_passes_axe_and_fits_the_screen(
    browser, live_server, settings, site, visitor, screen, theme
):
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(base_url=live_server.url, **SCREENS[screen])
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.add_cookies([{"name": "theme", "value": theme, "url": live_server.url}])
    pages = {"anonymous": public_pages, "learner": member_pages, "mentor": mentor_pages}[visitor](site)
    if visitor != "anonymous":
        context.add_cookies([session_cookie(site[visitor], live_server.url)])
    shots = screenshots(site, visitor)
    page = context.new_page()
    problems = []
    try:
        for path in pages:
            problems += _problems(page, path, screen)
            if path in shots:
                save_screenshot(page, f"{shots[path]}-{screen}-{theme}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


LONG_CONTENT = {
    "es": {
        "roadmap.title": "Desarrollo backend",
        "section.title": "Bases de datos relacionales y su administración",
        "topic.title": "Configuración de los grupos de conexiones a la base de datos",
    },
    "de": {
        "roadmap.title": "Backend-Entwicklung",
        "section.title": "Datenbankverwaltungssysteme",
        "topic.title": "Datenbankverbindungspoolkonfigurationsmöglichkeiten",
    },
}


def translated_pages(site) -> dict[str, list[str]]:
    """The pages whose layout the length of their words changes most, by who sees them."""
    topic_page = f"/roadmaps/backend/{site['topic'].slug}/"
    return {
        "anonymous": [
            "/",
            "/roadmaps/backend/",
            topic_page,
            "/discussions/",
            site["thread"].get_absolute_url(),
        ],
        "learner": [
            "/",
            topic_page,
            "/settings/",
            "/settings/notifications/",
            "/discussions/new/",
            site["thread"].get_absolute_url(),
            site["reactions_page"],
            f"/reviews/new/backend/{site['request_topic'].slug}/",
            site["review"].get_absolute_url(),
        ],
        "mentor": ["/mentor/", "/insights/", site["review"].get_absolute_url()],
    }


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("language", ["es", "de"])
def test_translated_pages_pass_axe_and_fit_a_phone(browser, live_server, settings, site, language, theme):
    """Spanish and German words are longer than English ones (German compounds most): the pages
    they lengthen most still pass axe-core and do not scroll sideways at 390 px. A visitor asks
    with `?lang=`; members read in the language saved on their account."""
    settings.ALLOWED_HOSTS = ["*"]
    for field, text in LONG_CONTENT[language].items():  # roadmap content translated, at its longest
        model, _, name = field.partition(".")
        target = site["topic"].section if model == "section" else site[model]
        setattr(target, f"{name}_{language}", text)
        target.save()
    topic_page = f"/roadmaps/backend/{site['topic'].slug}/"
    problems = []
    for visitor, pages in translated_pages(site).items():
        context = browser.new_context(base_url=live_server.url, **SCREENS["phone"])
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.add_cookies([{"name": "theme", "value": theme, "url": live_server.url}])
        if visitor != "anonymous":
            site[visitor].language = language
            site[visitor].save(update_fields=["language"])
            context.add_cookies([session_cookie(site[visitor], live_server.url)])
        page = context.new_page()
        try:
            for path in pages:
                asked = (
                    f"{path}{'&' if '?' in path else '?'}lang={language}" if visitor == "anonymous" else path
                )
                problems += _problems(page, asked, "phone")
                shown = page.evaluate("document.documentElement.lang")
                if shown != language:
                    problems.append(f"{asked} ({visitor}): in {shown!r}, not {language!r}")
                if path == topic_page and LONG_CONTENT[language]["topic.title"] not in page.inner_text("h1"):
                    problems.append(f"{asked} ({visitor}): the topic's {language} title is not its heading")
        finally:
            context.close()
    assert not problems, "\n".join(problems)
