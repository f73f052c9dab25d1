"""Creates the Mentors group with the moderation permissions, and names the site."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import migrations

MENTOR_PERMISSIONS = [
    ("moderate_community", "Can moderate threads, comments and flags"),
    ("suspend_learner", "Can warn and suspend learners"),
]


def create_mentors_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    user_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="user")
    group, _ = Group.objects.get_or_create(name="Mentors")
    for codename, name in MENTOR_PERMISSIONS:
        permission, _ = Permission.objects.get_or_create(
            content_type=user_type, codename=codename, defaults={"name": name}
        )
        group.permissions.add(permission)


def remove_mentors_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Mentors").delete()


def name_site(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    domain = urlsplit(settings.SITE_URL).netloc or "127.0.0.1:8000"
    Site.objects.update_or_create(pk=settings.SITE_ID, defaults={"domain": domain, "name": "Stepwise"})


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sites", "0002_alter_domain_unique"),
    ]

    operations = [
        migrations.RunPython(create_mentors_group, remove_mentors_group),
        migrations.RunPython(name_site, migrations.RunPython.noop),
    ]
