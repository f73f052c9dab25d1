"""Redis caches that keep the site working, and quick, while Redis is unreachable.

django-redis's IGNORE_EXCEPTIONS turns every failed call into a miss, which is right for
page caches but wrong for callers that need `add` to work, such as allauth's rate-limit
lock: with Redis down every login would answer 429. It also tries Redis on every call, so a
Redis that hangs rather than refuses costs every call the socket timeout (a login, which
reads each of the user's sessions, took seconds). These backends stop calling Redis for a
few seconds after a failure, so an outage costs one failed connection per process every few
seconds, not one per call. Meanwhile the default cache answers from a small per-process
memory cache, and the sessions cache misses, which sends session reads to the database.
"""

import functools
import hashlib
import inspect
import logging
import os
import pickle
import threading
import time
import uuid
from collections import OrderedDict
from contextvars import ContextVar
from pathlib import Path

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

from config.key_watch import MOST_KEPT, KeyWatch, forget_watched_keys, watch_for

logger = logging.getLogger(__name__)

FALLBACK_TIMEOUT = 30  # seconds: what one process remembers alone may be stale elsewhere
RETRY_AFTER = 5.0
RECOVERY_POLL = 0.25  # seconds between tries to move the epoch after a failure
# Every version token is read together with this one and combined with it (version_tokens),
# so every versioned key holds it. A process whose Redis calls failed may have lost version
# bumps; when Redis answers again it moves the epoch before it reads from Redis again, so that
# nothing cached before or during the outage is served by any process.
EPOCH_KEY = "cache:epoch"
# The keys of every version token start with one of these (config.caching.Token.key): this
# process learns their values and Redis tells it when they change (config.key_watch).
TOKEN_PREFIXES = ("token:", EPOCH_KEY)


READS = frozenset({"get", "get_many", "has_key"})
WRITES = frozenset({"add", "set", "touch", "delete", "set_many", "delete_many", "incr", "decr", "clear"})


def _resilient(name):
    def method(self, *args, **kwargs):
        if name not in self.skipped_while_degraded or not self.is_degraded:
            try:
                return getattr(RedisCache, name)(self, *args, **kwargs)
            except (ConnectionInterrupted, RedisError, OSError):
                if not self.is_degraded:
                    logger.warning(
                        "Redis cache unreachable; using %s for %.0f s", self.fallback_name, RETRY_AFTER
                    )
                self._failed()
        fallback = getattr(self._fallback, name)
        if name in {"add", "set", "touch", "set_many"}:
            bound = inspect.signature(fallback).bind(*args, **kwargs)
            timeout = bound.arguments.get("timeout", DEFAULT_TIMEOUT)
            if timeout is None or timeout is DEFAULT_TIMEOUT or timeout > FALLBACK_TIMEOUT:
                bound.arguments["timeout"] = FALLBACK_TIMEOUT
            return fallback(*bound.args, **bound.kwargs)
        return fallback(*args, **kwargs)

    method.__name__ = name
    return method


