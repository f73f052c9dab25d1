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
