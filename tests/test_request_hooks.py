"""Django's per-request hooks that have nothing to do are taken off the request's path
(config.request_hooks), and only those."""

import pytest
from django.core import signals
from django.core.cache import caches, close_caches
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from config.request_hooks import cache_closes_nothing, drop_needless_request_hooks
from roadmap.models import Roadmap


def connected(signal, receiver) -> bool:
    return any(ref() is receiver for _, ref, *_ in signal.receivers if callable(ref))


@pytest.fixture
def hooks_restored():
    """Whatever a test drops is connected again after it, as Django connects it at import."""
    yield
    if not connected(signals.request_started, reset_queries):
        signals.request_started.connect(reset_queries)
    if not connected(signals.request_finished, close_caches):
        signals.request_finished.connect(close_caches)


def test_both_hooks_are_dropped_as_production_runs(settings, hooks_restored):
    settings.DEBUG = False
    assert sorted(drop_needless_request_hooks()) == ["close_caches", "reset_queries"]
    assert not connected(signals.request_started, reset_queries)
    assert not connected(signals.request_finished, close_caches)


def test_with_debug_the_query_log_is_still_emptied_after_each_request(settings, hooks_restored):
    settings.DEBUG = True
    assert drop_needless_request_hooks() == ["close_caches"]
    assert connected(signals.request_started, reset_queries)


def test_a_redis_cache_told_to_close_its_connections_keeps_its_hook(settings, hooks_restored):
    settings.DEBUG = False
    settings.CACHES = {
        alias: {**config, "OPTIONS": {**config.get("OPTIONS", {}), "CLOSE_CONNECTION": True}}
        for alias, config in settings.CACHES.items()
    }
    assert drop_needless_request_hooks() == ["reset_queries"]
    assert connected(signals.request_finished, close_caches)
    assert not any(cache_closes_nothing(alias) for alias in settings.CACHES)


def test_a_cache_of_its_own_kind_keeps_its_hook(settings):
    memcached = {"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache", "LOCATION": "127.0.0.1:1"}
    settings.CACHES = {**settings.CACHES, "memcached": memcached}
    assert cache_closes_nothing("default")
    assert not cache_closes_nothing("memcached")  # its close() drops its connections


@pytest.mark.django_db
def test_pages_still_work_and_queries_are_still_counted_without_the_hooks(client, settings, hooks_restored):
    settings.DEBUG = False
    drop_needless_request_hooks()
    Roadmap.objects.create(slug="hooks", title="Hooks")
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/roadmaps/")
        assert response.status_code == 200
        assert b"Hooks" in response.content
    assert len(queries) < 20  # counted per request, not added up across requests
    caches["default"].set("still-open", 1)
    assert caches["default"].get("still-open") == 1
