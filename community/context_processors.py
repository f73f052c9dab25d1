"""Header counts: unread notifications for everyone signed in, open flags for moderators.
Each is one indexed query, run only if the template shows it."""

from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from community import permissions, selectors

ROLE_CACHE_SECONDS = 60


def _is_moderator(user) -> bool:
    """For the header only (actions always ask permissions.is_moderator): cached a minute."""
    return cache.get_or_set(
        f"user:{user.pk}:is-moderator", lambda: permissions.is_moderator(user), ROLE_CACHE_SECONDS
    )


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    is_moderator = SimpleLazyObject(lambda: _is_moderator(user))
    return {
        "unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user=user)),
        "is_moderator": is_moderator,
        "open_flags": SimpleLazyObject(lambda: selectors.open_flag_count() if is_moderator else 0),
    }
