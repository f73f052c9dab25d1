"""Authentication backend: Django's ModelBackend with each user's permissions cached.

Django reads a signed-in user's permissions from the database (two queries) on the first
permission check of every request; Stepwise checks one (mentor powers) on most pages. Here
the set is cached under a version token that any change to groups, memberships or
permissions bumps, at once and again after the commit, so a mentor whose role is taken away
loses its powers with their next request. Superuser and active flags live on the user row,
which is read fresh each request, and are part of the key.
"""

from django.contrib.auth.backends import ModelBackend
from django.db import transaction

from config.cache import bump_version_tokens, version_tokens, versioned_get_or_set

PERMISSIONS_KEY = "auth:permissions:version"
PERMISSIONS_TIMEOUT = 60 * 60


class CachedPermissionsBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            (token,) = version_tokens(PERMISSIONS_KEY)
            key = f"auth:permissions:{token}:{user_obj.pk}:{int(user_obj.is_superuser)}"
            permissions = versioned_get_or_set(
                key, lambda: frozenset(super(CachedPermissionsBackend, self).get_all_permissions(user_obj)),
                PERMISSIONS_TIMEOUT,
            )  # fmt: skip
            user_obj._perm_cache = set(permissions)
        return user_obj._perm_cache


def permissions_changed(**kwargs) -> None:
    """Receiver for every signal that can change who holds which permission."""

    def bump():
        bump_version_tokens(PERMISSIONS_KEY)

    bump()
    transaction.on_commit(bump)