class ResilientRedisCache(RedisCache):
    """The shared cache. After a failure it also moves the cache epoch once Redis answers
    again (see EPOCH_KEY), and skips Redis until it has: a version bump this process made
    meanwhile never reached Redis, so what Redis holds may be stale."""

    fallback_name = "process memory"
    skipped_while_degraded = READS | WRITES
    moves_epoch = True

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**params.get("OPTIONS", {}), "IGNORE_EXCEPTIONS": False}}
        super().__init__(server, params)
        self._fallback = self.make_fallback()
        self._redis_down_until = 0.0
        self._epoch_move_pending = False
        self._failures = 0
        self._watcher: threading.Thread | None = None
        self._watcher_lock = threading.Lock()
        self._key_watch: KeyWatch | None | bool = False  # False: not looked for yet
        os.register_at_fork(after_in_child=self._after_fork)

    def make_fallback(self):
        return LocMemCache(f"fallback-{id(self)}", {"TIMEOUT": FALLBACK_TIMEOUT})

    @property
    def is_degraded(self) -> bool:
        """True while calls skip Redis: it failed less than RETRY_AFTER seconds ago, or it
        failed and the epoch has not been moved since."""
        return self._epoch_move_pending or time.monotonic() < self._redis_down_until

    def _failed(self) -> None:
        self._redis_down_until = time.monotonic() + RETRY_AFTER
        if not self.moves_epoch:
            return
        with self._watcher_lock:
            self._epoch_move_pending = True
            self._failures += 1
            if self._watcher is None:
                self._watcher = threading.Thread(
                    target=self._move_epoch_when_redis_answers, name="cache-epoch", daemon=True
                )
                self._watcher.start()

    def _move_epoch_when_redis_answers(self) -> None:
        """Runs in a thread of its own from the first failure until Redis takes a new epoch."""
        while True:
            time.sleep(RECOVERY_POLL)
            failures = self._failures
            try:
                RedisCache.set(self, EPOCH_KEY, uuid.uuid4().hex, None)
            except (ConnectionInterrupted, RedisError, OSError):
                continue
            clear_local_memos()
            self._fallback.clear()
            with self._watcher_lock:
                if self._failures != failures:
                    continue  # a call failed while the epoch moved: what it lost needs another move
                self._epoch_move_pending = False
                self._redis_down_until = 0.0
                self._watcher = None
            logger.warning(
                "Redis cache answers again: the cache epoch is moved, so nothing cached before "
                "or during the outage is served"
            )
            return

    def _after_fork(self) -> None:
        """A forked worker has no threads but its parent's: watch again if the parent was."""
        self._watcher_lock = threading.Lock()
        self._watcher = None
        if self._epoch_move_pending:
            self._failed()

    for _name in READS | WRITES:
        locals()[_name] = _resilient(_name)
    del _name

    watched = "tokens"  # what the watch on this cache's keys watches (config.key_watch)
    watched_prefixes = TOKEN_PREFIXES
    watched_for = None  # tokens never expire: kept until Redis says they changed
    watched_most = MOST_KEPT

    def key_watch(self) -> KeyWatch | None:
        """This process's watch on the keys of this cache under `watched_prefixes`
        (config.key_watch), or None: while Redis is skipped after a failure, what it knows is
        not trusted either."""
        if self.is_degraded:
            return None
        if self._key_watch is False:
            self._key_watch = watch_for(
                self, self.watched, self.watched_prefixes, self.watched_for, self.watched_most
            )
        return self._key_watch

    def fence(self) -> None:
        """One round trip after a write: Redis writes the invalidations of a write to every
        process that watches its keys (config.key_watch) before it answers the next command,
        so none of them serves what the write changed once the writer's response is out."""
        self.client.get_client(write=True).ping()

    def set_many_now(self, data: dict, timeout=DEFAULT_TIMEOUT):
        """set_many that tries Redis even in the seconds it is skipped after a failure: a
        version bump that only reached this process would leave every other one serving
        what it retired. Then the fence, so that no process serves what the bump retires once
        the writer's response is out."""
        try:
            result = RedisCache.set_many(self, data, timeout)
            self.fence()
        except (ConnectionInterrupted, RedisError, OSError):
            logger.error(
                "Redis cache unreachable: a version bump of %s did not reach it; the cache epoch "
                "moves when Redis answers again",
                ", ".join(data),
            )
            self._failed()
            return self._fallback.set_many(data, FALLBACK_TIMEOUT)
        self._redis_down_until = 0.0
        return result


