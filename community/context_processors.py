"""The unread notification count for the header (one indexed query for signed-in users)."""

from django.utils.functional import SimpleLazyObject

from community import selectors


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user=user))}
