"""Version tokens for what discussion pages show, so caches never serve a stale page.

A token is random and bumped after the transaction that changed the data commits; cached
pages and fragments are keyed by the tokens they depend on, so a write makes the old copies
unreachable at once (they simply expire). Two scopes:

- a thread's token: its page (body, comments, counts, status) changed;
- the lists token: anything a list shows (new thread, new comment, reaction, moderation).
"""

import uuid

from django.core.cache import cache
from django.db import transaction

LISTS_KEY = "community:lists:version"


def _thread_key(thread_id: int) -> str:
    return f"community:thread:{thread_id}:version"


def _get(key: str) -> str:
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, None)
        version = cache.get(key) or "uncached"
    return version


def thread_version(thread_id: int) -> str:
    return _get(_thread_key(thread_id))


def lists_version() -> str:
    return _get(LISTS_KEY)


def thread_changed(thread_id: int | None) -> None:
    """The thread's page and every list changed.

    Bumped now and again after commit: a reader that cached the old rows between the two
    (it could not see the uncommitted write yet) is made unreachable by the second bump.
    """

    def bump():
        tokens = {LISTS_KEY: uuid.uuid4().hex}
        if thread_id:
            tokens[_thread_key(thread_id)] = uuid.uuid4().hex
        cache.set_many(tokens, None)

    bump()
    transaction.on_commit(bump)