class ResilientSessionCache(ResilientRedisCache):
    """The cache in front of the database sessions (cached_db). While Redis is unreachable
    every read misses, so sessions are read from the database: no process keeps a session
    the others cannot see. Writes still try Redis: one dropped during a brief failure would
    leave Redis serving the old session afterwards (a logout undone)."""

    fallback_name = "the database"
    skipped_while_degraded = READS
    moves_epoch = False  # sessions are not keyed by version tokens
    # The keys of Django's cached_db sessions: a process keeps the sessions it has read until
    # Redis says they changed (config.sessions writes them with a fence).
    watched = "sessions"
    watched_prefixes = ("django.contrib.sessions.cached_db",)
    # A session's key expires with it: kept a minute at most, so that one past its expiry is
    # read again (and found gone) within a minute, whenever Redis gets round to deleting it.
    watched_for = 60.0
    watched_most = 4096  # a few KB each

    def make_fallback(self):
        return DummyCache("sessions-fallback", {})


def version_token(key: str) -> str:
    """The current version token stored at `key`, creating one if there is none.

    Caches keyed by a token are invalidated by giving it a new value (bump_version_tokens).
    A token is random, never a counter, so one lost to eviction cannot bring old entries back.
    """
    return version_tokens(key)[0]


# The tokens one request has read, so that it reads each once: set by VersionTokenScope for
# the length of a request, None elsewhere (tasks, commands, tests calling selectors).
_request_tokens: ContextVar[dict[str, str] | None] = ContextVar("request_tokens", default=None)
# The keys of tokens the request will need, read with the next ones it reads (read_ahead).
_tokens_ahead: ContextVar[dict[str, None] | None] = ContextVar("tokens_ahead", default=None)


def read_ahead(*keys: str) -> None:
    """Read these tokens in the request's next round trip for tokens, whatever asks for it.

    A signed-in page reads the tokens of its visitor (their user row, their viewer state)
    before those of the page itself: announced here first, the page's are read in the same
    round trip. Outside a request, nothing happens: each read goes to the cache anyway.
    """
    ahead = _tokens_ahead.get()
    if ahead is not None:
        ahead.update(dict.fromkeys(keys))


def version_tokens(*keys: str) -> list[str]:
    """The current tokens at `keys`, read in one round trip, creating any that are missing.

    Within a request each token is read once: a request sees one version of everything,
    read before the data it keys, so what it caches is never older than its key. A token
    that cannot be stored is replaced by a fresh random one, so whatever is keyed by it is
    rebuilt rather than served stale.
    """
    known = _request_tokens.get()
    if known is not None and (tokens := _with_epoch(known, keys)) is not None:
        return tokens  # most reads, after a page's first: all known
    from django.core.cache import cache

    every = (*keys, EPOCH_KEY)
    found = {key: known[key] for key in every if key in known} if known is not None else {}
    wanted = [key for key in every if key not in found]
    ahead = _tokens_ahead.get()
    if wanted and known is not None and ahead:
        wanted += [key for key in ahead if key not in known and key not in wanted]
        ahead.clear()
    if wanted:
        watched, mark = _watched_tokens(cache, wanted)
        found.update(watched)
        unwatched = [key for key in wanted if key not in watched]
        read = cache.get_many(unwatched) if unwatched else {}
        _learn_tokens(cache, read, mark)
        found.update(read)
        for key in wanted:
            if found.get(key) is None:
                cache.add(key, uuid.uuid4().hex, None)
                found[key] = cache.get(key) or uuid.uuid4().hex
        if known is not None:
            known.update((key, found[key]) for key in wanted)
    return _with_epoch(found, keys)


def _watched_tokens(cache, keys) -> tuple[dict[str, str], tuple[int, int] | None]:
    """The tokens at `keys` this process knows unchanged (config.key_watch), and the mark to
    learn the others with (None: do not)."""
    key_watch = getattr(cache, "key_watch", None)  # `cache` may be django's proxy
    watch = key_watch() if key_watch is not None else None
    if watch is None:
        return {}, None
    return watch.known(keys)


