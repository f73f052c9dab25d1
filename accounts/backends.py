"""Authentication backends: Django's (username, for the admin) and allauth's (email), each
with the signed-in user and their permissions cached.

Every request of a signed-in visitor loads their user row, and most check a permission
(mentor powers), which Django reads with two more queries. Here both are cached under
version tokens, read in one round trip:

- the user under a token of their own (read together with the tokens other apps cache that
  user's things under, accounts.hooks.register_user_token_key), bumped whenever the row is
  saved or deleted (a password change, a suspension, a new last-login), at once and again
  after the commit, so the next request sees the change; the session check against the
  password hash then works on the fresh row, so a password change still signs out the other
  sessions;
- the permission set under one token that any change to groups, memberships or permissions
  bumps, so a mentor whose role is taken away loses its powers with their next request.
  Superuser and active flags come from the user and are part of the key.

Code that changes users must go through `save()` (or call `user_changed`), never
`QuerySet.update()`, which sends no signal.
"""

import copy

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.db import transaction

from accounts import hooks
from config.cache import bump_version_tokens, version_tokens, versioned_get_or_set

PERMISSIONS_KEY = "auth:permissions:version"
PERMISSIONS_TIMEOUT = 60 * 60
# Short: should a bump be lost (config.cache.ResilientRedisCache.set_many_now), a changed
# user is read afresh within this many seconds anyway.
USER_TIMEOUT = 60 * 5


def user_version_key(user_id) -> str:
    return f"auth:user:{user_id}:version"


class CachedUserMixin:
    def get_user(self, user_id):
        user_token, *_ = version_tokens(
            user_version_key(user_id), PERMISSIONS_KEY, *hooks.user_token_keys(user_id)
        )
        user = versioned_get_or_set(
            f"auth:user:{user_id}:{user_token}",
            lambda: super(CachedUserMixin, self).get_user(user_id),
            USER_TIMEOUT,
        )
        # The cached instance is shared by this process's requests; each gets its own copy
        # (Django copies the instance's related-object caches with it).
        return copy.copy(user) if user is not None else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            (token,) = version_tokens(PERMISSIONS_KEY)
            key = f"auth:permissions:{token}:{user_obj.pk}:{int(user_obj.is_superuser)}"
            permissions = versioned_get_or_set(
                key, lambda: frozenset(super(CachedUserMixin, self).get_all_permissions(user_obj)),
                PERMISSIONS_TIMEOUT,
            )  # fmt: skip
            user_obj._perm_cache = set(permissions)
        return user_obj._perm_cache


class CachedModelBackend(CachedUserMixin, ModelBackend):
    """Username and password (the admin's login form)."""


class CachedEmailBackend(CachedUserMixin, AuthenticationBackend):
    """Email and password (allauth's login form, the site's)."""


def _bump_after_commit(*keys: str) -> None:
    def bump():
        bump_version_tokens(*keys)

    bump()
    transaction.on_commit(bump)


def permissions_changed(**kwargs) -> None:
    """Receiver for every signal that can change who holds which permission."""
    _bump_after_commit(PERMISSIONS_KEY)


def user_changed(*, user_id) -> None:
    """This user's row changed: their next request reads it again."""
    _bump_after_commit(user_version_key(user_id))


def user_saved_or_deleted(sender, instance, **kwargs) -> None:
    user_changed(user_id=instance.pk)
