"""Header counts: unread notifications for everyone signed in, open flags and review requests
waiting for a mentor for moderators.
Each is cached, and read only if the template shows it."""

import functools

from django.utils.functional import SimpleLazyObject

from community import permissions, selectors


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # No query once the user's permissions are cached (accounts.backends), and never stale.
    is_moderator = SimpleLazyObject(lambda: permissions.is_moderator(user))
    mentor_counts = functools.cache(lambda: selectors.mentor_counts() if is_moderator else (0, 0))
    return {
        "unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user=user)),
        "is_moderator": is_moderator,
        "open_flags": SimpleLazyObject(lambda: mentor_counts()[0]),
        "waiting_reviews": SimpleLazyObject(lambda: mentor_counts()[1]),
    }
