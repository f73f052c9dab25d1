"""A Redis cache that keeps the site working while Redis is unreachable.

django-redis's IGNORE_EXCEPTIONS turns every failed call into a miss, which is right for
page caches but wrong for callers that need `add` to work, such as allauth's rate-limit
lock: with Redis down every login would answer 429. This backend instead answers from a
small per-process memory cache while Redis is down, and tries Redis again after a pause,
so an outage costs one failed connection per process every few seconds, not one per call.
"""

import inspect
import logging
import time
import uuid

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

FALLBACK_TIMEOUT = 30  # seconds: what one process remembers alone may be stale elsewhere
RETRY_AFTER = 5.0


def _resilient(name):
    def method(self, *args, **kwargs):
        if time.monotonic() >= self._redis_down_until:
            try:
                return getattr(RedisCache, name)(self, *args, **kwargs)
            except (ConnectionInterrupted, RedisError, OSError):
                logger.warning("Redis cache unreachable; using process memory for %.0f s", RETRY_AFTER)
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
    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**params.get("OPTIONS", {}), "IGNORE_EXCEPTIONS": False}}
        super().__init__(server, params)
        self._fallback = LocMemCache(f"fallback-{id(self)}", {"TIMEOUT": FALLBACK_TIMEOUT})
        self._redis_down_until = 0.0

    for _name in ("add", "get", "set", "touch", "delete", "get_many", "set_many", "delete_many",
                  "has_key", "incr", "decr", "clear"):  # fmt: skip
        locals()[_name] = _resilient(_name)
    del _name


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
