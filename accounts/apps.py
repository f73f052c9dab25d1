from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from config import language


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from accounts import caches  # noqa: F401  (its rules retire the cached users and permissions)
        from accounts.setup import mentors_group_and_site

        post_migrate.connect(mentors_group_and_site, sender=self, dispatch_uid="accounts.setup")
        user_logged_in.connect(_apply_saved_language, dispatch_uid="accounts.language")


def _apply_saved_language(sender, request, user, **kwargs):
    """Signing in brings the member's saved language, and keeps it in this browser's cookie."""
    if request is not None:
        language.apply_saved_choice(request, user)
