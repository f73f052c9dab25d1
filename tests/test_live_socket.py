"""The WebSocket at /ws/ (config.consumers): who may open it, what it may follow, what it hears,
and when it is closed. Each test drives the ASGI application with channels' communicator; the
writes are made through the services, as a page's request would."""

import gc
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.models import Session
from django.core.cache import caches as cache_aliases
from django.db import connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community import caches, moderation, services
from community.models import Status
from config import live
from config.asgi import application
from config.consumers import LiveConsumer
from tests.factories import CommentFactory, MentorFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 5  # seconds a message may take on a loaded machine


def session_key(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def run(scenario):
    """Run an async scenario (the sockets and the writes it makes) to its end, on a thread of
    its own: a browser test that ran earlier in this process leaves Playwright's event loop set
    on the main thread, where asgiref refuses to start another."""

    def in_thread():
        try:
            return async_to_sync(scenario)()
        finally:
            connections.close_all()  # the thread's own connection, before the test's flush

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(in_thread).result()


async def open_socket(key: str | None = None, *, origin: str = "http://testserver"):
    headers = [(b"origin", origin.encode())]
    if key:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode()))
    socket = WebsocketCommunicator(application, "/ws/", headers=headers)
    connected, code = await socket.connect(timeout=WAIT)
    return socket, connected, code


def thread_version(thread) -> str:
    return live.page_version(caches.LIVE_THREAD, thread.pk)


def reply(thread, author, body="Thanks, that settles it for me."):
    return database_sync_to_async(services.create_comment)(thread=thread, author=author, body=body)


# --- Opening the socket -------------------------------------------------------------------


def test_a_page_of_another_site_cannot_open_a_socket():
    async def scenario():
        socket, connected, _ = await open_socket(origin="https://elsewhere.example")
        assert not connected

    run(scenario)


def test_a_suspended_member_cannot_open_a_socket():
    member = UserFactory(suspended_until=timezone.now() + timedelta(days=2))
    key = session_key(member)

    async def scenario():
        socket, connected, code = await open_socket(key)
        assert (connected, code) == (False, 4403)

    run(scenario)


def test_an_open_socket_keeps_its_members_id_and_no_user_object():
    """Thousands of idle sockets each keeping a user (with its caches) is memory for nothing:
    the socket keeps the id, and reads the member when it needs them."""
    member = UserFactory()
    thread = ThreadFactory()
    key = session_key(member)

    async def scenario():
        socket, connected, _ = await open_socket(key)
        assert connected
        await socket.send_json_to({"subscribe": "notifications", "version": "old"})
        assert (await socket.receive_json_from(timeout=WAIT))["type"] == "notifications"
        await socket.send_json_to({"subscribe": f"thread:{thread.pk}", "version": "old"})
        assert (await socket.receive_json_from(timeout=WAIT))["type"] == "thread"
        gc.collect()
        [consumer] = [
            found
            for found in gc.get_objects()
            # type(), not isinstance(): the latter evaluates the lazy objects other tests left
            # behind (a spent CSP nonce raises when asked for its class)
            if type(found) is LiveConsumer and found.session_key == key
        ]
        assert consumer.member_id == member.pk
        kept = [
            value for value in vars(consumer).values() if isinstance(value, (AbstractBaseUser, AnonymousUser))
        ]
        assert kept == []
        await socket.disconnect()

    run(scenario)


# --- Following a thread -------------------------------------------------------------------


def test_a_reader_hears_the_new_version_of_a_thread_when_someone_replies():
    writer = UserFactory()
    thread = ThreadFactory()
    version = thread_version(thread)

    async def scenario():
        socket, connected, _ = await open_socket()
        assert connected
        await socket.send_json_to({"subscribe": f"thread:{thread.pk}", "version": version})
        assert await socket.receive_nothing(timeout=0.3)
        await reply(thread, writer)
        message = await socket.receive_json_from(timeout=WAIT)
        assert message["type"] == "thread" and message["id"] == thread.pk
        assert message["version"] != version
        assert set(message) == {"type", "id", "version"}  # what changed, never HTML
        await socket.disconnect()

    run(scenario)


