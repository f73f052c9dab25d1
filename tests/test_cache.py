"""The Redis caches and the sessions in front of them while Redis is unreachable (config.cache,
config.sessions): refused, or hung."""

import socket
import threading
import time

import pytest
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django_redis.cache import RedisCache

from config.cache import EPOCH_KEY, ResilientRedisCache, ResilientSessionCache, local_memo
from config.sessions import SessionStore
from tests.integration.conftest import wait_for

OPTIONS = {"SOCKET_CONNECT_TIMEOUT": 0.3, "SOCKET_TIMEOUT": 0.3}
CLOSED = "redis://127.0.0.1:1/0"  # nothing listens: every connection is refused


@pytest.fixture
def hung_redis():
    """A server that accepts connections and never answers, like a Redis that is stuck."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


def test_the_cache_answers_from_process_memory_while_redis_is_unreachable():
    cache = ResilientRedisCache(CLOSED, {"OPTIONS": OPTIONS})
    assert cache.add("lock", 1, 60) and not cache.add("lock", 1, 60)  # rate-limit locks still work
    cache.set("page", "html")
    assert cache.get("page") == "html"
    assert cache.is_degraded


def test_the_session_cache_keeps_nothing_while_redis_is_unreachable():
    """Sessions are then read from the database; one process's memory would hide a logout."""
    cache = ResilientSessionCache(CLOSED, {"OPTIONS": OPTIONS})
    cache.set("session", {"user": 1})
    assert cache.get("session") is None and "session" not in cache
    cache.delete("session")
    assert cache.is_degraded


@pytest.fixture
def redis_calls(monkeypatch):
    """The names of the calls that reached RedisCache (and so the socket), in order."""
    calls = []
    for name in ("get", "set", "has_key"):
        original = getattr(RedisCache, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            if threading.current_thread().name != "cache-epoch":  # the watcher's tries are its own
                calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(RedisCache, name, counted)
    return calls


def test_a_hung_redis_costs_the_cache_one_timeout_not_one_per_call(hung_redis, redis_calls):
    cache = ResilientRedisCache(hung_redis, {"OPTIONS": OPTIONS})
    started = time.monotonic()
    cache.get("first")
    assert time.monotonic() - started >= 0.25  # the one call that waited for Redis
    for number in range(10):
        cache.set(f"key-{number}", number)
        assert cache.get(f"key-{number}") == number
    assert redis_calls == ["get"]  # the others answered from process memory, without waiting


def test_a_hung_redis_costs_session_reads_one_timeout_not_one_per_read(hung_redis, redis_calls):
    """A login reads every session of the user (allauth's user sessions) to purge the dead ones."""
    cache = ResilientSessionCache(hung_redis, {"OPTIONS": OPTIONS})
    started = time.monotonic()
    assert cache.get("first") is None
    assert time.monotonic() - started >= 0.25
    for number in range(10):
        assert cache.get(f"session-{number}") is None and f"session-{number}" not in cache
    assert redis_calls == ["get"]  # the others missed at once, sending the reads to the database


def test_the_session_cache_still_sends_writes_to_redis_after_a_failure(monkeypatch):
    """Redis may be back already: a logout it never heard of would let the old session in again."""
    deleted = []
    monkeypatch.setattr(RedisCache, "delete", lambda self, key, version=None: deleted.append(key))
    cache = ResilientSessionCache(CLOSED, {"OPTIONS": OPTIONS})
    assert cache.get("session") is None
    assert cache.is_degraded
    cache.delete("session")
    assert deleted == ["session"]


def test_a_version_bump_still_goes_to_redis_after_a_failure(monkeypatch):
    """Redis may be back already: a bump only this process saw would leave the others serving
    what it retired (a user's cached row after their password changed)."""
    written = []
    monkeypatch.setattr(
        RedisCache, "set_many", lambda self, data, timeout=None, version=None: written.append(data)
    )
    cache = ResilientRedisCache(CLOSED, {"OPTIONS": OPTIONS})
    assert cache.get("anything") is None
    assert cache.is_degraded
    cache.set_many({"token": "new"})
    assert written == []  # ordinary writes wait out the pause
    cache.set_many_now({"token": "newer"})
    assert written == [{"token": "newer"}]


def test_after_a_failure_the_cache_skips_redis_until_it_has_moved_the_epoch(monkeypatch):
    """Bumps made during the outage may be lost: nothing is read from Redis again, in this
    process, before the epoch that every versioned key holds has moved."""
    cache = ResilientRedisCache(CLOSED, {"OPTIONS": OPTIONS})
    local_memo.set("page", "kept from before the outage", size=10)
    assert cache.get("anything") is None
    time.sleep(0.1)
    assert cache.is_degraded
    epochs = []
    monkeypatch.setattr(  # Redis answers again
        RedisCache, "set", lambda self, key, value, timeout=None, version=None: epochs.append((key, value))
    )
    wait_for(lambda: not cache.is_degraded, timeout=10, what="the epoch to move")
    assert epochs and {key for key, _ in epochs} == {EPOCH_KEY}
    assert local_memo.get("page") is None
    assert cache.get("anything") is None  # read from Redis again (the test's stand-in answers None)


def test_a_version_bump_that_cannot_reach_redis_is_logged_and_kept_here(caplog):
    cache = ResilientRedisCache(CLOSED, {"OPTIONS": OPTIONS})
    cache.set_many_now({"token": "new"})
    assert cache.get("token") == "new"
    assert "did not reach it" in caplog.text


def test_the_cache_is_not_degraded_before_a_failure():
    assert not ResilientRedisCache(CLOSED, {"OPTIONS": OPTIONS}).is_degraded


@pytest.mark.django_db
def test_sessions_are_read_from_the_database_without_waiting_for_a_hung_redis(
    settings, hung_redis, redis_calls
):
    """cached_db copies each session it reads back into the cache; a login reads them all."""
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {
            "BACKEND": "config.cache.ResilientSessionCache",
            "LOCATION": hung_redis,
            "OPTIONS": OPTIONS,
        },
    }
    keys = []
    for number in range(5):
        stored = DBStore()
        stored["number"] = number
        stored.save()
        keys.append(stored.session_key)
    assert [SessionStore(key)["number"] for key in keys] == list(range(5))
    assert redis_calls == ["get"]  # the first read; not even its copy into the cache waits on it


