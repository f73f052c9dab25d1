from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.models import MENTORS_GROUP, User
from config.language import filled_in


class RoleFilter(admin.SimpleListFilter):
    """The roles of accounts.roles; an admin who also holds the mentor permission is an admin."""

    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [("learner", _("Learner")), ("mentor", _("Mentor")), ("admin", _("Admin"))]

    def queryset(self, request, queryset):
        if self.value() == "admin":
            return queryset.filter(roles.admin_q())
        if self.value() == "mentor":
            return queryset.filter(roles.mentor_q()).exclude(roles.admin_q())
        if self.value() == "learner":
            return queryset.exclude(roles.admin_q()).exclude(roles.mentor_q())
        return queryset


class VerifiedFilter(admin.SimpleListFilter):
    title = _("verified email")
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", _("Verified")), ("no", _("Not verified"))]

    def queryset(self, request, queryset):
        if self.value() in {"yes", "no"}:
            return queryset.filter(has_verified_email=self.value() == "yes")
        return queryset


class SuspendedFilter(admin.SimpleListFilter):
    title = _("suspended")
    parameter_name = "suspended"

    def lookups(self, request, model_admin):
        return [("yes", _("Suspended now")), ("no", _("Not suspended"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(roles.suspended_q())
        if self.value() == "no":
            return queryset.exclude(roles.suspended_q())
        return queryset


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["-date_joined"]
    list_display = [
        "username",
        "email",
        "display_name",
        "is_verified",
        "is_staff",
        "suspended_until",
        "date_joined",
    ]
    list_filter = [RoleFilter, VerifiedFilter, SuspendedFilter, "is_active", "digest_frequency"]
    search_fields = ["email", "username", "display_name"]
    show_full_result_count = False
    readonly_fields = ["date_joined", "last_login"]
    filter_horizontal = ["groups", "user_permissions"]
    fieldsets = [
        (None, {"fields": ["email", "username", "password"]}),
        (_("Profile"), {"fields": ["display_name", "bio", "timezone", "is_progress_public"]}),
        (_("Digest"), {"fields": ["digest_frequency", "digest_hour"]}),
        (_("Moderation"), {"fields": ["suspended_until", "suspension_reason"]}),
        (_("Roles"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"],
                      "description": filled_in(
                          _("Add a user to the “%(group)s” group to make them a mentor "
                            "(or give them “%(permission)s”)."),
                          # As stored in the database, in English.
                          group=MENTORS_GROUP, permission="Can moderate threads, comments and flags")}),
        (_("Dates"), {"fields": ["date_joined", "last_login"]}),
    ]  # fmt: skip
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "username", "password1", "password2"]})]

    def get_queryset(self, request):
        verified = EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)
        return super().get_queryset(request).annotate(has_verified_email=Exists(verified))

    @admin.display(boolean=True, description=_("verified"), ordering="has_verified_email")
    def is_verified(self, user):
        return user.has_verified_email
