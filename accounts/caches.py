"""What accounts caches, and which writes retire it (see config.caching).

Every request of a signed-in visitor loads their user row, and most check a permission (mentor
powers), which Django reads with two more queries. Both are cached:

- USER, one token per user, retires their cached row whenever it is saved or deleted (a
  password change, a suspension, a new last-login), so their next request sees the change;
  the session check against the password hash then works on the fresh row, so a password
  change still signs out their other sessions. It is read in the same round trip as every
  other per-user token (`Token(per_user=True)`), which most of their pages read next;
- PERMISSIONS, one token for the site, retires every cached permission set on any change to
  groups, memberships or permissions: a mentor whose role is taken away loses its powers with
  their next request. Superuser and active flags come from the user and are part of the key.

The public profile (/u/<username>/) is cached whole for anonymous visitors (PROFILE_PAGE) and,
for members, as a body shared by every visitor but its owner (who sees their private parts) in
a shell shared by every member (config.slots.render_page). It shows the member's own fields,
their role, and what the apps above add (their progress and its history, posts, accepted
answers, reviews decided, sections covered): PROFILE, one token per member, is bumped by every
change of those, by rules here and in the caches.py of those apps; PROFILES, one for the site,
by changes of the roadmaps they name and count. PROFILE_OWNER, one per lower-cased username,
retires what a username leads to (the member, their timezone). The activity calendar ends on
its owner's today: the body and the anonymous page are kept apart by that day too.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from config.cache import Guesses, read_ahead
from config.caching import Cached, M2MRule, Rule, Token, user_token_keys
from config.live import Topic as LiveTopic
from config.page_cache import Page
from config.slots import SHELL_KEY

User = get_user_model()

USER = Token("user", per_user=True)
PERMISSIONS = Token("permissions", scoped=False)
PROFILE = Token("profile")
PROFILES = Token("profiles", scoped=False)
PROFILE_OWNER = Token("profile-owner")

# Every change to a member's row (a suspension, a password change) makes their open sockets
# check their session and standing again (config.consumers); pages never hear of it.
LIVE_MEMBER = LiveTopic("member", token=USER, own=True, internal=True)

SIGNED_IN_USER = Cached(
    "user",
    key=("user_id",),
    tokens=lambda user_id: [USER.key(user_id)],
    timeout="user",
    build=None,  # the authentication backend's own get_user
)
PERMISSION_SET = Cached(
    "permissions",
    key=("user_id", "is_superuser"),
    tokens=lambda user_id, is_superuser: [PERMISSIONS.key()],
    timeout="permissions",
    build=None,  # Django's ModelBackend.get_all_permissions
)


@dataclass(frozen=True)
class ProfileOwner:
    """Who a profile's URL leads to: enough to find their cached profile without reading them."""

    id: int
    timezone: str

    def today(self) -> date:
        """The calendar's last day: today where the owner lives."""
        return timezone.localtime(timezone.now(), ZoneInfo(self.timezone)).date()


def profile_tokens(user_id: int) -> list[str]:
    return [PROFILE.key(user_id), PROFILES.key()]


def member_token_keys(user_id) -> list[str]:
    """The tokens read when a signed-in member is loaded (accounts.backends): theirs, and the
    permissions'. config.sessions reads them with the session, when it knows whose it is."""
    return [*user_token_keys(user_id), PERMISSIONS.key()]


PROFILE_OWNER_OF = Cached(
    "profile-owner",  # the active member with a username (lower-cased), or None: not kept
    key=("username",),
    tokens=lambda username: [PROFILE_OWNER.key(username)],
    timeout="user",
    build="accounts.selectors.find_profile_owner",
)
PROFILE_BODY = Cached(
    "profile-body",  # the profile below the header, for its owner or for everyone else; rendered by the view
    key=("user_id", "variant", "day"),
    tokens=lambda user_id, variant, day: profile_tokens(user_id),
    timeout="fragment",
    build=None,
    per_language=True,
)
ACCOUNT_MENU = Cached(
    # A member's account menu in the header of a page shared by signed-in visitors, its CSRF
    # token a slot (config.slots.render_page): all it shows is theirs (their name and roles,
    # their unread count), so it is retired by their tokens; a mentor's counts change with time
    # (claims that run out), so theirs is rendered for each request (config.slots.PER_REQUEST).
    "account-menu",
    key=("user_id",),
    tokens=lambda user_id: member_token_keys(user_id),
    timeout="user",
    build=None,
    per_language=True,
)
PROFILE_SHELL = Cached(
    "profile-shell",  # the profile page around its body, for every signed-in visitor (config.slots.render_page)
    key=("user_id", *SHELL_KEY),
    tokens=lambda user_id, **where: [PROFILE.key(user_id)],
    timeout="fragment",
    build=None,
    per_language=True,
)


