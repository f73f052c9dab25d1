from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from accounts.backends import permissions_changed, user_saved_or_deleted

        user = get_user_model()
        for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):
            m2m_changed.connect(permissions_changed, sender=through, dispatch_uid=f"permissions-{through}")
        for model in (Group, Permission):
            post_save.connect(permissions_changed, sender=model, dispatch_uid=f"permissions-save-{model}")
            post_delete.connect(permissions_changed, sender=model, dispatch_uid=f"permissions-delete-{model}")
        post_save.connect(user_saved_or_deleted, sender=user, dispatch_uid="user-saved")
        post_delete.connect(user_saved_or_deleted, sender=user, dispatch_uid="user-deleted")
