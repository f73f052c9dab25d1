"""What the apps' admins share."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the site writes and nobody edits: they can be listed and read, nothing more."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
