"""Live updates through the whole cluster: nginx sends pages to gunicorn and /ws/ to the ASGI
process (uvicorn), the outbox's worker writes notifications. Two members in two Chromium
contexts: what B does shows on A's open thread page without a reload, A's header count rises
when B mentions A, a reply a mentor hides leaves A's page, a thread A may not see tells A
nothing, and when the ASGI process restarts A's page reconnects and catches up; the page with
its "new replies" button passes axe at 390 px, light and dark. A learner's map follows a status
set in another tab. A page catches up on what it missed while Redis restarted."""

import os
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.db import connections
from playwright.sync_api import expect

from bench.cluster import Cluster, production_env
from community import moderation, services
from community.models import Status
from community.selectors import COMMENTS_PER_PAGE
from tests.e2e.conftest import ACTION_TIMEOUT_MS, EXPECT_TIMEOUT_MS, chromium_path, session_cookie
from tests.factories import CommentFactory, MentorFactory, ThreadFactory, UserFactory, build_roadmap
from tests.integration.conftest import _database_url

pytestmark = [pytest.mark.celery, pytest.mark.postgres, pytest.mark.redis]


def start_cluster(*, redis_url: str, broker_url: str) -> Cluster:
    env = production_env(
        SECRET_KEY=settings.SECRET_KEY,  # the sessions made here sign in there
        DATABASE_URL=_database_url(),
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=broker_url,
        CELERY_TASK_ALWAYS_EAGER="false",
        NOTIFICATION_EMAIL_DELAY="3600",
        LIVE_RECHECK_SECONDS="2",
        WEB_CONCURRENCY="2",
        GUNICORN_PRELOAD="false",
    )
    return Cluster(env=env, web_workers=2).up(workers=True, beat=False)


@pytest.fixture
def cluster(transactional_db, broker_url, collected_static):
    # The cache and the channel layer are the test process's own Redis database, so that a
    # write made here (a mentor's act) reaches the cluster's sockets as one made there does.
    running = start_cluster(redis_url=os.environ["REDIS_URL"], broker_url=broker_url)
    try:
        yield running
    finally:
        running.down()


@pytest.fixture
def cluster_on_private_redis(transactional_db, broker_url, collected_static, private_redis):
    """The cluster with its cache, sessions and channel layer on a Redis of the test's own."""
    running = start_cluster(redis_url=private_redis.url, broker_url=broker_url)
    try:
        yield running
    finally:
        running.down()


@pytest.fixture
def chromium():
    from playwright.sync_api import sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        # While Playwright's event loop is set, Django keeps its database connections per
        # context: the ones this test opened are closed here, in that context, or they outlive
        # the run and the test database cannot be dropped.
        connections.close_all()
        browser.close()


def open_as(chromium, cluster, user):
    # "localhost": Chromium keeps the site's Secure cookies (CSRF) over plain HTTP only there.
    url = cluster.url.replace("127.0.0.1", "localhost")
    context = chromium.new_context(base_url=url, viewport={"width": 390, "height": 844})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.add_cookies([session_cookie(user, url)])
    page = context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda message: page.console_errors.append(message.text) if message.type == "error" else None,
    )
    return page


def assert_accessible(page):
    """axe finds nothing on the page as it is now, in the light theme and the dark one."""
    for theme in ("light", "dark"):
        page.evaluate("(theme) => document.documentElement.setAttribute('data-theme', theme)", theme)
        violations = Axe().run(page).response["violations"]
        assert not violations, [
            (violation["id"], violation["nodes"][0]["target"]) for violation in violations
        ]


