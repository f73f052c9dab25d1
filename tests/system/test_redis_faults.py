"""Redis fails under the running site: gunicorn with production settings, on a Redis server of
the test's own, keeps answering pages and logins, quickly, while that server is killed or hangs,
and uses it again once it is back."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.hashers import Argon2Hasher
from bench.cluster import Cluster, production_env
from bench.login import CSRF_FIELD, request
from community import moderation
from community.models import Comment, Thread
from config.cache import EPOCH_KEY
from tests.factories import (
    PASSWORD,
    AdminFactory,
    CommentFactory,
    MentorFactory,
    ThreadFactory,
    UserFactory,
    build_roadmap,
)
from tests.integration.conftest import _database_url, wait_for
from tests.system.browser import Browser
from tests.system.redis_server import RedisServer

pytestmark = [pytest.mark.redis, pytest.mark.postgres]

SOCKET_TIMEOUT = 0.5  # seconds: the production settings' Redis socket timeout
# What a request may lose to a hung Redis, in socket timeouts. Reads stop trying Redis after
# one fails (config.cache), so each cache costs one, and one more when it tries Redis again
# after RETRY_AFTER. Writes still try Redis each time, so that none is lost if it is back: a
# login writes its session twice and bumps the user's version token twice. A login that read
# each of the user's dozen sessions from Redis would lose more; a request that hung, far more.
OUTAGE_ALLOWANCE = 8 * SOCKET_TIMEOUT


@pytest.fixture
def site(transactional_db, private_redis, collected_static):
    """gunicorn (two sync workers) with production settings on the private Redis. Without the
    cluster's nginx: the proxy plays no part in a Redis outage."""
    env = production_env(
        DATABASE_URL=_database_url(),
        REDIS_URL=private_redis.url,
        CELERY_BROKER_URL=private_redis.url,
        WEB_CONCURRENCY="2",
        GUNICORN_PRELOAD="false",
    )
    cluster = Cluster(env=env)
    cluster.start_web(0)
    try:
        wait_for(lambda: _healthy(cluster.web_ports[0]), timeout=30, what=f"gunicorn (logs in {cluster.run})")
        yield cluster
    finally:
        cluster.down()


def _healthy(port: int) -> bool:
    try:
        return request("127.0.0.1", port, "GET", "/healthz")[0].status == 200
    except OSError:
        return False


def assert_signed_in(browser: Browser, user) -> None:
    assert browser.is_signed_in_as(user), f"not signed in as {user.username}"


def site_content():
    """A roadmap, a thread and a verified learner; the pages anyone may read."""
    roadmap, topics = build_roadmap(topics=3, sections=1)
    thread = ThreadFactory(title="Read while Redis is down", topic=topics[0])
    user = UserFactory(email="ada@example.com", username="ada")
    user.password = Argon2Hasher().encode(PASSWORD, Argon2Hasher().salt())  # what the site verifies
    user.save(update_fields=["password"])
    pages = ["/", "/roadmaps/", f"/roadmaps/{roadmap.slug}/", "/discussions/", thread.get_absolute_url()]
    return pages, user


def assert_pages_and_logins_work(port: int, pages: list[str], user) -> dict[str, float]:
    """Reads every page and signs in a few times; answers the slowest time of each request."""
    slowest = {}
    for _ in range(3):  # each gunicorn worker meets the outage
        for path in pages:
            response, _ = Browser(port, slowest).get(path)
            assert response.status == 200, f"{path} answered {response.status}"
    for _ in range(3):
        browser = Browser(port, slowest)
        response, _ = browser.sign_in(user.email, PASSWORD)
        assert response.status == 302, f"a login answered {response.status}"
        assert_signed_in(browser, user)
    response, page = Browser(port, slowest).sign_in(user.email, "not-the-password")
    assert response.status == 200 and "password do not match" in page
    return slowest


def assert_no_slower_than(outage: dict[str, float], healthy: dict[str, float]) -> None:
    """Each request during the outage took at most what it took on this machine with Redis up
    (cold caches included; the slowest request for one not made then) plus the outage's
    allowance: a wall-clock bound that a loaded machine moves on both sides."""
    slow = {}
    for label, seconds in outage.items():
        before = healthy.get(label, max(healthy.values()))
        if seconds > before + OUTAGE_ALLOWANCE:
            slow[label] = f"{seconds:.1f}s, against {before:.1f}s with Redis up"
    assert not slow, f"requests slowed by more than {OUTAGE_ALLOWANCE:.1f}s: {slow}"


def session_in_redis(redis_server: RedisServer, browser: Browser) -> bool:
    return bool(redis_server.keys(f"stepwise-sessions:*{browser.jar['sessionid'].value}"))


def wait_until_the_cache_is_used_again(port: int, redis_server: RedisServer) -> None:
    def written():
        Browser(port).get("/")
        return bool(redis_server.keys("stepwise:*"))

    wait_for(written, timeout=20, what="the site to write to Redis again")


