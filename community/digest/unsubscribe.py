"""Unsubscribe links in digests: signed tokens per user, and the address shown on the page
that confirms it. Turning digests off is a write: community.services.turn_off_digests."""

from django.conf import settings
from django.urls import reverse

from accounts.models import User
from community.member_links import MemberLinks

LINKS = MemberLinks("community.digest.unsubscribe")


def unsubscribe_token(user) -> str:
    return LINKS.token(user)


def unsubscribe_url(user) -> str:
    path = reverse("community:digest-unsubscribe", kwargs={"token": unsubscribe_token(user)})
    return f"{settings.SITE_URL}{path}"


def user_for_unsubscribe_token(token: str) -> User | None:
    """The user a valid token was made for, or None for a forged or tampered one."""
    found = LINKS.read(token)
    return None if found is None or found[1] else found[0]


def masked_email(email: str) -> str:
    """ "ada@example.com" -> "a•••a@example.com": enough to recognise, little to leak."""
    local, _, domain = email.partition("@")
    shown = local[0] + "•••" + local[-1] if len(local) > 2 else local[:1] + "•••"
    return f"{shown}@{domain}"
