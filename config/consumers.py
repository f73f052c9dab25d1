"""The WebSocket at /ws/: an open page follows live topics (config.live) and hears their versions.

The page says what it follows, with the version it shows:

    → {"subscribe": "thread:42", "version": "…"}      → {"unsubscribe": "thread:42"}
    ← {"type": "thread", "id": 42, "version": "…"}       when that thread changed
    ← {"type": "notifications", "unread": 3, "version": "…"}   the member's own count
    ← {"type": "progress", "version": "…"}               the member's own statuses
    ← {"type": "refused", "topic": "thread:42"}          not a topic this socket may follow
    ← {"type": "error", "message": "…"}                  a message it could not read

A subscription whose version differs from the current one is answered at once, so a page that
missed messages catches up by version. Who may follow what is decided by the topic (the
thread's visibility, as for reading it), when subscribing, on every change and on every tick.

The socket belongs to the session it was opened with: it is closed (4401) when that session
ends (logout, a password change, the session removed from another device) and refused or closed
(4403) while the member is suspended or inactive. That is checked when it opens, on each
message from the page, on every change to the member's account (the internal `member` topic)
and every LIVE_RECHECK_SECONDS.
"""

import asyncio
import json
from types import SimpleNamespace
from urllib.parse import urlparse

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.security.websocket import AllowedHostsOriginValidator
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.http.cookie import parse_cookie
from django.utils.module_loading import import_string

from accounts import roles
from accounts.backends import CachedModelBackend
from accounts.selectors import refresh_standing
from config import live
from config.fanout import fanout

SESSION_ENDED = 4401
NOT_ALLOWED = 4403
MAX_SUBSCRIPTIONS = 20
MAX_MESSAGE = 1024


def current_member(session_key: str | None):
    """The member signed in with this session now, read afresh (AnonymousUser when it ended)."""
    session = import_string(f"{settings.SESSION_ENGINE}.SessionStore")(session_key=session_key)
    user = auth.get_user(SimpleNamespace(session=session))
    refresh_standing(user)
    return user


def member_by_id(member_id: int | None):
    """The member as their pages see them (the cached signed-in user, which every change to the
    member retires), or an anonymous visitor. A socket keeps the id alone: a user object with
    its caches, kept by thousands of idle sockets, is memory for nothing."""
    if member_id is None:
        return AnonymousUser()
    return CachedModelBackend().get_user(member_id) or AnonymousUser()


def topic_allows(topic: live.Topic, member_id: int | None, scope: int, version: str | None) -> bool:
    return topic.call("allows", member_by_id(member_id), scope, version)


def topic_state(topic: live.Topic, member_id: int) -> dict:
    return topic.call("state", member_by_id(member_id))


_OPEN_TO_EVERYONE: dict[tuple[str, int, str], asyncio.Task] = {}
OPEN_TO_EVERYONE_KEPT = 2048


async def open_to_everyone(topic: live.Topic, scope: int, version: str) -> bool:
    """Whether an anonymous visitor may follow the topic at this version, and so everyone
    may: asked once per version in this process, by the first socket to need it, while the
    others wait for the same answer."""
    key = (topic.name, scope, version)
    answer = _OPEN_TO_EVERYONE.get(key)
    if answer is None:
        if len(_OPEN_TO_EVERYONE) >= OPEN_TO_EVERYONE_KEPT:
            _OPEN_TO_EVERYONE.clear()
        answer = asyncio.ensure_future(
            database_sync_to_async(topic.call)("allows", AnonymousUser(), scope, version)
        )
        _OPEN_TO_EVERYONE[key] = answer
    try:
        return await asyncio.shield(answer)
    except Exception:
        _OPEN_TO_EVERYONE.pop(key, None)  # the next socket asks again
        raise


def session_key_of(scope) -> str | None:
    """The session key in the cookie the page sent when it opened the socket."""
    cookies = "; ".join(value.decode("latin1") for name, value in scope["headers"] if name == b"cookie")
    return parse_cookie(cookies).get(settings.SESSION_COOKIE_NAME) or None


