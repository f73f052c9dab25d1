"""Reads about users, for views and for the other apps."""

from allauth.account.models import EmailAddress
from django.contrib.auth.backends import ModelBackend
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from accounts import roles
from accounts.caches import PROFILE_OWNER_OF, ProfileOwner
from accounts.models import ApiToken, User


def public_profile(*, username: str) -> User:
    """The active user with this username (any case), or 404; their role read with them."""
    users = User.objects.annotate(is_mentor=roles.is_mentor_annotation("pk"))
    return get_object_or_404(users, username__iexact=username, is_active=True)


def profile_owner(*, username: str) -> ProfileOwner | None:
    """Who /u/<username>/ shows, or None: cached, so that a cached profile is served without
    reading the member."""
    return PROFILE_OWNER_OF.get(username=username.lower())


def find_profile_owner(*, username: str) -> ProfileOwner | None:
    found = (
        User.objects.filter(username__iexact=username, is_active=True).values_list("pk", "timezone").first()
    )
    return ProfileOwner(id=found[0], timezone=found[1]) if found else None


def has_verified_email(user) -> bool:
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_has_verified_email", None)
    if cached is None:
        cached = EmailAddress.objects.filter(user=user, verified=True).exists()
        remember_verified_email(user, cached)
    return cached


def remember_verified_email(user, verified: bool) -> None:
    """Note on this user instance (one request's) what a query that read it anyway found."""
    user._has_verified_email = verified


def api_tokens(*, user):
    """A member's personal API tokens, newest first (never their keys: only hashes are kept)."""
    return ApiToken.objects.filter(user=user)


def active_users_by_username(*, usernames: list[str]) -> dict[str, User]:
    """Active users whose username matches one of `usernames` in any case, keyed by lower-case name."""
    matches = User.objects.annotate(username_lower=Lower("username")).filter(
        username_lower__in=[name.lower() for name in usernames], is_active=True
    )
    return {user.username_lower: user for user in matches}


def staff_and_mentor_names(*, exclude_user_id=None) -> list[str]:
    """The usernames and display names of admins and mentors, suspended or not (no one
    else may take them)."""
    names = (
        User.objects.filter(roles.admin_q() | roles.mentor_q())
        .exclude(pk=exclude_user_id)
        .values_list("username", "display_name")
    )
    return [name for pair in names for name in pair if name]


STANDING_FIELDS = ("is_active", "is_staff", "is_superuser", "suspended_until", "suspension_reason")


def refresh_standing(user, *, permissions: bool = False) -> None:
    """Read again from the database what decides a user's powers: active, staff, suspended
    (and, with `permissions`, the permissions their groups give), onto `user`.

    Pages read the signed-in user and their permissions from the cache. A write must not: a
    version bump lost while Redis was unreachable could leave a suspended member, or a mentor
    whose role was taken away, cached as they were. Every service that writes on someone's
    behalf calls this first, so such a change takes effect on their next request.
    """
    if not user.is_authenticated:
        return
    current = User.objects.filter(pk=user.pk).values(*STANDING_FIELDS).first()
    if current is None:
        user.is_active = False
        return
    for name, value in current.items():
        setattr(user, name, value)
    if permissions:
        for cached in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_perm_answers"):
            if hasattr(user, cached):  # request.user is a lazy proxy: delattr reaches the user
                delattr(user, cached)
        ModelBackend().get_all_permissions(user)  # reads them afresh into user._perm_cache
