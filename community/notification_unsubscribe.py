"""One-click unsubscribe links of notification emails (RFC 8058): a signed token per member
and kind, so that a link turns off that kind of email only. Bound to the member's
`unsubscribe_salt`, like the digest's links: changing it revokes every link sent so far."""

from django.conf import settings
from django.urls import reverse

from accounts.models import User
from community import notification_kinds
from community.member_links import MemberLinks

LINKS = MemberLinks("community.notification_emails.unsubscribe")


def unsubscribe_token(user, kind: str) -> str:
    return LINKS.token(user, kind)


def unsubscribe_url(user, kind: str) -> str:
    path = reverse("community:notification-unsubscribe", kwargs={"token": unsubscribe_token(user, kind)})
    return f"{settings.SITE_URL}{path}"


def read_token(token: str) -> tuple[User, notification_kinds.EmailKind] | None:
    """The member and the kind of email a valid token turns off; None for a forged, tampered
    or revoked one, or a kind no longer emailed."""
    found = LINKS.read(token)
    if found is None or (kind := notification_kinds.get(found[1])) is None:
        return None
    return found[0], kind