def may_connect(user) -> bool:
    return not user.is_authenticated or (user.is_active and not roles.is_suspended(user))


class LiveConsumer(AsyncJsonWebsocketConsumer):
    channel_layer_alias = None  # no channel of its own: the process's fan-out hands it its groups

    async def __call__(self, scope, receive, send):
        """Channels' consumer, waiting on the page alone: with no channel of its own, a socket
        has one source of messages, and needs no task and no wait of its own while idle."""
        self.scope, self.channel_layer, self.base_send = scope, None, send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def connect(self):
        self.subscriptions: dict[str, tuple[live.Topic, int, str | None]] = {}
        self.member_group = None
        self.session_key = session_key_of(self.scope)
        user = await database_sync_to_async(current_member)(self.session_key)
        self.member_id = user.pk if user.is_authenticated else None
        if not may_connect(user):
            await self.close(code=NOT_ALLOWED)
            return
        if self.member_id is not None:  # before the page knows it is open: no sign-out goes unheard
            self.member_group = live.topics()["member"].group(self.member_id)
            await fanout().follow(self.member_group, self)
        await self.accept()
        fanout().watch(self)

    async def disconnect(self, code):
        fanout().unwatch(self)
        await self.leave()

    async def close(self, code=None, reason=None):
        """Closed from this end, the socket hears nothing more, whenever the server's
        disconnect comes."""
        await self.leave()
        await super().close(code=code, reason=reason)

    async def leave(self) -> None:
        groups = [topic.group(scope) for topic, scope, _ in self.subscriptions.values()]
        member_group, self.member_group, self.subscriptions = self.member_group, None, {}
        for group in filter(None, [member_group, *groups]):
            await fanout().unfollow(group, self)

    # --- From the page ---------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None or len(text_data) > MAX_MESSAGE:
            await self.send_json({"type": "error", "message": "Send one JSON object of at most 1 kB."})
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_json({"type": "error", "message": "That is not JSON."})
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        if not await self.still_signed_in():
            return
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "message": "Send an object: subscribe or unsubscribe."})
        elif "subscribe" in content:
            version = content.get("version")
            await self.subscribe(content["subscribe"], version if isinstance(version, str) else None)
        elif "unsubscribe" in content:
            await self.unsubscribe(content["unsubscribe"])
        else:
            await self.send_json({"type": "error", "message": "Say subscribe or unsubscribe."})

    async def subscribe(self, label, version: str | None):
        parsed = live.parse(label)
        if parsed is None or (
            label not in self.subscriptions and len(self.subscriptions) >= MAX_SUBSCRIPTIONS
        ):
            await self.send_json({"type": "refused", "topic": label if isinstance(label, str) else ""})
            return
        topic, scope = parsed
        if topic.own:
            if self.member_id is None:
                await self.send_json({"type": "refused", "topic": label})
                return
            scope = self.member_id
        elif not await self.allowed(topic, scope):
            await self.send_json({"type": "refused", "topic": label})
            return
        self.subscriptions[label] = (topic, scope, version)
        await fanout().follow(topic.group(scope), self)
        await self.catch_up([label])

    async def unsubscribe(self, label):
        found = self.subscriptions.pop(label, None) if isinstance(label, str) else None
        if found is not None:
            topic, scope, _ = found
            await fanout().unfollow(topic.group(scope), self)

    # --- From the channel layer ------------------------------------------------------

    async def live_changed(self, event):
        """A topic's new version, announced after a commit (config.live.announce)."""
        if event["topic"] == "member":
            await self.still_signed_in()
            return
        for label, (topic, scope, known) in list(self.subscriptions.items()):
            if topic.name == event["topic"] and str(scope) == event["scope"] and known != event["version"]:
                await self.tell(label, event["version"])

    async def tell(self, label: str, version: str) -> None:
        """Send the page a subscription's new version (once it may still follow it). Changes
        reach a socket while it handles the page's messages: one unsubscribed meanwhile is
        not told."""
        found = self.subscriptions.get(label)
        if found is None:
            return
        topic, scope, _ = found
        if not await self.allowed(topic, scope, version):
            await self.drop(label)
            return
        message = {"type": topic.name, "version": version}
        if not topic.own:
            message["id"] = scope
        if topic.state is not None:
            message.update(await database_sync_to_async(topic_state)(topic, self.member_id))
        if label in self.subscriptions:
            self.subscriptions[label] = (topic, scope, version)
            await self.send_json(message)

    async def allowed(self, topic: live.Topic, scope: int, version: str | None = None) -> bool:
        """Whether this member may follow the topic (their own topics, always). For a change
        just announced, what anyone may follow (a published thread) is decided once per version
        in this process, not once per socket."""
        if topic.own:
            return True
        if version is not None and await open_to_everyone(topic, scope, version):
            return True
        return await database_sync_to_async(topic_allows)(topic, self.member_id, scope, version)

    async def drop(self, label: str) -> None:
        await self.unsubscribe(label)
        await self.send_json({"type": "refused", "topic": label})

    async def catch_up(self, labels) -> None:
        """Tell each of these subscriptions whose version moved since the page last knew it."""
        labels = [label for label in labels if label in self.subscriptions]
        if not labels:
            return
        pairs = [self.subscriptions[label][:2] for label in labels]
        versions = await database_sync_to_async(live.current_versions)(pairs)
        for label, version in zip(labels, versions, strict=True):
            if label in self.subscriptions and self.subscriptions[label][2] != version:
                await self.tell(label, version)

    # --- The session and the tick ----------------------------------------------------

    async def still_signed_in(self) -> bool:
        """Whether the socket's session still signs in the same member, in good standing; if
        not, the socket is closed."""
        if self.member_id is None:
            return True
        member = await database_sync_to_async(current_member)(self.session_key)
        if member.pk != self.member_id:
            await self.close(code=SESSION_ENDED)
            return False
        if not may_connect(member):
            await self.close(code=NOT_ALLOWED)
            return False
        return True

    async def recheck(self) -> None:
        """Drop the subscriptions this member may no longer follow (a mentor's role taken away
        leaves the hidden threads they had open)."""
        for label, (topic, scope, _) in list(self.subscriptions.items()):
            if not await self.allowed(topic, scope):
                await self.drop(label)

    async def check(self) -> None:
        """Every LIVE_RECHECK_SECONDS (the process's fan-out runs it): the session, who may
        follow what, and every subscription's version (a message lost while Redis was away is
        caught up here). A failure is logged; the next check tries again."""
        if await self.still_signed_in():
            await self.recheck()
            await self.catch_up(list(self.subscriptions))


def open_caches() -> None:
    """Make every cache's client now, before any socket opens (once Django is set up).

    Django keeps cache clients per async context: made later, in a socket's first database
    call, each socket would keep clients of its own for as long as it stays open (a Redis
    client is about 29 kB, most of what an idle socket cost). Made now, in the context every
    socket's is copied from, they are shared by all.
    """
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias]  # noqa: B018 - made and kept here, for every socket's context to inherit


_ORIGINS = AllowedHostsOriginValidator(None)


async def websocket(scope, receive, send):
    """The ASGI application of every WebSocket: /ws/ from a page of this site (its Origin one
    of ALLOWED_HOSTS, as channels' AllowedHostsOriginValidator decides); anything else is
    refused at the handshake (HTTP 403). The socket is handed straight to its consumer: each
    wrapper left waiting for the socket's whole life would be kept by every idle socket."""
    origins = [value for name, value in scope["headers"] if name == b"origin"]
    origin = urlparse(origins[-1].decode("latin1")) if origins else None
    if scope["path"] != "/ws/" or not _ORIGINS.valid_origin(origin):
        await receive()  # the handshake's request
        await send({"type": "websocket.close"})
        return
    await LiveConsumer()(scope, receive, send)
