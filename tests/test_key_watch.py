"""config.key_watch: while Redis tells a process which version tokens change, the process
serves kept pages without asking Redis; a write anywhere still shows on the next request, and
whenever the process cannot be sure it would have been told, it asks Redis again."""

import os
import subprocess
import sys
from pathlib import Path
from time import monotonic, sleep
from urllib.parse import quote

import hiredis
import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.urls import reverse

from community import services
from config import key_watch
from config.cache import EPOCH_KEY, bump_version_tokens, version_tokens
from tests.factories import CommentFactory, ThreadFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.redis]

ROOT = Path(__file__).resolve().parent.parent


def wait_for(condition, what: str, timeout: float = 5.0) -> None:
    deadline = monotonic() + timeout
    while not condition():
        assert monotonic() < deadline, f"waited {timeout} s for {what}"
        sleep(0.01)


def listening(alias: str):
    """This process's watch on the keys of the cache `alias`, once it listens."""
    watch = caches[alias].key_watch()
    assert watch is not None
    wait_for(watch.is_listening, f"the key watch of the {alias} cache to listen")
    return watch


@pytest.fixture
def watch():
    return listening("default")


@pytest.fixture
def thread():
    thread = ThreadFactory(title="Indexes and when they help")
    CommentFactory(thread=thread, body_html="<p>A first reply.</p>")
    return thread


def served_before_the_stack(response) -> bool:
    return not hasattr(response.wsgi_request, "user")


def kept(url: str) -> None:
    """Request `url` until it is served kept, its tokens known to the watch."""
    Client().get(url)
    Client().get(url)
    assert served_before_the_stack(Client().get(url))


def served_without_a_round_trip(url: str, redis_commands: list) -> bool:
    """Whether a kept `url` is served without a command to Redis, within a few tries: another
    test process emptying its own Redis database (FLUSHDB is announced to every watch, whatever
    the database) makes this one forget what it knew, as it should."""
    for _ in range(20):
        kept(url)
        redis_commands.clear()
        again = Client().get(url)
        assert served_before_the_stack(again) and again.status_code == 200
        if redis_commands == []:
            return True
    return False


def test_a_kept_page_is_served_without_a_round_trip_to_redis(thread, watch, redis_commands):
    assert served_without_a_round_trip(thread.get_absolute_url(), redis_commands)


def test_a_write_shows_on_the_next_request_without_waiting(thread, watch):
    kept(thread.get_absolute_url())
    services.create_comment(thread=thread, author=UserFactory(), body="A reply written just now.")
    after = Client().get(thread.get_absolute_url())
    assert "A reply written just now." in after.text and not served_before_the_stack(after)


def _database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (":" + quote(db["PASSWORD"]) if db.get("PASSWORD") else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_save_in_another_process_shows_on_the_next_request(watch):
    thread = ThreadFactory(title="Indexes and when they help")
    kept(thread.get_absolute_url())
    rename = (
        "import django; django.setup()\n"
        "from community.models import Thread\n"
        f"thread = Thread.objects.get(pk={thread.pk})\n"
        "thread.title = 'Indexes, renamed in a shell'\n"
        "thread.save()\n"
    )
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "config.settings"}
    subprocess.run([sys.executable, "-c", rename], cwd=ROOT, env=env, check=True, timeout=60)
    after = Client().get(thread.get_absolute_url(), follow=True)  # the slug follows the title
    assert "Indexes, renamed in a shell" in after.text


def test_a_watch_that_lost_its_connection_asks_redis_until_it_listens_again(thread, watch, redis_commands):
    kept(thread.get_absolute_url())
    client = caches["default"].client.get_client(write=True)
    name = f"stepwise-tokens-watch-{os.getpid()}"
    [own] = [entry for entry in client.client_list() if entry["name"] == name]
    client.client_kill_filter(_id=own["id"])
    services.create_comment(thread=thread, author=UserFactory(), body="Written while the watch was away.")
    redis_commands.clear()
    after = Client().get(thread.get_absolute_url())
    assert "Written while the watch was away." in after.text
    assert any(command[0] == "MGET" for command in redis_commands)
    wait_for(watch.is_listening, "the key watch to listen again")
    assert served_without_a_round_trip(thread.get_absolute_url(), redis_commands)


def test_a_watch_not_heard_from_lately_is_not_trusted(thread, watch, redis_commands, monkeypatch):
    kept(thread.get_absolute_url())
    monkeypatch.setattr(key_watch, "TRUST_FOR", 0.0)
    redis_commands.clear()
    again = Client().get(thread.get_absolute_url())
    assert served_before_the_stack(again)
    assert [command[0] for command in redis_commands] == ["MGET"]


