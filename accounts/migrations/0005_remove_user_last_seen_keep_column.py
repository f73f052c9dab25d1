"""User.last_seen was never written or read (only shown, always empty, in the admin): the
field leaves the model here. Its column, nullable, stays for one release, so that the release
still serving traffic while this one migrates, or a rollback to it, can read users as before
(docs/deployment.md); the release after drops the column."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_iexact_lookup_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="user", name="last_seen")],
        ),
    ]
