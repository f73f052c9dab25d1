"""The live process's one channel in the channel layer, shared by all its sockets.

A Channels consumer takes a channel of its own from the channel layer: with Redis pub/sub that
is a SUBSCRIBE, a queue and a task waiting on it for every socket, and each message of a group
is decoded once for every socket that follows it. Here the process takes one channel, adds it
to each group that one of its sockets follows (once, however many follow it), and hands each
message to those sockets itself. Announcing is unchanged: config.live sends to the topic's
group, whichever process holds the sockets.

Each event loop has its own (the channel layer is per loop too), made when a socket first
follows a group and gone when none follows any.
"""

import asyncio
import logging
import weakref

from channels.layers import get_channel_layer

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
        # Joining and leaving reach the layer one at a time, in the order asked: a group left by
        # its last socket and followed again at once ends joined.
        self.lock = asyncio.Lock()

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
            if not self.joined and not self.followers:
                self._close()

    async def _channel(self) -> str:
        if self.channel is None:
            self.channel = await self.layer.new_channel()
            self.listener = asyncio.create_task(self._listen(self.channel))
        return self.channel

    def _close(self) -> None:
        """Nobody follows anything: give the channel back (the layer unsubscribes it when its
        receiving is cancelled) and forget this loop's fan-out."""
        if self.listener is not None:
            self.listener.cancel()
        self.channel = self.listener = None
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
            delivery = asyncio.create_task(consumer.live_changed(event))
            self.deliveries.add(delivery)
            delivery.add_done_callback(self._delivered)

    def _delivered(self, delivery: asyncio.Task) -> None:
        self.deliveries.discard(delivery)
        if not delivery.cancelled() and delivery.exception() is not None:
            logger.warning("live: a socket could not handle a change", exc_info=delivery.exception())


_FANOUTS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Fanout]" = weakref.WeakKeyDictionary()


def fanout() -> Fanout:
    """This event loop's fan-out."""
    loop = asyncio.get_running_loop()
    found = _FANOUTS.get(loop)
    if found is None:
        found = _FANOUTS[loop] = Fanout()
    return found
