import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_export_downloads_my_data_as_json(learner_client, learner):
    response = learner_client.get(reverse("accounts:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["profile"]["username"] == learner.username
    assert data["email_addresses"] == [{"email": learner.email, "verified": True, "primary": True}]


def test_export_contains_nothing_of_other_users(learner_client, other_learner):
    response = learner_client.get(reverse("accounts:export"))
    assert other_learner.email not in response.text
    assert other_learner.username not in response.text


def test_export_needs_login(client):
    assert client.get(reverse("accounts:export")).status_code == 302


def test_export_has_my_email_settings_watch_levels_and_notification_emails(learner_client, learner, settings):
    from datetime import timedelta

    from django.utils import timezone

    from community import notification_emails, outbox, services
    from tests.factories import ThreadFactory, UserFactory

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.set_email_preferences(user=learner, modes={"mention": "digest"})
    muted, watched = ThreadFactory(), ThreadFactory(author=learner)
    services.watch_level_set(user=learner, thread=muted, level="muted")
    services.watch_level_set(user=learner, thread=watched, level="watching")
    services.create_comment(thread=watched, author=UserFactory(), body="A reply to tell you about")
    outbox.drain()
    notification_emails.send_due(now=timezone.now() + timedelta(minutes=5))

    data = json.loads(learner_client.get(reverse("accounts:export")).content)["community"]
    assert data["email_settings"] == {"mention": "digest"}
    assert data["muted_threads"] == [muted.pk]
    assert [email["status"] for email in data["notification_emails"]] == ["sent"]
    assert data["notification_emails"][0]["thread"] == watched.pk