def test_what_b_does_shows_on_as_open_thread_page(cluster, chromium):
    alice = UserFactory(username="alice", display_name="Alice")
    bob = UserFactory(username="bob", display_name="Bob")
    carol = UserFactory(username="carol", display_name="Carol")
    mentor = MentorFactory(username="mentor")
    thread = ThreadFactory(author=bob, title="Which status code for a duplicate email?")
    answer = services.create_comment(
        thread=thread, author=carol, body="Use 409 Conflict, the state conflicts."
    )
    doubt = services.create_comment(thread=thread, author=carol, body="Or maybe a 400, I am not sure of it.")
    secret = ThreadFactory(author=bob, title="A thread a mentor hid from everyone", status=Status.HIDDEN)

    a = open_as(chromium, cluster, alice)
    b = open_as(chromium, cluster, bob)
    a.goto(thread.get_absolute_url())
    b.goto(thread.get_absolute_url())
    comments_heading = a.locator("#comments-heading")
    expect(comments_heading).to_have_text("2 replies")
    a.evaluate("window.scrollTo(0, 200)")

    # A reply: A is offered it without losing their place, then sees it.
    b.get_by_role("textbox", name="Your reply").fill("@alice the RFC says 409 when the state conflicts.")
    b.get_by_role("button", name="Post reply").click()
    show = a.get_by_role("button", name="1 new reply: show")
    expect(show).to_be_visible()
    expect(comments_heading).to_have_text("3 replies")
    assert_accessible(a)
    scrolled = a.evaluate("window.scrollY")
    show.click()
    expect(a.locator(".comment-list .prose").filter(has_text="the RFC says 409")).to_be_visible()
    assert abs(a.evaluate("window.scrollY") - scrolled) < 5, "showing the new reply moved the page"

    # The mention: A's header count rises.
    expect(a.locator("[data-unread-count]")).to_contain_text("1")

    # A reaction: the count changes in place, and A's keyboard focus stays where it was, on the
    # reply's React link, though the reaction now shown comes before it.
    react = a.locator(f"#c{answer.pk} .reactions").get_by_role("link", name="React")
    react.focus()
    b.locator(f"#c{answer.pk} .reactions").get_by_role("link", name="React").click()
    b.locator(f'#c{answer.pk} .reactions button[value="{answer.pk}:helpful"]').click()
    expect(a.locator(f'#c{answer.pk} .reactions button[value="{answer.pk}:helpful"]')).to_contain_text("1")
    expect(react).to_be_focused()

    # An accepted answer.
    b.locator(f"#c{answer.pk}").get_by_role("button", name="Accept as answer").click()
    expect(a.locator(".accepted-answer")).to_contain_text("Use 409 Conflict")
    expect(a.locator("#thread-meta .badge-answered")).to_have_text("Answered")

    # A reply hidden by a mentor leaves A's page.
    expect(a.locator(f"#c{doubt.pk}")).to_be_visible()
    moderation.hide(moderator=mentor, target=doubt, reason="Off topic guessing.")
    expect(a.locator(f"#c{doubt.pk}")).to_have_count(0)
    expect(comments_heading).to_have_text("2 replies")

    # A thread A may not see: refused, and nothing comes of its changes. A public thread
    # followed on the same socket and changed right after is the witness: once its change has
    # arrived, the hidden thread's, published before it, would have too.
    witness = ThreadFactory(author=bob, title="A thread anyone may follow")
    a.evaluate(
        """([secret, witness]) => {
            window.heard = [];
            const socket = new WebSocket(`ws://${location.host}/ws/`);
            socket.onopen = () => {
                socket.send(JSON.stringify({subscribe: `thread:${secret}`, version: "old"}));
                socket.send(JSON.stringify({subscribe: `thread:${witness}`, version: "old"}));
            };
            socket.onmessage = (event) => window.heard.push(JSON.parse(event.data));
        }""",
        [secret.pk, witness.pk],
    )
    witnessed = (
        f"(count) => window.heard.filter((m) => m.type === 'thread' && m.id === {witness.pk}).length >= count"
    )
    a.wait_for_function(witnessed, arg=1)  # subscribed: told the witness's current version
    CommentFactory(thread=secret, author=bob, body="Nobody but Bob and the mentors may know of this.")
    CommentFactory(thread=witness, author=bob, body="Anyone may know of this.")
    a.wait_for_function(witnessed, arg=2)
    assert [message for message in a.evaluate("window.heard") if message.get("id") != witness.pk] == [
        {"type": "refused", "topic": f"thread:{secret.pk}"}
    ]

    # The ASGI process restarts: A's page reconnects and catches up on what it missed.
    cluster.kill("live")
    b.get_by_role("textbox", name="Your reply").fill("Posted while the live process was down.")
    b.get_by_role("button", name="Post reply").click()
    cluster.restart_live()
    # The page's next try may be up to 30 s away (its backoff grew while the process was down).
    expect(a.get_by_role("button", name="1 new reply: show")).to_be_visible(timeout=60_000)
    expect(comments_heading).to_have_text("3 replies")

    # Only the socket's own complaints while the process was down reach the console.
    assert not [error for error in a.console_errors if "WebSocket" not in error]