def test_a_page_that_missed_changes_is_told_the_current_version_when_it_subscribes():
    thread = ThreadFactory()
    old = thread_version(thread)
    CommentFactory(thread=thread)
    current = thread_version(thread)
    assert current != old

    async def scenario():
        socket, _, _ = await open_socket()
        await socket.send_json_to({"subscribe": f"thread:{thread.pk}", "version": old})
        assert await socket.receive_json_from(timeout=WAIT) == {
            "type": "thread",
            "id": thread.pk,
            "version": current,
        }
        await socket.disconnect()

    run(scenario)


def test_a_hidden_thread_is_refused_to_readers_but_followed_by_its_author_and_mentors():
    author, mentor, reader = UserFactory(), MentorFactory(), UserFactory()
    thread = ThreadFactory(author=author, status=Status.HIDDEN)
    keys = {
        name: session_key(user) for name, user in [("author", author), ("mentor", mentor), ("reader", reader)]
    }
    version = thread_version(thread)
    witness = ThreadFactory()

    async def scenario():
        # A public thread followed right after is the witness: the page's messages are answered
        # in order, so its answer coming first means the hidden thread was followed in silence.
        answers = {}
        for name in ["author", "mentor", "reader", "anonymous"]:
            socket, _, _ = await open_socket(keys.get(name))
            await socket.send_json_to({"subscribe": f"thread:{thread.pk}", "version": version})
            await socket.send_json_to({"subscribe": f"thread:{witness.pk}", "version": "old"})
            first = await socket.receive_json_from(timeout=WAIT)
            answers[name] = True if first.get("id") == witness.pk else first
            await socket.disconnect()
        return answers

    answers = run(scenario)
    refused = {"type": "refused", "topic": f"thread:{thread.pk}"}
    assert answers == {"author": True, "mentor": True, "reader": refused, "anonymous": refused}


def test_a_thread_hidden_while_open_stops_telling_its_readers_and_tells_its_author():
    author, mentor = UserFactory(), MentorFactory()
    thread = ThreadFactory(author=author)
    author_key = session_key(author)
    version = thread_version(thread)

    async def scenario():
        reader, _, _ = await open_socket()
        own, _, _ = await open_socket(author_key)
        for socket in (reader, own):
            await socket.send_json_to({"subscribe": f"thread:{thread.pk}", "version": version})
        await database_sync_to_async(moderation.hide)(moderator=mentor, target=thread, reason="Spam links.")
        assert await reader.receive_json_from(timeout=WAIT) == {
            "type": "refused",
            "topic": f"thread:{thread.pk}",
        }
        told = await own.receive_json_from(timeout=WAIT)
        assert told["type"] == "thread" and told["version"] != version
        for socket in (reader, own):
            await socket.disconnect()

    run(scenario)


# --- The member's own topics --------------------------------------------------------------


def test_notifications_are_followed_by_their_member_alone():
    member, other = UserFactory(), UserFactory()
    key = session_key(member)

    async def scenario():
        anonymous, _, _ = await open_socket()
        await anonymous.send_json_to({"subscribe": "notifications"})
        assert await anonymous.receive_json_from(timeout=WAIT) == {
            "type": "refused",
            "topic": "notifications",
        }
        socket, _, _ = await open_socket(key)
        await socket.send_json_to({"subscribe": f"notifications:{other.pk}"})
        assert await socket.receive_json_from(timeout=WAIT) == {
            "type": "refused",
            "topic": f"notifications:{other.pk}",
        }
        await socket.send_json_to({"subscribe": "notifications"})
        first = await socket.receive_json_from(timeout=WAIT)
        assert (first["type"], first["unread"]) == ("notifications", 0)
        for connection in (anonymous, socket):
            await connection.disconnect()

    run(scenario)


def test_a_members_count_rises_when_someone_mentions_them():
    member, writer = UserFactory(username="ada"), UserFactory()
    thread = ThreadFactory(author=writer)
    key = session_key(member)

    async def scenario():
        socket, _, _ = await open_socket(key)
        await socket.send_json_to({"subscribe": "notifications"})
        assert (await socket.receive_json_from(timeout=WAIT))["unread"] == 0
        await reply(thread, writer, body="@ada have a look at this one, please.")
        message = await socket.receive_json_from(timeout=WAIT)
        assert (message["type"], message["unread"]) == ("notifications", 1)
        await socket.disconnect()

    run(scenario)


# --- Closing ------------------------------------------------------------------------------