def test_pages_and_logins_work_while_redis_is_down_and_redis_is_used_again_when_back(site, private_redis):
    pages, user = site_content()
    port = site.web_ports[0]
    for path in pages:
        assert Browser(port).get(path)[0].status == 200, path
    before = Browser(port)
    response, _ = before.sign_in(user.email, PASSWORD)
    assert (response.status, response.headers["Location"]) == (302, "/")
    assert_signed_in(before, user)
    assert private_redis.keys("stepwise:*") and session_in_redis(private_redis, before)

    healthy = assert_pages_and_logins_work(port, pages, user)
    private_redis.kill()
    assert_no_slower_than(assert_pages_and_logins_work(port, pages, user), healthy)
    assert_signed_in(before, user)  # a session from before the outage, read from the database
    assert "Redis cache unreachable" in site.log("web1")
    assert json.loads(Browser(port).get("/healthz")[1])["status"] == "degraded"

    private_redis.start()  # the same port, empty: nothing was saved
    wait_until_the_cache_is_used_again(port, private_redis)
    after = Browser(port)
    assert after.sign_in(user.email, PASSWORD)[0].status == 302
    assert_signed_in(after, user)
    assert session_in_redis(private_redis, after)
    assert_signed_in(before, user)


def test_a_hung_redis_costs_requests_a_timeout_or_two_never_a_hang(site, private_redis):
    """A Redis that accepts connections and never answers costs a socket timeout per call
    that reaches it; a login used to read every session of the user from it."""
    pages, user = site_content()
    port = site.web_ports[0]
    devices = [Browser(port) for _ in range(6)]  # the learner is signed in on several devices
    for device in devices:
        assert device.sign_in(user.email, PASSWORD)[0].status == 302
    healthy = assert_pages_and_logins_work(port, pages, user)

    private_redis.hang()
    try:
        outage = assert_pages_and_logins_work(port, pages, user)
        devices[0].slowest = outage
        assert_signed_in(devices[0], user)
        assert json.loads(Browser(port, outage).get("/healthz")[1])["status"] == "degraded"
        assert_no_slower_than(outage, healthy)
    finally:
        private_redis.resume()

    private_redis.client().flushall()
    wait_until_the_cache_is_used_again(port, private_redis)
    after = Browser(port)
    assert after.sign_in(user.email, PASSWORD)[0].status == 302
    assert session_in_redis(private_redis, after)


PAUSE = 20  # seconds Redis stays stopped


def test_changes_made_while_redis_hangs_show_on_the_next_request_after_it_answers(
    site, private_redis, settings, caplog
):
    """Redis stopped (SIGSTOP) for 20 s while an admin's shell suspends a member and a mentor
    hides a comment: their version bumps cannot reach it. Once Redis answers, the process that
    lost them moves the cache epoch, and the next request shows both changes everywhere."""
    pages, member = site_content()
    thread = Thread.objects.get()
    comment = CommentFactory(thread=thread, body="A comment a mentor hides during the outage")
    port = site.web_ports[0]
    for path in pages:  # cached, anonymous, before the outage
        assert Browser(port).get(path)[0].status == 200
    assert comment.body in Browser(port).get(thread.get_absolute_url())[1]
    signed_in = Browser(port)
    assert signed_in.sign_in(member.email, PASSWORD)[0].status == 302
    assert comment.body in signed_in.get(thread.get_absolute_url())[1]  # the member's view, cached

    # This process writes through the site's Redis, as a shell or the admin would.
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": private_redis.url,
            "KEY_PREFIX": "stepwise",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        },
        "sessions": settings.CACHES["sessions"],
    }
    epoch_key = f"stepwise:1:{EPOCH_KEY}"
    epoch_before = private_redis.client().get(epoch_key)
    admin, mentor = AdminFactory(), MentorFactory()
    private_redis.hang()
    try:
        moderation.hide(moderator=mentor, target=comment, reason="Off topic, hidden during the outage")
        moderation.suspend(
            moderator=admin, user=member, until=timezone.now() + timedelta(days=1), reason="Spam"
        )
        stopped_at = time.monotonic()
        while time.monotonic() - stopped_at < PAUSE:  # the site keeps answering meanwhile
            assert Browser(port).get("/")[0].status == 200
    finally:
        private_redis.resume()

    wait_for(
        lambda: (
            "Redis cache answers again" in caplog.text
            and private_redis.client().get(epoch_key) != epoch_before
        ),
        timeout=10,
        what="this process, which lost its bumps, to move the cache epoch",
    )
    for path in pages:
        response, page = Browser(port).get(path)
        assert response.status == 200 and comment.body not in page, path
    assert comment.body not in signed_in.get(thread.get_absolute_url())[1]
    response, page = signed_in.get(thread.get_absolute_url())
    token = CSRF_FIELD.search(page).group(1)
    response, page = signed_in.post(
        f"{thread.get_absolute_url()}comments/",
        {"body": "Posted while suspended?", "csrfmiddlewaretoken": token},
    )
    assert response.status == 403 and "suspended" in page
    assert not Comment.objects.filter(body="Posted while suspended?").exists()
