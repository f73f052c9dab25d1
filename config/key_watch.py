"""Values a process may know without asking Redis, because Redis tells it when they change:
the version tokens and the sessions (config.cache, config.sessions).

A kept page (config.page_cache) is served again once its version tokens are found unchanged,
and a signed-in page reads its session. Asking Redis costs a round trip per request, most of
what a kept page costs. Redis's server-assisted client-side caching (CLIENT TRACKING, Redis 6
and later) lets a process keep what it has read instead: it opens one more connection per
watched cache, subscribes it to the invalidation channel, and asks Redis in broadcasting mode
to send on it the name of every key under the watched prefixes that any client writes,
deletes, or Redis expires or evicts. A FLUSHDB sends "everything". The process forgets each
named key before it next looks.

Why that is as fresh as asking. Redis writes an invalidation to every watching connection in the
same turn of its event loop as the reply to the write that caused it, and whoever bumps tokens
(config.cache.bump_version_tokens), and whoever writes a session, waits for one more reply
after the write (a fence, ResilientRedisCache.fence): by then
the invalidation has left Redis, and on one host it is in each watcher's socket. Every look
reads that socket first (a poll, and a receive when it holds something), so a page served after the writer's response
has gone out never holds what the write retired. A thread of each process's own reads the
socket meanwhile, so it never fills, and sends a PING every PING_EVERY seconds: a watch that
has heard nothing from Redis for TRUST_FOR seconds (a dead link that did not close) is not
trusted until it hears again, and a lost connection forgets everything it knew. Untrusted,
the caller reads Redis as before.

redis-py has client-side caching of its own, but only against Redis 7.4 and later, for every
key a connection reads, and not under broadcasting; this is one subscribed socket, read with
hiredis's parser, which redis-py itself parses with.
"""

import logging
import math
import os
import select
import socket
import threading
import time

import hiredis

logger = logging.getLogger(__name__)

CHANNEL = b"__redis__:invalidate"
PING_EVERY = 0.5  # seconds between PINGs from the watch's thread
TRUST_FOR = 2.0  # seconds since Redis was last heard from on the watch, after which nothing is trusted
RETRY_AFTER = 1.0  # seconds between tries to connect again
CONNECT_TIMEOUT = 2.0
MOST_KEPT = 65536  # values known at once by default; when full, all are forgotten (cheap to learn again)


class Gone(ConnectionError):
    """The watch's connection closed, or Redis answered it with an error."""


def _command(*words) -> bytes:
    parts = [b"*%d\r\n" % len(words)]
    for word in words:
        data = word if isinstance(word, bytes) else str(word).encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


