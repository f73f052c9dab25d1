"""Version tokens for what discussion pages show, so caches never serve a stale page.

A token is random and bumped after the transaction that changed the data commits; cached
pages and fragments are keyed by the tokens they depend on, so a write makes the old copies
unreachable at once (they simply expire). Four scopes:

- a thread's token: its page (body, comments, counts, status) changed;
- the lists token: anything a list shows (new thread, new comment, a reaction to a thread,
  moderation); a reaction to a comment changes only its thread's page, as no list shows it;
- a user's notifications token: they got a notification or read some (the header's count);
- a user's viewer token: what a thread page shows of them changed (their reactions, follows,
  bookmarks, a comment of theirs hidden or restored, a verified email address), bumped by
  the signals in community.signals whoever made the change.
"""

from django.db import transaction

from config.cache import bump_version_tokens, version_token

LISTS_KEY = "community:lists:version"


def thread_key(thread_id: int) -> str:
    return f"community:thread:{thread_id}:version"


def thread_version(thread_id: int) -> str:
    return version_token(thread_key(thread_id))


def lists_version() -> str:
    return version_token(LISTS_KEY)


def thread_changed(thread_id: int | None) -> None:
    """The thread's page and every list changed.

    Bumped now and again after commit: a reader that cached the old rows between the two
    (it could not see the uncommitted write yet) is made unreachable by the second bump.
    """
    threads_changed([thread_id] if thread_id else [])


def threads_changed(thread_ids) -> None:
    """These threads' pages and every list changed (thread_changed for many at once)."""
    _bump_now_and_after_commit([LISTS_KEY, *(thread_key(thread_id) for thread_id in thread_ids)])


def thread_page_changed(thread_id: int) -> None:
    """Only the thread's page changed, nothing a list shows (a comment's reaction counts)."""
    _bump_now_and_after_commit([thread_key(thread_id)])


def _bump_now_and_after_commit(keys: list[str]) -> None:
    def bump():
        bump_version_tokens(*keys)

    bump()
    transaction.on_commit(bump)


def notifications_key(user_id: int) -> str:
    return f"community:notifications:{user_id}:version"


def notifications_changed(*user_ids: int) -> None:
    """These users' notifications (their unread count in the header) changed: now and after commit."""
    keys = [notifications_key(user_id) for user_id in dict.fromkeys(user_ids) if user_id]
    if not keys:
        return

    def bump():
        bump_version_tokens(*keys)

    bump()
    transaction.on_commit(bump)


def viewer_key(user_id) -> str:
    return f"community:viewer:{user_id}:version"


def viewer_changed(user_id: int | None) -> None:
    """What thread pages show of this user as a viewer changed: now and after commit."""
    if not user_id:
        return

    def bump():
        bump_version_tokens(viewer_key(user_id))

    bump()
    transaction.on_commit(bump)
