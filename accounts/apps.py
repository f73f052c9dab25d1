from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from accounts import caches  # noqa: F401  (its rules retire the cached users and permissions)
        from accounts.setup import mentors_group_and_site

        post_migrate.connect(mentors_group_and_site, sender=self, dispatch_uid="accounts.setup")
