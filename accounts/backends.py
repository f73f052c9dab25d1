"""Authentication backends: Django's (the email, as USERNAME_FIELD) and allauth's (the email or
the username), each with the signed-in user and their permissions cached (accounts.caches says
under which tokens, and which writes retire them).

Code that changes users goes through `save()`, or calls `config.caching.touch()` after a
`QuerySet.update()`, which sends no signal.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend

from accounts.caches import PERMISSION_SET, SIGNED_IN_USER, member_token_keys
from config.caching import own_copy, read_tokens


class CachedUserMixin:
    def get_user(self, user_id):
        read_tokens(*member_token_keys(user_id))
        user = SIGNED_IN_USER.get(
            user_id=user_id, build=lambda: super(CachedUserMixin, self).get_user(user_id)
        )
        # The cached instance is shared by this process's requests; each gets its own copy
        # (Django copies the instance's related-object caches with it).
        return own_copy(user) if user is not None else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            permissions = PERMISSION_SET.get(
                user_id=user_obj.pk,
                is_superuser=user_obj.is_superuser,
                build=lambda: frozenset(super(CachedUserMixin, self).get_all_permissions(user_obj)),
            )
            user_obj._perm_cache = set(permissions)
        return user_obj._perm_cache


class CachedModelBackend(CachedUserMixin, ModelBackend):
    """The email (the model's USERNAME_FIELD) and password."""


class CachedEmailBackend(CachedUserMixin, AuthenticationBackend):
    """Email or username, and password (allauth's login form, and the admin's for a username)."""
