"""Live updates: which changes open pages hear about, and how a commit announces them.

A page that may change while it is open follows live topics over the WebSocket at `/ws/`
(config.consumers): a thread (`thread:42`), the member's own notifications (`notifications`)
or their own progress (`progress`). A topic is a family of version tokens (config.caching):
every write that retires a thread's cached page bumps the thread's token, whoever makes it (a
service, the admin, the outbox's worker, a shell), and once that write commits the new token
is announced to the topic's group in the channel layer. Messages carry what changed and its
version, never HTML: the page asks the ordinary views for the changed part, so permissions and
caching apply as for any request, and a page that missed messages (asleep, offline, the socket
down) catches up by comparing versions when it subscribes again.

Announcing is a hint. It never raises into the write that caused it, and while Redis is
unreachable it is skipped: pages then miss live updates, never a write.
"""

import asyncio
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from asgiref.sync import async_to_sync
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

GROUP_PREFIX = "live"
# How long a write waits, at most, for its announcement to be handed to Redis.
ANNOUNCE_TIMEOUT = 2
# What a client may ask for: a topic's name, and for a topic that is not the member's own, an id.
TOPIC_PATTERN = re.compile(r"^(?P<name>[a-z]{1,20})(?::(?P<scope>[1-9][0-9]{0,17}))?$")


@dataclass(frozen=True)
class Topic:
    """Changes of `token` (config.caching.Token) told to open pages.

    A topic `own` is the member's own (scoped by their user id, which the socket knows; nobody
    may follow another member's); any other is scoped by an id the page names, and `allows`
    (a function of the user, the scope and the announced version, or its dotted path) says who
    may follow it; what an anonymous visitor may follow, everyone may (config.consumers asks
    that once per version for all its sockets). `state` (a function of the user) adds what
    the member is told with each change, such as their unread count. A topic `internal` is
    followed by every signed-in socket and never sent to the page: the socket re-checks the
    session on it.
    """

    name: str
    token: object
    own: bool = False
    allows: Callable | str | None = None
    state: Callable | str | None = None
    internal: bool = False
    _resolved: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        if self.own == (self.allows is not None):
            raise ValueError(f"Live topic {self.name!r}: a topic is either the member's own or has `allows`")
        _TOPICS.setdefault(self.name, self)
        if _TOPICS[self.name] is not self:
            raise ValueError(f"A live topic named {self.name!r} is declared twice")
        _BY_TOKEN[self.token.name] = self

    def group(self, scope) -> str:
        """The channel layer's group of this topic for `scope` (a thread's id, a member's id)."""
        return f"{GROUP_PREFIX}.{self.name}.{scope}"

    def label(self, scope) -> str:
        """The topic as the page names it."""
        return self.name if self.own else f"{self.name}:{scope}"

    def call(self, attribute: str, *arguments):
        function = self._resolved.get(attribute)
        if function is None:
            declared = getattr(self, attribute)
            function = import_string(declared) if isinstance(declared, str) else declared
            self._resolved[attribute] = function
        return function(*arguments)


_TOPICS: dict[str, Topic] = {}
_BY_TOKEN: dict[str, Topic] = {}


def topics() -> dict[str, Topic]:
    """Every live topic, by name."""
    return dict(_TOPICS)


def parse(text) -> tuple[Topic, int | None] | None:
    """The topic and scope a page asks to follow (`thread:42`, `notifications`), or None for
    anything else: an unknown or internal topic, an id where none is taken or none where one is."""
    match = TOPIC_PATTERN.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    topic = _TOPICS.get(match["name"])
    if topic is None or topic.internal:
        return None
    scope = match["scope"]
    if topic.own != (scope is None):
        return None
    return topic, int(scope) if scope else None


def changed_topics(keys: Iterable[str]) -> list[tuple[Topic, str, str]]:
    """(topic, scope, token key) for each bumped token key that belongs to a live topic."""
    found = []
    for key in keys:
        _, name, scope = (key.split(":", 2) + ["", ""])[:3]
        topic = _BY_TOKEN.get(name)
        if topic is not None and scope:
            found.append((topic, scope, key))
    return found


