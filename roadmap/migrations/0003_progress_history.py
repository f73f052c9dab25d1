"""The progress history, and the progress kept so far carried over into it once: each row's
status at its last change, and its verification when it has one."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("roadmap", "0002_progress_verified_by"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ProgressEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("learning", "Started learning"),
                            ("done", "Done"),
                            ("skipped", "Skipped"),
                            ("reset", "Reset"),
                            ("verified", "Verified by a mentor"),
                        ],
                        max_length=10,
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("page", "Site"),
                            ("api", "API"),
                            ("admin", "Admin"),
                            ("import", "Import or command"),
                            ("other", "Shell or task"),
                        ],
                        max_length=10,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "topic",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="progress_events",
                        to="roadmap.topic",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="progress_events",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["created_at", "pk"],
                "indexes": [
                    models.Index(fields=["user", "created_at"], name="roadmap_pro_user_id_1218a0_idx"),
                    models.Index(fields=["topic", "created_at"], name="roadmap_pro_topic_i_48714d_idx"),
                ],
            },
        ),
        migrations.RunSQL(
            sql=[
                """
                INSERT INTO roadmap_progressevent (user_id, topic_id, kind, source, created_at)
                SELECT user_id, topic_id, status, 'import', updated_at FROM roadmap_progress
                """,
                """
                INSERT INTO roadmap_progressevent (user_id, topic_id, kind, source, created_at)
                SELECT user_id, topic_id, 'verified', 'import', verified_at FROM roadmap_progress
                WHERE verified_at IS NOT NULL
                """,
            ],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