def test_a_bumped_token_is_forgotten_and_the_others_kept(watch):
    version_tokens("token:one", "token:two")  # made
    version_tokens("token:one", "token:two")  # read, and learned
    known, _ = watch.known(["token:one", "token:two", EPOCH_KEY])
    assert set(known) == {"token:one", "token:two", EPOCH_KEY}
    bump_version_tokens("token:one")
    known, _ = watch.known(["token:one", "token:two", EPOCH_KEY])
    assert set(known) == {"token:two", EPOCH_KEY}


def test_a_token_read_while_another_changed_is_not_learned(watch):
    _, mark = watch.known(["token:one"])
    read = {"token:one": "read-before-the-bump"}
    bump_version_tokens("token:other")
    watch.learn(read, mark)
    assert watch.known(["token:one"])[0] == {}


def test_an_emptied_redis_forgets_everything(watch):
    version_tokens("token:one")
    version_tokens("token:one")
    assert "token:one" in watch.known(["token:one"])[0]
    cache = caches["default"]
    cache.clear()
    cache.client.get_client(write=True).ping()  # the FLUSHDB's announcement has left Redis
    assert watch.known(["token:one", EPOCH_KEY])[0] == {}


def test_a_redis_that_refuses_tracking_leaves_the_watch_off(monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise hiredis.ReplyError("ERR unknown subcommand 'TRACKING'")

    monkeypatch.setattr(key_watch._Subscriber, "connect", refuse)
    watch = key_watch.KeyWatch(
        ("127.0.0.1", 6379),
        name="test",
        username=None,
        password=None,
        key_prefix="test:1:",
        prefixes=("token:",),
    )
    assert watch.known(["token:one"]) == ({}, None)
    wait_for(lambda: not watch._thread.is_alive(), "the watch's thread to give up")
    assert not watch.is_listening()
    assert "refuses key tracking" in caplog.text


@pytest.fixture
def session_watch():
    return listening("sessions")


def signed_in_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def kept_session(client: Client, url: str, watch) -> str:
    """Request `url` until this process keeps the client's session; its cache key."""
    cache_key = "django.contrib.sessions.cached_db" + client.cookies["sessionid"].value
    for _ in range(20):
        assert client.get(url).status_code == 200
        if cache_key in watch.known([cache_key])[0]:
            return cache_key
    raise AssertionError("the session was never kept")


def test_a_sign_out_holds_at_once_for_a_copy_of_the_cookie(learner, session_watch):
    url = ThreadFactory().get_absolute_url()
    browser = signed_in_as(learner)
    kept_session(browser, url, session_watch)
    copy = Client()
    copy.cookies["sessionid"] = browser.cookies["sessionid"].value
    assert f"/u/{learner.username}/" in copy.get(url).text
    browser.post(reverse("account_logout"))
    assert f"/u/{learner.username}/" not in copy.get(url).text


@pytest.mark.django_db(transaction=True)
def test_a_session_ended_in_another_process_holds_on_the_next_request(session_watch):
    member = UserFactory()
    url = ThreadFactory().get_absolute_url()
    browser = signed_in_as(member)
    kept_session(browser, url, session_watch)
    end = (
        "import django; django.setup()\n"
        "from config.sessions import SessionStore\n"
        f"SessionStore({browser.cookies['sessionid'].value!r}).delete()\n"
    )
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "config.settings"}
    subprocess.run([sys.executable, "-c", end], cwd=ROOT, env=env, check=True, timeout=60)
    assert f"/u/{member.username}/" not in browser.get(url).text


def test_a_kept_session_is_read_from_redis_again_after_the_watchs_max_age(
    learner, session_watch, monkeypatch
):
    """Redis announces an expired session only when it deletes the key, which it may do minutes
    later for a key nobody reads: the watch keeps a session no longer than its max_age."""
    monkeypatch.setattr(session_watch, "max_age", 0.2)
    url = ThreadFactory().get_absolute_url()
    cache_key = kept_session(signed_in_as(learner), url, session_watch)
    sleep(0.3)
    assert session_watch.is_listening()
    assert session_watch.known([cache_key])[0] == {}


def test_a_message_the_watch_cannot_read_makes_it_forget_and_connect_again(watch, monkeypatch):
    version_tokens("token:one")
    version_tokens("token:one")
    assert "token:one" in watch.known(["token:one"])[0]

    def unreadable():
        raise ValueError("a message of another shape")

    monkeypatch.setattr(watch._subscriber, "received", unreadable)
    assert watch.known(["token:one"]) == ({}, None)
    wait_for(watch.is_listening, "the key watch to listen again")
    assert watch.known(["token:one"])[0] == {}
