"""Removes the suspend_learner permission: nothing ever checked it. Warning and suspending
are moderation acts, bounded by community.permissions.can_moderate_user like every other,
and a mentor is whoever holds moderate_community (accounts.roles)."""

from django.db import migrations

SUSPEND_LEARNER = ("suspend_learner", "Can warn and suspend learners")


def remove_suspend_learner(apps, schema_editor):
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="accounts", codename=SUSPEND_LEARNER[0]
    ).delete()


def restore_suspend_learner(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    user_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="user")
    codename, name = SUSPEND_LEARNER
    permission, _ = Permission.objects.get_or_create(
        content_type=user_type, codename=codename, defaults={"name": name}
    )
    for group in apps.get_model("auth", "Group").objects.filter(name="Mentors"):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_remove_user_last_seen_keep_column"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="user",
            options={"permissions": [("moderate_community", "Can moderate threads, comments and flags")]},
        ),
        migrations.RunPython(remove_suspend_learner, restore_suspend_learner),
    ]
