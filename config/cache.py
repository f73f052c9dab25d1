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

import inspect
import logging
import time
import uuid

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

FALLBACK_TIMEOUT = 30  # seconds: what one process remembers alone may be stale elsewhere
RETRY_AFTER = 5.0


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
                self._redis_down_until = time.monotonic() + RETRY_AFTER
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
    fallback_name = "process memory"
    skipped_while_degraded = READS | WRITES

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**params.get("OPTIONS", {}), "IGNORE_EXCEPTIONS": False}}
        super().__init__(server, params)
        self._fallback = self.make_fallback()
        self._redis_down_until = 0.0

    def make_fallback(self):
        return LocMemCache(f"fallback-{id(self)}", {"TIMEOUT": FALLBACK_TIMEOUT})

    @property
    def is_degraded(self) -> bool:
        """True while calls skip Redis, which failed less than RETRY_AFTER seconds ago."""
        return time.monotonic() < self._redis_down_until

    for _name in READS | WRITES:
        locals()[_name] = _resilient(_name)
    del _name


class ResilientSessionCache(ResilientRedisCache):
    """The cache in front of the database sessions (cached_db). While Redis is unreachable
    every read misses, so sessions are read from the database: no process keeps a session
    the others cannot see. Writes still try Redis: one dropped during a brief failure would
    leave Redis serving the old session afterwards (a logout undone)."""

    fallback_name = "the database"
    skipped_while_degraded = READS

    def make_fallback(self):
        return DummyCache("sessions-fallback", {})


def version_token(key: str) -> str:
    """The current version token stored at `key`, creating one if there is none.

    Caches keyed by a token are invalidated by giving it a new value (bump_version_tokens).
    A token is random, never a counter, so one lost to eviction cannot bring old entries back.
    """
    from django.core.cache import cache

    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, None)
        token = cache.get(key) or "uncached"
    return token


def bump_version_tokens(*keys: str) -> None:
    from django.core.cache import cache

    cache.set_many({key: uuid.uuid4().hex for key in keys}, None)
