"""What each pytest-xdist worker keeps to itself, so that tests running side by side never meet.

pytest-django already gives every worker a database of its own (`test_stepwise_gw0`, …). Redis
is the other shared thing: each test clears the cache, and the Celery tests flush the broker's
database. So worker N uses cache database `B + N`, where `B` is the one in REDIS_URL, and broker
database `TEST_BROKER_DB + N` (8 by default); live updates' pub/sub channels, which every
database of a server shares, are named after the cache database (config.live). A serial run is
worker 0.
"""

import os
from urllib.parse import urlsplit

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", … under xdist, else ""
REDIS_DATABASES = 16  # redis-server's default `databases`


def index() -> int:
    return int(WORKER.removeprefix("gw")) if WORKER else 0


def _with_database(url: str, database: int) -> str:
    if database >= REDIS_DATABASES:
        raise RuntimeError(
            f"pytest worker {WORKER} would need Redis database {database}: run fewer workers (-n)"
        )
    return urlsplit(url)._replace(path=f"/{database}").geturl()


def _broker_base() -> int:
    return int(os.environ.get("TEST_BROKER_DB", "8"))


def broker_url() -> str:
    """The Redis database this worker's Celery tests use as their broker (flushed by them)."""
    return _with_database(os.environ["REDIS_URL"], _broker_base() + index())


def isolate_cache() -> None:
    """Point the Django caches (and REDIS_URL, for child processes) at this worker's database.
    Called before any test runs; connections already opened are dropped."""
    from django.conf import settings
    from django.test.signals import clear_cache_handlers

    from config.live import channel_layers as live_channel_layers

    shared = os.environ.get("REDIS_URL")
    if not shared:
        return
    base = int(urlsplit(shared).path.lstrip("/") or 0)
    if base + index() >= _broker_base():
        raise RuntimeError(
            f"pytest worker {WORKER} would use Redis database {base + index()} for its cache, "
            f"where the brokers start (TEST_BROKER_DB={_broker_base()}): set TEST_BROKER_DB higher "
            "or run fewer workers (-n)"
        )
    if not index():
        return
    own = _with_database(shared, base + index())
    os.environ["REDIS_URL"] = own
    for alias in settings.CACHES.values():
        if alias.get("LOCATION") == shared:
            alias["LOCATION"] = own
    if settings.CELERY_BROKER_URL == shared:
        settings.CELERY_BROKER_URL = own
    settings.CHANNEL_LAYERS = live_channel_layers(own)  # its pub/sub prefix names the database
    clear_cache_handlers(setting="CACHES")
