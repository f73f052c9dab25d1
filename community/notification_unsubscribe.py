"""One-click unsubscribe links of notification emails (RFC 8058): a signed token per member
and kind, so that a link turns off that kind of email only. Bound to the member's
`unsubscribe_salt`, like the digest's links: changing it revokes every link sent so far."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from accounts.models import User
from community import notification_kinds
from config.input_guard import database_id

SALT = "community.notification_emails.unsubscribe"


def _signer(user) -> signing.Signer:
    return signing.Signer(salt=f"{SALT}:{user.unsubscribe_salt}")


def unsubscribe_token(user, kind: str) -> str:
    return _signer(user).sign(f"{user.pk}.{kind}")


def unsubscribe_url(user, kind: str) -> str:
    path = reverse("community:notification-unsubscribe", kwargs={"token": unsubscribe_token(user, kind)})
    return f"{settings.SITE_URL}{path}"


def read_token(token: str) -> tuple[User, notification_kinds.EmailKind] | None:
    """The member and the kind of email a valid token turns off; None for a forged, tampered
    or revoked one, or a kind no longer emailed."""
    value, _, _ = token.rpartition(":")
    user_id, _, verb = value.partition(".")
    kind = notification_kinds.get(verb)
    if database_id(user_id) is None or kind is None:
        return None
    user = User.objects.filter(pk=database_id(user_id)).first()
    if user is None:
        return None
    try:
        _signer(user).unsign(token)
    except signing.BadSignature:
        return None
    return user, kind