def announce(keys: Iterable[str]) -> None:
    """Tell each live topic among these just-bumped token keys its new version (after commit).

    One PUBLISH per topic, whoever follows it; nothing when none is live. Never raises: a
    failed announcement costs live updates, not the write that made it.
    """
    from django.core.cache import cache

    from config.cache import version_tokens

    changed = changed_topics(keys)
    if not changed or getattr(cache, "is_degraded", False):
        return
    try:
        versions = version_tokens(*(key for _, _, key in changed))
        messages = [
            (
                topic.group(scope),
                {"type": "live.changed", "topic": topic.name, "scope": scope, "version": version},
            )
            for (topic, scope, _), version in zip(changed, versions, strict=True)
        ]
        _ANNOUNCER.send(messages)
    except Exception as error:  # noqa: BLE001 - a hint must not fail the write that caused it
        logger.warning("live: could not announce %d change(s): %r", len(changed), error)


def nudge(topic: Topic, scope) -> None:
    """Tell the sockets following an internal topic to look again, though no token moved: a
    member's sockets, that one of their sessions just ended (config.sessions), so that a
    socket of that session closes now rather than at its next tick. Never raises, as announce."""
    from django.core.cache import cache

    if getattr(cache, "is_degraded", False):
        return
    message = {"type": "live.changed", "topic": topic.name, "scope": str(scope), "version": ""}
    try:
        _ANNOUNCER.send([(topic.group(scope), message)])
    except Exception as error:  # noqa: BLE001 - the socket's own tick checks again
        logger.warning("live: could not tell %s that it changed: %r", topic.label(scope), error)


async def _send(messages: list[tuple[str, dict]]) -> None:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    for group, message in messages:
        await layer.group_send(group, message)


class _Announcer:
    """How a process's sync code (a request, a task, a shell) reaches the channel layer.

    In memory (`make run`), the sockets live on the server's event loop, and the request's
    thread hands the announcement to that loop (async_to_sync). With Redis, every announcement
    of the process goes through one event loop of its own, in a thread, over one connection:
    no new loop and connection per write, and it works from a thread that runs an event loop
    of its own. Each process (a gunicorn worker after the fork) starts its own thread.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = None

    def send(self, messages: list[tuple[str, dict]]) -> None:
        from channels.layers import InMemoryChannelLayer, get_channel_layer

        if isinstance(get_channel_layer(), InMemoryChannelLayer):
            async_to_sync(_send)(messages)
            return
        future = asyncio.run_coroutine_threadsafe(_send(messages), self._running_loop())
        future.result(timeout=ANNOUNCE_TIMEOUT)

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():
                self._loop = asyncio.new_event_loop()
                self._pid = os.getpid()
                threading.Thread(target=self._loop.run_forever, name="live-announcer", daemon=True).start()
            return self._loop


_ANNOUNCER = _Announcer()


def current_versions(pairs: Iterable[tuple[Topic, object]]) -> list[str]:
    """The current version of each (topic, scope), read in one round trip."""
    from config.cache import version_tokens

    return version_tokens(*(topic.token.key(scope) for topic, scope in pairs))


def page_version(topic: Topic, scope) -> str:
    """The version a page shows of a topic: read once per request, with the tokens the page's
    cached parts were keyed by, so it is never newer than what the page shows."""
    return current_versions([(topic, scope)])[0]


def channel_layers(redis_url: str) -> dict:
    """The CHANNEL_LAYERS setting: Redis pub/sub when REDIS_URL is set, one process's memory
    otherwise (`make run` serves pages and sockets in one process).

    Redis pub/sub channels are shared by every database of a server, so the prefix names the
    database: two sites (or two test runs) on one Redis never hear each other."""
    if not redis_url:
        return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    from urllib.parse import urlsplit

    database = urlsplit(redis_url).path.lstrip("/") or "0"
    return {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [{"address": redis_url, "socket_connect_timeout": 0.5, "socket_timeout": 2}],
                "prefix": f"stepwise-live-{database}",
            },
        }
    }
