"""Django's per-request hooks that do nothing here, taken off the request's path.

Django connects receivers to `request_started` and `request_finished` at import, whatever the
configuration, and sends both signals for every request. Two of them never have anything to do
in this project's servers:

- `django.db.reset_queries` empties each connection's log of queries, which is only written
  with DEBUG on (or inside a test's CaptureQueriesContext, which keeps its own place in it).
- `django.core.cache.close_caches` calls close() on every cache in use, which for our Redis
  caches closes nothing unless CLOSE_CONNECTION is set (django-redis keeps its pool for the
  process), and for the local-memory and dummy caches does nothing at all.

A kept page costs little more than these signals; their receivers walked every database and
cache alias of the request's context-local state twice. `drop_needless_request_hooks()`, called
as the page server loads the app (config.wsgi), disconnects each one only when
its work is provably empty, so a configuration that needs it (DEBUG, a cache whose close()
does something) keeps it.
"""

from django.conf import settings
from django.core import signals
from django.core.cache import close_caches
from django.core.cache.backends.base import BaseCache
from django.db import reset_queries
from django.utils.module_loading import import_string
from django_redis.cache import RedisCache


def cache_closes_nothing(alias: str) -> bool:
    """Whether close() on this cache, at the end of a request, does nothing."""
    backend = import_string(settings.CACHES[alias]["BACKEND"])
    if backend.close is BaseCache.close:  # local memory, dummy
        return True
    if issubclass(backend, RedisCache) and backend.close is RedisCache.close:
        options = settings.CACHES[alias].get("OPTIONS", {})
        return not options.get("CLOSE_CONNECTION", getattr(settings, "DJANGO_REDIS_CLOSE_CONNECTION", False))
    return False


def drop_needless_request_hooks() -> list[str]:
    """Disconnect Django's per-request receivers that have nothing to do; what was dropped."""
    dropped = []
    if not settings.DEBUG and signals.request_started.disconnect(reset_queries):
        dropped.append("reset_queries")
    if all(cache_closes_nothing(alias) for alias in settings.CACHES) and signals.request_finished.disconnect(
        close_caches
    ):
        dropped.append("close_caches")
    return dropped
