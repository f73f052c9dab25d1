"""Who is an admin, who is a mentor, who is suspended: defined once, here, for every app.

- An admin is an active member with `is_staff`.
- A mentor is an active member who holds the `accounts.moderate_community` permission:
  through a group (the Mentors group is the usual way), given directly, or as a superuser.
  That is Django's `has_perm`; `mentor_q` says the same of a queryset's rows.
- A member is suspended while `suspended_until` is in the future.

A role is held whether or not its holder is suspended: the Mentor and Admin badges, the
reservation of their names (accounts.names) and the protection from other mentors'
moderation follow the role. The powers (community.permissions.is_moderator) need the role
and no suspension.
"""

import zoneinfo

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User

MODERATE_COMMUNITY = "accounts.moderate_community"


def is_admin(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff


def is_mentor(user) -> bool:
    """Holds the moderation permission (an admin usually does too: ask `is_admin` first)."""
    return user.is_authenticated and user.has_perm(MODERATE_COMMUNITY)


def is_suspended(user) -> bool:
    return (
        user.is_authenticated and user.suspended_until is not None and user.suspended_until > timezone.now()
    )


SUSPENDED_MAY = _(
    "You can still read discussions and keep learning on your roadmap; posting, reacting and "
    "flagging wait until then."
)


def suspension_notice(user) -> str:
    """Until when and why a member is suspended, as they read it everywhere (banner, refused
    pages, the notice sent to them): "Your account is suspended until 12 Dec 2026, 08:47
    (Europe/Berlin time). Reason: Posting spam links." In their timezone and the site's format
    for times, ending in one full stop whatever the reason ends with."""
    try:
        zone = zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    until = date_format(user.suspended_until.astimezone(zone), "j M Y, H:i")
    reason = user.suspension_reason.strip()
    if not reason:
        return gettext("Your account is suspended until %(until)s (%(zone)s time).") % {
            "until": until,
            "zone": zone.key,
        }
    if not reason.endswith((".", "!", "?")):
        reason += "."
    return gettext("Your account is suspended until %(until)s (%(zone)s time). Reason: %(reason)s") % {
        "until": until,
        "zone": zone.key,
        "reason": reason,
    }


def admin_q() -> Q:
    """`is_admin` for the rows of a User queryset."""
    return Q(is_active=True, is_staff=True)


def mentor_q() -> Q:
    """`is_mentor` for the rows of a User queryset, without joins (no duplicate rows)."""
    app_label, codename = MODERATE_COMMUNITY.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    given = User.user_permissions.through.objects.filter(user_id=OuterRef("pk"), permission__in=permission)
    through_group = User.groups.through.objects.filter(
        user_id=OuterRef("pk"), group__permissions__in=permission
    )
    return Q(is_active=True) & (Q(is_superuser=True) | Exists(given) | Exists(through_group))


def suspended_q() -> Q:
    """`is_suspended` for the rows of a User queryset."""
    return Q(suspended_until__gt=timezone.now())


def is_mentor_annotation(user_id_field: str) -> Exists:
    """Whether the user that `user_id_field` of each row names is a mentor, for `.annotate()`."""
    return Exists(User.objects.filter(mentor_q(), pk=OuterRef(user_id_field)))
