"""Writes about users: settings, export and deletion, personal API tokens."""

import logging
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import hooks
from accounts.models import ApiToken, User
from config.errors import Conflict

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
            "language": user.language,
            "digest_frequency": user.digest_frequency,
            "digest_hour": user.digest_hour,
            "is_progress_public": user.is_progress_public,
            "weekly_goal": user.weekly_goal,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "api_tokens": [
            {
                "name": token.name,
                "created_at": token.created_at.isoformat(),
                "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
            }
            for token in ApiToken.objects.filter(user=user).order_by("created_at")
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


# --- Personal API tokens ----------------------------------------------------------------

MAX_API_TOKENS = 20
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token and its key. The key is returned only here: the database keeps its hash."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Name the token, e.g. after the tool that will use it.")})
    if len(name) > ApiToken.NAME_MAX:
        raise ValidationError(
            {"name": _("Keep the name to %(limit)s characters.") % {"limit": ApiToken.NAME_MAX}}
        )
    if ApiToken.objects.filter(user=user).count() >= MAX_API_TOKENS:
        raise Conflict(
            _("You have %(count)s tokens, the most we allow: revoke one first.") % {"count": MAX_API_TOKENS}
        )
    key = ApiToken.generate_key()
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                user=user,
                name=name,
                key_prefix=key[: ApiToken.PREFIX_LENGTH],
                key_hash=ApiToken.hash_key(key),
            )
    except IntegrityError:
        raise ValidationError({"name": _("You already have a token with this name.")}) from None
    logger.info("api token created", extra={"user_id": user.pk, "token_id": token.pk})
    return token, key


def revoke_api_token(*, user: User, token_id: int) -> bool:
    """Delete one of the user's tokens; False when they have no token with that id."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if deleted:
        logger.info("api token revoked", extra={"user_id": user.pk, "token_id": token_id})
    return bool(deleted)


def authenticate_api_token(*, key: str) -> ApiToken | None:
    """The token whose key this is, with its user, or None. Its last use is written at most
    once a minute, so that a busy client does not cost a write per request."""
    if len(key) <= ApiToken.PREFIX_LENGTH or not ApiToken.KEY_PATTERN.fullmatch(key):
        return None
    candidates = ApiToken.objects.select_related("user").filter(key_prefix=key[: ApiToken.PREFIX_LENGTH])
    token = next((candidate for candidate in candidates if candidate.matches(key)), None)
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
