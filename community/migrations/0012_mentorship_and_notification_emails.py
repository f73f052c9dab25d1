"""Joins the two lines of migrations made side by side: review requests and notification emails."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0009_review_requests"),
        ("community", "0011_new_thread_notifications"),
    ]

    operations = []