class _Subscriber:
    """One connection to Redis, subscribed to the invalidations of keys under `prefixes`."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.reader = hiredis.Reader()
        # Asked on every read of what is kept: a poll that finds nothing costs a third of a
        # recv that raises BlockingIOError.
        self.waiting = select.poll()
        self.waiting.register(sock, select.POLLIN)

    @classmethod
    def connect(cls, address, *, name, username, password, prefixes) -> "_Subscriber":
        if isinstance(address, str):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(CONNECT_TIMEOUT)
            sock.connect(address)
        else:
            sock = socket.create_connection(address, timeout=CONNECT_TIMEOUT)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        subscriber = cls(sock)
        try:
            if password:
                subscriber.call("AUTH", *([username] if username else []), password)
            subscriber.call("CLIENT", "SETNAME", name)
            own_id = subscriber.call("CLIENT", "ID")
            tracked = [word for prefix in prefixes for word in ("PREFIX", prefix)]
            subscriber.call("CLIENT", "TRACKING", "ON", "REDIRECT", own_id, "BCAST", *tracked)
            subscriber.call("SUBSCRIBE", CHANNEL)
        except BaseException:
            sock.close()
            raise
        sock.setblocking(False)
        return subscriber

    def call(self, *words):
        """Send one command and wait for its reply (while connecting: the socket blocks)."""
        self.sock.sendall(_command(*words))
        while (reply := self.reader.gets()) is False:
            data = self.sock.recv(4096)
            if not data:
                raise Gone("Redis closed the connection")
            self.reader.feed(data)
        if isinstance(reply, hiredis.ReplyError):
            raise reply
        return reply

    def ping(self) -> None:
        self.sock.send(_command("PING"))

    def received(self) -> list:
        """What Redis has sent so far, without waiting."""
        if not self.waiting.poll(0):  # nothing (a closed or failed socket is not nothing)
            return []
        while True:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                break
            if not data:
                raise Gone("Redis closed the connection")
            self.reader.feed(data)
        messages = []
        while (message := self.reader.gets()) is not False:
            if isinstance(message, hiredis.ReplyError):
                raise Gone(str(message))
            messages.append(message)
        return messages

    def close(self) -> None:
        self.sock.close()


class KeyWatch:
    """What this process knows of the keys under some prefixes of one Redis, kept as long as
    Redis has not said they changed, and at most `max_age` seconds when given. Keys are the
    cache's own (`token:…`), without the prefix the cache adds (`key_prefix`). One per process
    and Redis (watch_for).

    Keys that expire need `max_age`: Redis announces an expired key only once it deletes it,
    which for a key nobody reads any more (this process reads its own copy) waits on Redis's
    sampling of keys with a time to live, possibly for minutes; read again after `max_age`, an
    expired key is gone at once."""

    def __init__(
        self,
        address,
        *,
        name,
        username,
        password,
        key_prefix: str,
        prefixes: tuple[str, ...],
        max_age: float | None = None,
        most: int = MOST_KEPT,
    ):
        self.name = name  # what it watches, in its connection's name: stepwise-<name>-watch-<pid>
        self.max_age = max_age
        self.most = most
        self.address = address
        self.username = username
        self.password = password
        self.key_prefix = key_prefix
        self.prefixes = tuple(key_prefix + prefix for prefix in prefixes)
        self._reset()
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        """The child closes its copy of the parent's socket (the parent's stays open) and starts
        knowing nothing."""
        if self._subscriber is not None:
            self._subscriber.close()
        self._reset()

    def _reset(self) -> None:
        """A new process (or the first) knows nothing and has no connection or thread."""
        self._lock = threading.Lock()
        self._subscriber: _Subscriber | None = None
        self._thread: threading.Thread | None = None
        self._values: dict[str, tuple[object, float]] = {}  # key: (value, kept until)
        self._generation = 0  # a new one for each connection: nothing learned before it is trusted
        self._changes = 0  # invalidations applied: a read that crossed one is not learned
        self._heard = 0.0
        self._pinged = 0.0
        self._off = False

    def known(self, keys) -> tuple[dict[str, str], tuple[int, int] | None]:
        """The values of `keys` this process knows to be current, and a mark to pass to
        learn() with what the caller then reads of the others (None: learn nothing)."""
        with self._lock:
            if not self._trusted():
                return {}, None
            values, now, found = self._values, time.monotonic(), {}
            for key in keys:
                if (kept := values.get(key)) is not None and kept[1] > now:
                    found[key] = kept[0]
            return found, (self._generation, self._changes)

    def learn(self, found: dict, mark: tuple[int, int] | None) -> None:
        """Keep values read from Redis after known() gave `mark`, unless a key changed since."""
        if mark is None:
            return
        with self._lock:
            if not self._trusted() or mark != (self._generation, self._changes):
                return
            if len(self._values) + len(found) > self.most:
                self._values.clear()
            until = time.monotonic() + self.max_age if self.max_age is not None else math.inf
            self._values.update((key, (value, until)) for key, value in found.items() if value is not None)

    def is_listening(self) -> bool:
        """Whether what this process knows is trusted now (connected, and heard from lately)."""
        with self._lock:
            return self._trusted()

    def forget(self) -> None:
        with self._lock:
            self._values.clear()

    def _trusted(self) -> bool:
        """Read what Redis sent (with the lock held); whether what is known can be served."""
        if self._off:
            return False
        if self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="key-watch", daemon=True)
            self._thread.start()
        if self._subscriber is None or not self._apply_received():
            return False
        return time.monotonic() - self._heard < TRUST_FOR

    def _apply_received(self) -> bool:
        """Apply what Redis sent. Anything unreadable (a broken stream, a message of another
        shape) ends the connection, which forgets everything: no invalidation is ever skipped."""
        try:
            messages = self._subscriber.received()
            now = time.monotonic()
            for message in messages:
                if message[0] == b"message" and message[1] == CHANNEL:
                    keys = message[2]
                    if keys is None:  # FLUSHDB or FLUSHALL
                        self._values.clear()
                    else:
                        skip = len(self.key_prefix)
                        for key in keys:
                            self._values.pop(key.decode(errors="surrogateescape")[skip:], None)
                    self._changes += 1
                self._heard = now  # an invalidation, a PING's reply, or the subscription's
        except Exception as error:  # any of them: forget rather than trust
            self._lost(error)
            return False
        return True

    def _lost(self, error) -> None:
        logger.warning("Redis key watch lost its connection (%s); asking Redis until it is back", error)
        self._subscriber.close()
        self._subscriber = None
        self._values.clear()

    def _watch(self) -> None:
        """The watch's thread: connect, then read what Redis sends and PING it, for good."""
        while not self._off:
            try:
                self._listen()
            except Exception:  # a thread that died would leave the watch untrusted for good
                logger.exception("Redis key watch failed; connecting again in %.0f s", RETRY_AFTER)
                with self._lock:
                    if self._subscriber is not None:
                        self._lost("its thread failed")
                time.sleep(RETRY_AFTER)

    def _listen(self) -> None:
        poller = None
        while True:
            subscriber = self._subscriber
            if subscriber is None:
                subscriber = self._connect()
                if subscriber is None:
                    if self._off:
                        return
                    time.sleep(RETRY_AFTER)
                    continue
                poller = select.poll()  # not select(): a process with many sockets has large numbers
                poller.register(subscriber.sock, select.POLLIN)
            poller.poll(PING_EVERY * 1000)  # a socket closed meanwhile wakes it too
            with self._lock:
                if subscriber is not self._subscriber or not self._apply_received():
                    continue
                now = time.monotonic()
                if now - self._pinged >= PING_EVERY:
                    self._pinged = now
                    try:
                        subscriber.ping()
                    except OSError as error:
                        self._lost(error)

    def _connect(self) -> _Subscriber | None:
        try:
            subscriber = _Subscriber.connect(
                self.address,
                name=f"stepwise-{self.name}-watch-{os.getpid()}",
                username=self.username,
                password=self.password,
                prefixes=self.prefixes,
            )
        except hiredis.ReplyError as error:
            if "unknown" not in str(error).lower():  # a full server, a password being changed
                logger.warning("Redis key watch refused (%s); trying again in %.0f s", error, RETRY_AFTER)
                return None
            logger.warning("Redis refuses key tracking (%s): pages ask Redis on every request", error)
            self._off = True
            return None
        except OSError as error:
            logger.warning("Redis key watch cannot connect (%s); trying again in %.0f s", error, RETRY_AFTER)
            return None
        with self._lock:
            self._subscriber = subscriber
            self._generation += 1
            self._values.clear()
            self._heard = self._pinged = time.monotonic()
        return subscriber