def test_new_replies_on_a_later_page_are_announced_with_a_way_to_reach_them(cluster, chromium):
    """A reader of a full first page is told of replies that land on the next one, and taken
    there in one step; the link stays once they show the replies that did land on their page."""
    bob = UserFactory(username="bob")
    thread = ThreadFactory(author=bob, title="A long discussion of status codes")
    CommentFactory.create_batch(COMMENTS_PER_PAGE - 1, thread=thread, author=bob)

    a = open_as(chromium, cluster, UserFactory(username="alice"))
    a.goto(thread.get_absolute_url())
    expect(a.locator(".comment-list > li")).to_have_count(COMMENTS_PER_PAGE - 1)
    services.create_comment(
        thread=thread, author=UserFactory(), body="The last reply that fits on the first page."
    )
    services.create_comment(thread=thread, author=UserFactory(), body="The first reply of the second page.")
    services.create_comment(thread=thread, author=UserFactory(), body="The second reply of the second page.")

    expect(a.get_by_role("button", name="1 new reply: show")).to_be_visible()
    go = a.get_by_role("link", name="2 new replies on the next page: go")
    expect(go).to_be_visible()
    assert_accessible(a)
    a.get_by_role("button", name="1 new reply: show").click()
    expect(a.locator(".comment-list .prose").filter(has_text="The last reply that fits")).to_be_visible()
    expect(go).to_be_visible()
    go.click()
    expect(a).to_have_url(re.compile(r"[?&]page=2#comments-heading$"))
    expect(
        a.locator(".comment-list .prose").filter(has_text="The first reply of the second page")
    ).to_be_visible()
    expect(
        a.locator(".comment-list .prose").filter(has_text="The second reply of the second page")
    ).to_be_visible()
    assert not a.console_errors


def test_a_status_set_in_one_tab_shows_on_the_map_in_another(cluster, chromium):
    roadmap, topics = build_roadmap(topics=3, sections=1)
    learner = UserFactory()
    map_tab = open_as(chromium, cluster, learner)
    topic_tab = map_tab.context.new_page()
    map_tab.goto(roadmap.get_absolute_url())
    node = map_tab.locator(f"#topic-{topics[0].slug}")
    expect(node).to_have_class(re.compile(r"\bstatus-none\b"))

    topic_tab.goto(topics[0].get_absolute_url())
    topic_tab.get_by_role("button", name="Done").click()
    expect(topic_tab.locator("#status-panel .status-current")).to_contain_text("Done")

    expect(node).to_have_class(re.compile(r"\bstatus-done\b"))
    expect(map_tab.locator("#map-progress")).to_contain_text("1 of 3 topics done or skipped")


def test_a_page_catches_up_on_what_it_missed_while_redis_restarted(
    cluster_on_private_redis, chromium, private_redis
):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    thread = ThreadFactory(author=bob, title="Which index for a LIKE query on a prefix?")
    a = open_as(chromium, cluster_on_private_redis, alice)
    b = open_as(chromium, cluster_on_private_redis, bob)
    a.goto(thread.get_absolute_url())
    b.goto(thread.get_absolute_url())
    b.get_by_role("textbox", name="Your reply").fill("A B-tree index works for a prefix match.")
    b.get_by_role("button", name="Post reply").click()
    expect(a.get_by_role("button", name="1 new reply: show")).to_be_visible()

    private_redis.kill()
    b.get_by_role("textbox", name="Your reply").fill("Posted while Redis was down: pages still work.")
    b.get_by_role("button", name="Post reply").click()
    expect(b.locator(".comment-list .prose").filter(has_text="Posted while Redis was down")).to_be_visible()
    private_redis.start()

    expect(a.get_by_role("button", name="2 new replies: show")).to_be_visible()
    expect(a.locator("#comments-heading")).to_have_text("2 replies")