def _learn_tokens(cache, read: dict, mark) -> None:
    """Keep the tokens just read for the next requests, if they came from Redis."""
    if read and mark is not None and (watch := cache.key_watch()) is not None:
        watch.learn(read, mark)


def _with_epoch(found: dict[str, str], keys) -> list[str] | None:
    """The tokens at `keys` in `found`, each combined with the epoch found with them, as every
    versioned key holds them; None when one of them, or the epoch, is missing."""
    epoch = found.get(EPOCH_KEY)
    if epoch is None or any(found.get(key) is None for key in keys):
        return None
    return [found[key] + epoch[:8] for key in keys]


def get_with_tokens_ahead(store, key: str):
    """The value at `key` in the cache `store` (None if there is none), read in the same round
    trip as the version tokens the request announced with read_ahead and has not read yet.

    A signed-in page reads its member's session, then its member's tokens and its own: two
    round trips. When the store and the default cache are Redis databases at one location, this
    reads the session with the tokens announced so far (the page's, and the member's when the
    session's member is known: config.sessions), and keeps the tokens found for the request as
    version_tokens keeps them. Otherwise it is the store's own `get`. When Redis fails, both
    caches are marked as failed (so nothing waits on Redis again for a while) and None is
    returned. It reads django-redis's own client (`client.get_client`, `make_key`, `decode`),
    which ResilientRedisCache is built on."""
    from django.core.cache import caches

    session_watch = store.key_watch() if isinstance(store, ResilientRedisCache) else None
    if session_watch is not None:
        watched_session, session_mark = session_watch.known([key])
        if (value := watched_session.get(key)) is not None:
            return store.client.decode(value)  # the tokens announced are read with the next ones
    cache = caches["default"]
    known, ahead = _request_tokens.get(), _tokens_ahead.get()
    if (
        known is None
        or not ahead
        or not isinstance(cache, ResilientRedisCache)
        or not isinstance(store, ResilientRedisCache)
        or cache._server != store._server
        or cache.is_degraded
        or store.is_degraded
    ):
        return store.get(key)
    wanted = [token for token in (*ahead, EPOCH_KEY) if token not in known]
    watched, mark = _watched_tokens(cache, wanted)
    known.update(watched)
    wanted = [token for token in wanted if token not in watched]
    try:
        values = cache.client.get_client(write=False).mget(
            [store.client.make_key(key), *(cache.client.make_key(token) for token in wanted)]
        )
    except (ConnectionInterrupted, RedisError, OSError):
        logger.warning("Redis cache unreachable; sessions from the database for %.0f s", RETRY_AFTER)
        cache._failed()
        store._failed()
        return None  # the caller reads the session from the database (config.sessions)
    ahead.clear()
    if session_watch is not None and values[0] is not None:
        session_watch.learn({key: values[0]}, session_mark)
    read = {
        token: cache.client.decode(value)
        for token, value in zip(wanted, values[1:], strict=True)
        if value is not None  # a missing token is made when it is asked for (version_tokens)
    }
    _learn_tokens(cache, read, mark)
    known.update(read)
    return None if values[0] is None else store.client.decode(values[0])


def tokens_unchanged(keys: tuple[str, ...], values: tuple[str, ...]) -> bool:
    """Whether the tokens at `keys` still hold `values`, as version_tokens gave them (epoch
    included), read in one round trip. A missing token counts as changed: nothing is created."""
    from django.core.cache import cache

    every = (*keys, EPOCH_KEY)
    found, mark = _watched_tokens(cache, every)
    missing = [key for key in every if key not in found]
    if missing:
        read = cache.get_many(missing)
        _learn_tokens(cache, read, mark)
        found.update(read)
    return _with_epoch(found, keys) == list(values)


def bump_version_tokens(*keys: str) -> None:
    from django.core.cache import cache

    tokens = {key: uuid.uuid4().hex for key in keys}
    getattr(cache, "set_many_now", cache.set_many)(tokens, None)
    known = _request_tokens.get()
    if known is not None:
        known.update(tokens)


