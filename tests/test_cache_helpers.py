"""The cache helpers every page cache rests on: version tokens and the per-process memo."""

import time

from django.core.cache import cache
from django.test import RequestFactory

from config.cache import (
    EPOCH_KEY,
    LocalMemo,
    VersionTokenScope,
    bump_version_tokens,
    version_tokens,
    versioned_get_or_set,
)


def test_the_memo_drops_the_least_recently_used_values_beyond_its_size():
    memo = LocalMemo(max_bytes=100)
    memo.set("a", "A", size=20)
    memo.set("b", "B", size=20)
    assert memo.get("a") == "A"  # a is now the most recently used
    memo.set("c", "C", size=20)
    memo.set("d", "D", size=20)
    memo.set("e", "E", size=25)  # 105 bytes: b, the least recently used, goes
    assert memo.get("b") is None
    assert [memo.get(key) for key in "acde"] == ["A", "C", "D", "E"]


def test_the_memo_keeps_a_value_no_longer_than_its_timeout(monkeypatch):
    memo = LocalMemo(max_bytes=100)
    memo.set("short", "S", size=10, timeout=60)
    memo.set("forever", "F", size=10)
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 61)
    assert memo.get("short") is None
    assert memo.get("forever") == "F"


def test_the_memo_keeps_no_value_larger_than_a_quarter_of_it():
    memo = LocalMemo(max_bytes=100)
    memo.set("big", "x" * 26, size=26)
    assert memo.get("big") is None


def test_versioned_values_are_built_once_and_nothing_is_not_cached():
    calls = []

    def build():
        calls.append(1)
        return "value"

    assert versioned_get_or_set("test:v1:thing", build, 60) == "value"
    cache.delete("test:v1:thing")  # the process memo still has it
    assert versioned_get_or_set("test:v1:thing", build, 60) == "value"
    assert calls == [1]
    assert versioned_get_or_set("test:v1:none", lambda: None, 60) is None
    assert versioned_get_or_set("test:v1:none", lambda: "now", 60) == "now"


def test_a_request_reads_each_token_once_and_sees_its_own_bumps():
    seen = {}

    def view(request):
        seen["first"] = version_tokens("test:a", "test:b")
        cache.set("test:a", "changed elsewhere")  # another process bumps a mid-request
        seen["second"] = version_tokens("test:a")
        bump_version_tokens("test:b")  # this request's own write
        seen["third"] = version_tokens("test:b")
        return "done"

    VersionTokenScope(view)(RequestFactory().get("/"))
    assert seen["second"] == [seen["first"][0]]  # one version of everything per request
    assert seen["third"] != [seen["first"][1]]
    assert seen["third"][0].startswith(cache.get("test:b"))  # the token, with the cache epoch
    assert version_tokens("test:a")[0].startswith("changed elsewhere")  # outside a request: read afresh


def test_moving_the_epoch_changes_every_token():
    before = version_tokens("test:a", "test:b")
    cache.set(EPOCH_KEY, "a-new-epoch")
    after = version_tokens("test:a", "test:b")
    assert [token[:32] for token in after] == [token[:32] for token in before]
    assert not set(after) & set(before)


def test_a_token_that_cannot_be_stored_changes_every_time(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert version_tokens("test:a") != version_tokens("test:a")


def test_a_requests_own_copy_of_a_shared_instance_changes_nothing_of_the_shared_one(db):
    from config.caching import own_copy
    from tests.factories import ThreadFactory, UserFactory

    shared = ThreadFactory(title="Shared")
    shared.author  # noqa: B018 - cached on the instance, as the kept thread has it
    copy = own_copy(shared)
    assert copy == shared and copy.title == "Shared" and copy.author == shared.author
    assert copy._state.db == shared._state.db and not copy._state.adding

    copy.title = "Changed by one request"
    copy.author = UserFactory()
    copy._state.adding = True
    assert shared.title == "Shared"
    assert shared.author != copy.author
    assert not shared._state.adding
