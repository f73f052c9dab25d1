"""Writes about users: settings, export and deletion."""

import logging

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.db import transaction
from django.utils import timezone

from accounts import hooks
from accounts.models import User

logger = logging.getLogger(__name__)


def export_user_data(*, user: User) -> dict:
    """Everything Stepwise holds about one user, as JSON-ready data."""
    data = {
        "exported_at": timezone.now().isoformat(),
        "profile": {
            "username": user.username,
            "email": user.email,
            "display_name": user.display_name,
            "bio": user.bio,
            "timezone": user.timezone,
            "digest_frequency": user.digest_frequency,
            "digest_hour": user.digest_hour,
            "is_progress_public": user.is_progress_public,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("email")
        ],
    }
    for name, build in hooks.export_sections().items():
        data[name] = build(user)
    return data


def end_all_sessions(*, user: User) -> int:
    """Log the user out everywhere: every tracked session is deleted from the session store."""
    ended = 0
    for user_session in UserSession.objects.filter(user=user):
        user_session.end()
        ended += 1
    return ended


@transaction.atomic
def delete_account(*, user: User) -> None:
    """Remove the user's personal data; their posts stay, shown as from a former member.

    Models of other apps decide with their foreign keys: private data (progress, notes,
    follows, digests) cascades, public posts set their author to NULL. Any session that was
    not tracked points at a user id that no longer exists, so it is anonymous from now on.
    """
    user_id = user.pk
    end_all_sessions(user=user)
    user.delete()
    logger.info("account deleted", extra={"user_id": user_id})