def test_the_socket_closes_when_the_member_is_suspended():
    member, mentor = UserFactory(), MentorFactory()
    key = session_key(member)

    async def scenario():
        socket, connected, _ = await open_socket(key)
        assert connected
        await database_sync_to_async(moderation.suspend)(
            moderator=mentor,
            user=member,
            until=timezone.now() + timedelta(days=3),
            reason="Spamming threads.",
        )
        closed = await socket.receive_output(timeout=WAIT)
        assert closed == {"type": "websocket.close", "code": 4403}

    run(scenario)


def test_signing_out_closes_that_sessions_socket_at_once_and_no_other(settings):
    settings.LIVE_RECHECK_SECONDS = 600  # no tick during the test: the sign-out alone closes it
    member = UserFactory()
    leaving, staying = Client(), Client()
    for client in (leaving, staying):
        client.force_login(member)

    async def scenario():
        closing, _, _ = await open_socket(leaving.cookies[settings.SESSION_COOKIE_NAME].value)
        other, connected, _ = await open_socket(staying.cookies[settings.SESSION_COOKIE_NAME].value)
        assert connected
        response = await database_sync_to_async(leaving.post)(reverse("account_logout"))
        assert response.status_code == 302
        closed = await closing.receive_output(timeout=WAIT)
        assert closed == {"type": "websocket.close", "code": 4401}
        assert await other.receive_nothing(timeout=0.5)
        await other.disconnect()

    run(scenario)


def test_a_session_ended_from_another_device_closes_its_socket_at_once(settings):
    settings.LIVE_RECHECK_SECONDS = 600
    member = UserFactory()
    key = session_key(member)

    async def scenario():
        socket, connected, _ = await open_socket(key)
        assert connected
        await database_sync_to_async(_end_session)(key)
        closed = await socket.receive_output(timeout=WAIT)
        assert closed == {"type": "websocket.close", "code": 4401}

    run(scenario)


def test_a_session_that_expires_closes_its_socket_at_the_next_tick(settings):
    settings.LIVE_RECHECK_SECONDS = 0.2
    member = UserFactory()
    key = session_key(member)

    async def scenario():
        socket, connected, _ = await open_socket(key)
        assert connected
        await database_sync_to_async(_expire_session)(key)
        closed = await socket.receive_output(timeout=WAIT)
        assert closed == {"type": "websocket.close", "code": 4401}

    run(scenario)


def _end_session(key: str) -> None:
    from importlib import import_module

    store: SessionBase = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)
    store.delete()


def _expire_session(key: str) -> None:
    """As `clearsessions` removes an expired session: the rows go, nobody is told."""
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    cache_aliases[settings.SESSION_CACHE_ALIAS].clear()


# --- Bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "answer"),
    [
        ("not json", {"type": "error", "message": "That is not JSON."}),
        ("[1, 2]", {"type": "error", "message": "Send an object: subscribe or unsubscribe."}),
        ('{"hello": 1}', {"type": "error", "message": "Say subscribe or unsubscribe."}),
        ('{"subscribe": "threads:1"}', {"type": "refused", "topic": "threads:1"}),
        ('{"subscribe": "thread"}', {"type": "refused", "topic": "thread"}),
        ('{"subscribe": "member"}', {"type": "refused", "topic": "member"}),
        ('{"subscribe": 7}', {"type": "refused", "topic": ""}),
        ("x" * 2000, {"type": "error", "message": "Send one JSON object of at most 1 kB."}),
    ],
)
def test_what_the_socket_cannot_read_is_answered_in_words(sent, answer):
    async def scenario():
        socket, _, _ = await open_socket()
        await socket.send_to(text_data=sent)
        assert await socket.receive_json_from(timeout=WAIT) == answer
        await socket.disconnect()

    run(scenario)


# --- Announcing ---------------------------------------------------------------------------


def test_a_change_is_announced_only_once_it_commits(monkeypatch):
    sent = []

    async def record(messages):
        sent.extend(messages)

    monkeypatch.setattr(live, "_send", record)
    thread = ThreadFactory()
    sent.clear()
    with transaction.atomic():
        CommentFactory(thread=thread)
        assert sent == []
    assert (f"live.thread.{thread.pk}", "thread") in [(group, message["topic"]) for group, message in sent]


def test_an_unreachable_channel_layer_never_fails_the_write(monkeypatch):
    async def broken(messages):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(live, "_send", broken)
    thread = ThreadFactory()
    comment = CommentFactory(thread=thread)
    assert comment.pk