# --- The session read with the tokens (config.sessions, config.cache.get_with_tokens_ahead) ----


@pytest.fixture
def signed_in(learner):
    from django.test import Client

    client = Client()
    client.force_login(learner)
    assert client.get("/").wsgi_request.user == learner
    return client


@pytest.mark.redis
@pytest.mark.django_db
def test_a_wrong_guess_of_a_sessions_member_still_signs_in_its_own(signed_in, learner):
    from config import sessions
    from tests.factories import UserFactory

    other = UserFactory()
    sessions.MEMBER_OF_SESSION.remember(signed_in.cookies["sessionid"].value, str(other.pk))
    assert signed_in.get("/").wsgi_request.user == learner
    assert sessions.MEMBER_OF_SESSION.get(signed_in.cookies["sessionid"].value) == str(learner.pk)


@pytest.mark.django_db
def test_a_session_gone_from_redis_is_read_from_the_database(signed_in, learner):
    from django.core.cache import caches

    store = SessionStore(signed_in.cookies["sessionid"].value)
    caches["sessions"].delete(store.cache_key)
    assert signed_in.get("/").wsgi_request.user == learner
    assert caches["sessions"].get(store.cache_key) is not None  # copied back


@pytest.mark.redis
@pytest.mark.django_db
def test_a_failed_combined_read_reads_the_session_from_the_database_and_waits_no_more(
    signed_in, learner, monkeypatch
):
    import redis
    from django.core.cache import caches

    from config.cache import ResilientRedisCache

    # The combined read itself: not a session this process already keeps (config.key_watch).
    monkeypatch.setattr(ResilientRedisCache, "key_watch", lambda cache: None)
    for alias in ("default", "sessions"):  # put back as they were once the test is over
        monkeypatch.setattr(caches[alias], "_redis_down_until", 0.0)
        monkeypatch.setattr(caches[alias], "_epoch_move_pending", False)
    original, failed = redis.Redis.mget, []

    def mget(self, keys, *args):
        if not failed and any("sessions" in key for key in keys):
            failed.append(keys)
            raise redis.ConnectionError("the connection dropped")
        return original(self, keys, *args)

    monkeypatch.setattr(redis.Redis, "mget", mget)
    assert signed_in.get("/").wsgi_request.user == learner
    assert failed
    assert caches["sessions"].is_degraded and caches["default"].is_degraded
    # The failure set a thread moving the epoch once Redis answers: let it finish here, not in
    # the middle of a later test (where every version token would seem to change at once).
    for alias in ("default", "sessions"):
        if (watcher := caches[alias]._watcher) is not None:
            watcher.join(timeout=10)
