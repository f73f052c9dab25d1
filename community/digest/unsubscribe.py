"""Unsubscribe links in digests: signed tokens per user, and the address shown on the page
that confirms it. Turning digests off is a write: community.services.turn_off_digests."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from accounts.models import User
from config.input_guard import database_id

UNSUBSCRIBE_SALT = "community.digest.unsubscribe"


def _signer(user) -> signing.Signer:
    """Bound to the user's unsubscribe_salt: changing it revokes every link sent so far."""
    return signing.Signer(salt=f"{UNSUBSCRIBE_SALT}:{user.unsubscribe_salt}")


def unsubscribe_token(user) -> str:
    return _signer(user).sign(str(user.pk))


def unsubscribe_url(user) -> str:
    path = reverse("community:digest-unsubscribe", kwargs={"token": unsubscribe_token(user)})
    return f"{settings.SITE_URL}{path}"


def user_for_unsubscribe_token(token: str) -> User | None:
    """The user a valid token was made for, or None for a forged or tampered one."""
    user_id, _, _ = token.partition(":")
    if database_id(user_id) is None:
        return None
    user = User.objects.filter(pk=database_id(user_id)).first()
    if user is None:
        return None
    try:
        _signer(user).unsign(token)
    except signing.BadSignature:
        return None
    return user


def masked_email(email: str) -> str:
    """ "ada@example.com" -> "a•••a@example.com": enough to recognise, little to leak."""
    local, _, domain = email.partition("@")
    shown = local[0] + "•••" + local[-1] if len(local) > 2 else local[:1] + "•••"
    return f"{shown}@{domain}"