_watches: dict[tuple, KeyWatch] = {}
_watches_lock = threading.Lock()


def _new_lock_after_fork() -> None:
    global _watches_lock
    _watches_lock = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_after_fork)


def watch_for(
    cache, name: str, prefixes: tuple[str, ...], max_age: float | None = None, most: int = MOST_KEPT
) -> KeyWatch | None:
    """This process's watch on the keys of `cache` (a django-redis cache) under `prefixes`,
    `name` saying what they are, each kept at most `max_age` seconds when given, at most `most`
    at once; None when it reaches Redis in a way the watch does not (TLS, replicas)."""
    if len(cache.client._server) > 1:
        return None  # reads may go to a replica behind the invalidations: nothing to keep
    pool = cache.client.get_client(write=True).connection_pool
    options = pool.connection_kwargs
    if "path" in options:
        address = options["path"]
    elif pool.connection_class.__name__ == "Connection":
        address = (options.get("host", "localhost"), options.get("port", 6379))
    else:
        return None
    key_prefix = cache.make_key("")
    identity = (address, options.get("db", 0), key_prefix, prefixes)
    with _watches_lock:
        if identity not in _watches:
            _watches[identity] = KeyWatch(
                address,
                name=name,
                username=options.get("username"),
                password=options.get("password"),
                key_prefix=key_prefix,
                prefixes=prefixes,
                max_age=max_age,
                most=most,
            )
        return _watches[identity]


def forget_watched_keys() -> None:
    """Forget what every watch of this process knows (config.cache.clear_local_memos)."""
    for watch in list(_watches.values()):
        watch.forget()