class VersionTokenScope:
    """Middleware: the version tokens read while serving a request are read once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scope = _request_tokens.set({})
        ahead = _tokens_ahead.set({})
        try:
            return self.get_response(request)
        finally:
            _tokens_ahead.reset(ahead)
            _request_tokens.reset(scope)


class Remembered:
    """What this process found a key to lead to, for the next time it is asked: at most `most`
    at once; when full, all are forgotten (a few thousand, cheap to find again)."""

    def __init__(self, most: int = 4096):
        self.most = most
        self._found: dict = {}

    def get(self, key):
        return self._found.get(key)

    def remember(self, key, value) -> None:
        if self._found.get(key) != value:
            if len(self._found) >= self.most:
                self._found.clear()
            self._found[key] = value

    def forget(self, key) -> None:
        self._found.pop(key, None)

    def clear(self) -> None:
        self._found.clear()


class Guesses(Remembered):
    """What this process last found a key to lead to (whose a session is, whose a username),
    so that the next request can read the found one's tokens in its first round trip. A guess
    is only ever a hint, checked by what is read: a wrong one costs a round trip more."""


class LocalMemo:
    """Values of versioned cache keys, kept in this process's memory as well as in the cache.

    A versioned key (one that embeds the version tokens of what it holds) never changes
    meaning: a write gives the data new tokens, hence new keys. So a copy held in memory can
    be served without asking Redis, which saves a round trip and the transfer and unpickling
    of large fragments (a 200-comment thread is 300 kB of HTML). A value is kept no longer
    than the shared cache keeps it (`timeout`), so what a token does not cover (an author's
    name on a cached page) is as fresh here as there. Least recently used values go first
    once the memo holds `max_bytes`; a value larger than a quarter of that is not kept.
    """

    instances: list["LocalMemo"] = []

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._values: OrderedDict[str, tuple[object, int, float]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        LocalMemo.instances.append(self)

    def get(self, key: str, default=None):
        with self._lock:
            found = self._values.get(key)
            if found is None:
                return default
            if found[2] <= time.monotonic():
                del self._values[key]
                self._size -= found[1]
                return default
            self._values.move_to_end(key)
            return found[0]

    def set(self, key: str, value, size: int, timeout: float | None = None) -> None:
        if size > self.max_bytes // 4:
            return
        expires = time.monotonic() + timeout if timeout is not None else float("inf")
        with self._lock:
            previous = self._values.pop(key, None)
            if previous is not None:
                self._size -= previous[1]
            self._values[key] = (value, size, expires)
            self._size += size
            while self._size > self.max_bytes:
                _, (_, evicted, _) = self._values.popitem(last=False)
                self._size -= evicted

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._size = 0


local_memo = LocalMemo(max_bytes=16 * 1024 * 1024)


def clear_local_memos() -> None:
    """Forget what this process remembers (tests that reset the database and the cache)."""
    for memo in LocalMemo.instances:
        memo.clear()
    forget_watched_keys()


def _size_of(value) -> int:
    if isinstance(value, str | bytes):
        return len(value)
    return len(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))


# What the running code is made of: the project's Python, templates and static files.
CODE_DIRECTORIES = ("accounts", "community", "config", "roadmap", "templates", "static")


@functools.cache
def code_version() -> str:
    """A fingerprint of this release: settings.RELEASE, else a hash of the code.

    Versioned values are rendered HTML and objects shaped by the code (a page links to the
    hashed name of this release's stylesheet), so each release keys them apart: after a deploy
    no page of the previous one is served, and during a rolling one each side reads its own.
    """
    from django.conf import settings

    if settings.RELEASE:
        return hashlib.sha256(settings.RELEASE.encode()).hexdigest()[:12]
    digest = hashlib.sha256()
    for directory in CODE_DIRECTORIES:
        root = Path(settings.BASE_DIR) / directory
        for path in sorted(root.rglob("*")) if root.is_dir() else ():
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# One build per missing value (versioned_get_or_set): the first process to miss takes a lock
# in the shared cache (SET NX PX) and builds; the others wait for its value. The lock expires
# after BUILD_LOCK_TTL, so a builder that dies holds nobody up for longer; nobody waits more
# than BUILD_WAIT, after which they build it themselves.
BUILD_LOCK_TTL = 5.0  # seconds
BUILD_WAIT = 2.0  # seconds
BUILD_POLL = (0.005, 0.05)  # seconds between looks for the value: the first, and at most
NOTHING_TO_KEEP = "nothing-to-keep"  # left at the lock by a build that returned None ...
NOTHING_TO_KEEP_FOR = 1.0  # ... for this many seconds


def _build_once(cache, key: str, build, timeout: int, missing):
    """Build the value at `key` unless another process is building it: then wait for theirs.

    Returns the value (`missing` when a build returned None, which is not cached). A build that
    returned None (a page for another spelling of its URL, an error) leaves NOTHING_TO_KEEP at
    the lock for a second: those waiting, and whoever misses meanwhile, build at once rather
    than queue behind one another for a value that will not come; after that second the next
    miss takes the lock again, so a page that is kept is still built once.
    """
    lock_key = f"build:{key}"
    owner = uuid.uuid4().hex
    deadline = time.monotonic() + BUILD_WAIT
    pause = BUILD_POLL[0]
    while not cache.add(lock_key, owner, BUILD_LOCK_TTL):
        found = cache.get_many([key, lock_key])
        if key in found:
            return found[key]
        if found.get(lock_key) == NOTHING_TO_KEEP or time.monotonic() >= deadline:
            break  # nothing will come, or the builder is slow or stuck: build it here
        if lock_key in found:  # else it was released or expired meanwhile: try to take it again
            time.sleep(pause)
            pause = min(pause * 2, BUILD_POLL[1])
    else:
        return _build_holding_lock(cache, key, lock_key, owner, build, timeout, missing)
    value = build()
    if value is None:
        return missing
    cache.set(key, value, timeout)
    return value


def _build_holding_lock(cache, key, lock_key, owner, build, timeout, missing):
    try:
        value = cache.get(key, missing)  # built by another between our miss and our lock
        if value is not missing:
            return value
        value = build()
        if value is None:
            cache.set(lock_key, NOTHING_TO_KEEP, NOTHING_TO_KEEP_FOR)
            return missing
        cache.set(key, value, timeout)
        return value
    finally:
        if cache.get(lock_key) == owner:
            cache.delete(lock_key)


def versioned_get_or_set(key: str, build, timeout: int):
    """The value at a versioned key: from process memory, else the shared cache, else `build()`.

    Only for keys that embed every version token their value depends on; the release's
    code_version is added here. A None from `build()` means "nothing to keep": it is returned
    but not cached. When the value is missing, one process builds it while the others wait
    for it, at most BUILD_WAIT (see _build_once): a hot page that expires, or a cold cache
    after a deploy, costs one build, not one per worker.
    """
    from django.core.cache import cache

    key = f"{code_version()}:{key}"
    missing = object()
    value = local_memo.get(key, missing)
    if value is not missing:
        return value
    value = cache.get(key, missing)
    if value is missing:
        value = _build_once(cache, key, build, timeout, missing)
        if value is missing:
            return None
    local_memo.set(key, value, _size_of(value), timeout)
    return value


def shared_cache_answers() -> bool:
    """The shared cache takes and returns a value; False while it makes do without Redis."""
    from django.core.cache import cache

    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "ok", 5)
        answered = cache.get(key) == "ok"
        cache.delete(key)
        return answered and not getattr(cache, "is_degraded", False)
    except Exception:
        logger.exception("health check: cache unreachable")
        return False
