"""The live process's one channel in the channel layer, shared by all its sockets.

A Channels consumer takes a channel of its own from the channel layer: with Redis pub/sub that
is a SUBSCRIBE, a queue and a task waiting on it for every socket, and each message of a group
is decoded once for every socket that follows it. Here the process takes one channel, adds it
to each group that one of its sockets follows (once, however many follow it), and hands each
message to those sockets itself. Announcing is unchanged: config.live sends to the topic's
group, whichever process holds the sockets.

It also runs every socket's periodic check (`check`, every LIVE_RECHECK_SECONDS), spread
evenly over the period: one task for the process, not one sleeping task per idle socket.

Each event loop has its own (the channel layer is per loop too), made when a socket first
opens or follows a group and gone when no socket is left.
"""

import asyncio
import logging
import weakref

from channels.layers import get_channel_layer
from django.conf import settings

from config import live

logger = logging.getLogger(__name__)


class Fanout:
    def __init__(self):
        self.layer = get_channel_layer()
        self.followers: dict[str, set] = {}  # group -> the consumers following it
        self.joined: set[str] = set()  # groups the channel was added to
        self.channel: str | None = None
        self.listener: asyncio.Task | None = None
        self.deliveries: set[asyncio.Task] = set()
        self.sockets: set = set()  # the consumers checked every LIVE_RECHECK_SECONDS
        self.ticker: asyncio.Task | None = None
        # Joining and leaving reach the layer one at a time, in the order asked: a group left by
        # its last socket and followed again at once ends joined.
        self.lock = asyncio.Lock()

    def watch(self, consumer) -> None:
        """Check the consumer (its `check`) every LIVE_RECHECK_SECONDS while it stays open."""
        self.sockets.add(consumer)
        if self.ticker is None:
            self.ticker = asyncio.create_task(self._tick())

    def unwatch(self, consumer) -> None:
        self.sockets.discard(consumer)
        self._close_if_unused()

    async def _tick(self) -> None:
        """Each socket's check once a period, started at even intervals across it, each in a
        task of its own while it runs (a slow one holds back no other)."""
        while True:
            sockets = list(self.sockets)
            gap = settings.LIVE_RECHECK_SECONDS / max(len(sockets), 1)
            for consumer in sockets:
                await asyncio.sleep(gap)
                if consumer in self.sockets:
                    self._run(consumer.check())
            if not sockets:
                await asyncio.sleep(gap)

    async def follow(self, group: str, consumer) -> None:
        """Hand the consumer every message of the group from now on (`live_changed`)."""
        self.followers.setdefault(group, set()).add(consumer)
        async with self.lock:
            if group not in self.joined and consumer in self.followers.get(group, ()):
                await self.layer.group_add(group, await self._channel())
                self.joined.add(group)

    async def unfollow(self, group: str, consumer) -> None:
        followers = self.followers.get(group)
        if followers is None or consumer not in followers:
            return
        followers.discard(consumer)
        if followers:
            return
        del self.followers[group]
        async with self.lock:
            if group in self.joined and group not in self.followers:
                self.joined.discard(group)
                await self.layer.group_discard(group, self.channel)
            self._close_if_unused()

    async def _channel(self) -> str:
        if self.channel is None:
            self.channel = await self.layer.new_channel()
            self.listener = asyncio.create_task(self._listen(self.channel))
        return self.channel

    def _close_if_unused(self) -> None:
        """No socket is left and nobody follows anything: give the channel back (the layer
        unsubscribes it when its receiving is cancelled) and forget this loop's fan-out."""
        if self.joined or self.followers or self.sockets:
            return
        for task in (self.listener, self.ticker):
            if task is not None:
                task.cancel()
        self.channel = self.listener = self.ticker = None
        _FANOUTS.pop(asyncio.get_running_loop(), None)

    async def _listen(self, channel: str) -> None:
        while True:
            try:
                event = await self.layer.receive(channel)
                topic = live.topics().get(event.get("topic"))
                if topic is not None:
                    self._deliver(topic.group(event["scope"]), event)
            except Exception:  # noqa: BLE001 - one unreadable message must not deafen the process
                logger.warning("live: could not read a message of the channel layer", exc_info=True)

    def _deliver(self, group: str, event: dict) -> None:
        """Each follower handles the event on its own: a slow one (a database read for a
        hidden thread) holds back no other."""
        for consumer in list(self.followers.get(group, ())):
            self._run(consumer.live_changed(event))

    def _run(self, work) -> None:
        delivery = asyncio.create_task(work)
        self.deliveries.add(delivery)
        delivery.add_done_callback(self._delivered)

    def _delivered(self, delivery: asyncio.Task) -> None:
        self.deliveries.discard(delivery)
        if not delivery.cancelled() and delivery.exception() is not None:
            logger.warning(
                "live: a socket could not handle a change or its check", exc_info=delivery.exception()
            )


_FANOUTS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Fanout]" = weakref.WeakKeyDictionary()


def fanout() -> Fanout:
    """This event loop's fan-out."""
    loop = asyncio.get_running_loop()
    found = _FANOUTS.get(loop)
    if found is None:
        found = _FANOUTS[loop] = Fanout()
    return found