# The member each username led to when this process last served their profile (a few
# thousand at most): a guess, checked by the owner's token, so that the profile's own tokens are
# read in the owner's round trip.
_LAST_OWNER_ID = Guesses()


def _profile_owner(username: str) -> ProfileOwner | None:
    from accounts.selectors import profile_owner

    return profile_owner(username=username)


def _profile_page_tokens(request, username, **kwargs) -> list[str]:
    """The profile's tokens, read in one round trip with the owner's (PROFILE_OWNER) when this
    process has served the profile before: the page needs the owner's id to name its tokens,
    and a username rarely changes hands. A wrong guess reads one token more, and the right one
    after; what is served always follows the owner's own token."""
    guess = _LAST_OWNER_ID.get(username.lower())
    if guess is not None:
        read_ahead(*profile_tokens(guess))
    owner = _profile_owner(username)
    if owner is None:
        return [PROFILE_OWNER.key(username.lower())]
    _LAST_OWNER_ID.remember(username.lower(), owner.id)
    # The owner's token too (read already, to find them): who the name belongs to is part of the page.
    return [*profile_tokens(owner.id), PROFILE_OWNER.key(username.lower())]


def _profile_page_day(request, username, **kwargs) -> list[str]:
    owner = _profile_owner(username)
    return [owner.today().isoformat()] if owner else []


def _profile_page_day_ends(request, username, **kwargs) -> float:
    """The owner's next midnight, when the calendar moves on a day."""
    owner = _profile_owner(username)
    if owner is None:
        return float("inf")
    tomorrow = datetime.combine(owner.today() + timedelta(days=1), time.min, ZoneInfo(owner.timezone))
    return tomorrow.timestamp()


PROFILE_PAGE = Page(
    "profile", tokens=_profile_page_tokens, varies=_profile_page_day, varies_until=_profile_page_day_ends
)

# What the profile shows of the member's own row. A new member's profile is not cached yet.
PROFILE_FIELDS = frozenset(
    {
        "username",
        "display_name",
        "bio",
        "date_joined",
        "timezone",
        "is_progress_public",
        "is_active",
        "is_staff",
        "is_superuser",
    }
)


def _members_of(group_ids) -> list[int]:
    return list(User.objects.filter(groups__in=group_ids).values_list("pk", flat=True).distinct())


Rule(User, lambda user: [USER.key(user.pk)])
Rule(User, lambda user: [PROFILE.key(user.pk)], fields=PROFILE_FIELDS, on_create=False)
Rule(
    User,
    lambda user: [PROFILE_OWNER.key(user.username.lower())],
    fields=frozenset({"username", "is_active", "timezone"}),
    before=frozenset({"username"}),
)
for _model in (Group, Permission):
    Rule(_model, lambda row: [PERMISSIONS.key()])
for _through, _reverse in (
    (User.groups.through, "user_set"),
    (User.user_permissions.through, "user_set"),
    (Group.permissions.through, "group_set"),
):
    M2MRule(_through, lambda ids: [PERMISSIONS.key()], reverse_set=_reverse)
# Roles show as the profile's Mentor badge (and its "Mentoring" section): joining or leaving a
# group, a permission given or taken, a group's permissions changed or the group deleted (its
# memberships go by cascade, with no m2m_changed).
M2MRule(User.groups.through, lambda user_ids: PROFILE.keys(user_ids), reverse_set="user_set")
M2MRule(User.user_permissions.through, lambda user_ids: PROFILE.keys(user_ids), reverse_set="user_set")
M2MRule(
    Group.permissions.through, lambda group_ids: PROFILE.keys(_members_of(group_ids)), reverse_set="group_set"
)
Rule(Group, lambda group: PROFILE.keys(_members_of([group.pk])), fields=frozenset(), on_create=False)
