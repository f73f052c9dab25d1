"""DRF permission classes over the one policy, community.permissions: they decide nothing
themselves. The services check the same rules again when they write."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import SAFE_METHODS, BasePermission

from community import permissions


class CanPost(BasePermission):
    """Writing a post needs an active account with a verified email that is not suspended."""

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        self.message = permissions.posting_block(request.user)
        return not self.message


class CanChangePost(BasePermission):
    """Authors edit (PATCH) and delete (DELETE) their own threads and comments."""

    def has_object_permission(self, request, view, post):
        if request.method in SAFE_METHODS:
            return True
        allowed = (
            permissions.can_delete(request.user, post)
            if request.method == "DELETE"
            else permissions.can_edit(request.user, post)
        )
        if not allowed:
            if not permissions.is_author(request.user, post):
                self.message = _("You can only change your own posts.")
            else:
                self.message = permissions.posting_block(request.user) or _(
                    "This post can no longer be changed."
                )
        return allowed


class CanFollow(BasePermission):
    message = gettext_lazy("Log in to follow and save threads.")

    def has_permission(self, request, view):
        return permissions.can_follow(request.user)


class IsModerator(BasePermission):
    message = gettext_lazy("Only mentors and admins can moderate.")

    def has_permission(self, request, view):
        return permissions.is_moderator(request.user)
