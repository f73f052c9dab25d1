"""A missing cached value is built once, whoever misses it at the same time: processes wait for
the one building it (config.cache.versioned_get_or_set), never longer than BUILD_WAIT, and a
builder that dies holds nobody up past its lock's lifetime. Real processes against the real
Redis, as gunicorn's workers would be."""

import multiprocessing
import time

import pytest
from django.core.cache import cache
from django.test import Client

from community import views as community_views
from config import cache as cache_layer
from config.cache import versioned_get_or_set
from tests.concurrency import run_at_once
from tests.factories import ThreadFactory

pytestmark = pytest.mark.redis

BUILDS = "test:stampede:builds"
KEY = "stampede:page"


def _count_build_then(value, seconds: float):
    def build():
        cache.incr(BUILDS)
        time.sleep(seconds)
        return value

    return build


def _in_processes(count: int, work) -> list:
    """Run `work()` in `count` forked processes that start together; return what each returned."""
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(count), context.Queue()

    def run():
        start.wait()
        results.put(work())

    processes = [context.Process(target=run) for _ in range(count)]
    for process in processes:
        process.start()
    answers = [results.get(timeout=30) for _ in processes]
    for process in processes:
        process.join(timeout=10)
    return answers


@pytest.fixture(autouse=True)
def _counted_builds():
    cache.set(BUILDS, 0, None)


def builds() -> int:
    return cache.get(BUILDS)


def test_many_processes_missing_at_once_build_the_value_once():
    def work():
        started = time.monotonic()
        value = versioned_get_or_set(KEY, _count_build_then("the page", 0.5), 60)
        return value, time.monotonic() - started

    answers = _in_processes(8, work)
    assert [value for value, _ in answers] == ["the page"] * 8
    assert builds() == 1
    assert max(seconds for _, seconds in answers) < cache_layer.BUILD_WAIT


def test_a_value_nobody_keeps_is_built_by_each_at_once_not_one_after_another():
    def work():
        started = time.monotonic()
        value = versioned_get_or_set(KEY, _count_build_then(None, 0.3), 60)
        return value, time.monotonic() - started

    answers = _in_processes(4, work)
    assert [value for value, _ in answers] == [None] * 4
    assert builds() == 4
    assert max(seconds for _, seconds in answers) < 4 * 0.3


def _lock_taken_by_a_builder_that_died():
    lock = f"build:{cache_layer.code_version()}:{KEY}"
    assert cache.add(lock, "a worker killed while building", cache_layer.BUILD_LOCK_TTL)


def test_after_a_builder_dies_the_next_one_builds_once_its_lock_expires(monkeypatch):
    monkeypatch.setattr(cache_layer, "BUILD_LOCK_TTL", 0.4)
    monkeypatch.setattr(cache_layer, "BUILD_WAIT", 5.0)
    _lock_taken_by_a_builder_that_died()
    started = time.monotonic()
    assert versioned_get_or_set(KEY, _count_build_then("the page", 0), 60) == "the page"
    waited = time.monotonic() - started
    assert builds() == 1
    assert 0.3 < waited < 1.5


def test_nobody_waits_longer_than_the_bound_for_a_stuck_builder(monkeypatch):
    monkeypatch.setattr(cache_layer, "BUILD_LOCK_TTL", 30.0)
    monkeypatch.setattr(cache_layer, "BUILD_WAIT", 0.3)
    _lock_taken_by_a_builder_that_died()
    started = time.monotonic()
    assert versioned_get_or_set(KEY, _count_build_then("the page", 0), 60) == "the page"
    assert time.monotonic() - started < 0.8
    assert builds() == 1


def test_a_failed_build_lets_the_next_one_build_at_once():
    def failing():
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        versioned_get_or_set(KEY, failing, 60)
    started = time.monotonic()
    assert versioned_get_or_set(KEY, _count_build_then("the page", 0), 60) == "the page"
    assert time.monotonic() - started < 0.2


@pytest.mark.django_db(transaction=True)
def test_visitors_arriving_together_at_a_cold_thread_page_share_one_render(monkeypatch):
    thread = ThreadFactory()
    renders = []
    render_thread = community_views.selectors.thread_for_page

    def slow_render(**arguments):
        renders.append(arguments["pk"])
        time.sleep(0.3)  # a 200-comment thread on a busy machine
        return render_thread(**arguments)

    monkeypatch.setattr(community_views.selectors, "thread_for_page", slow_render)
    pages, errors = run_at_once(lambda: Client().get(thread.get_absolute_url()), times=6)
    assert errors == []
    assert [page.status_code for page in pages] == [200] * 6
    assert len({page.content for page in pages}) == 1 and thread.title in pages[0].text
    assert renders == [thread.pk]


def test_a_value_not_kept_lets_the_next_miss_take_the_lock_a_moment_later(monkeypatch):
    monkeypatch.setattr(cache_layer, "NOTHING_TO_KEEP_FOR", 0.2)
    assert versioned_get_or_set(KEY, _count_build_then(None, 0), 60) is None
    time.sleep(0.3)

    def work():
        return versioned_get_or_set(KEY, _count_build_then("the page", 0.3), 60)

    assert _in_processes(4, work) == ["the page"] * 4
    assert builds() == 2  # the one not kept, then one for all four
