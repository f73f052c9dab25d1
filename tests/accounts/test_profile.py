import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_profile_shows_display_name_bio_and_join_date(client, learner):
    learner.bio = "Backend newcomer."
    learner.save()
    response = client.get(reverse("accounts:profile", args=[learner.username]))
    assert response.status_code == 200
    assert learner.display_name in response.text
    assert "Backend newcomer." in response.text
    assert "joined" in response.text


def test_profile_lookup_ignores_case(client, learner):
    assert client.get(f"/u/{learner.username.upper()}/").status_code == 200


def test_unknown_profile_is_404(client):
    response = client.get("/u/nobody-here/")
    assert response.status_code == 404
    assert "We could not find that page" in response.text


def test_inactive_profile_is_404(client, learner):
    learner.is_active = False
    learner.save()
    assert client.get(reverse("accounts:profile", args=[learner.username])).status_code == 404


def test_profile_bio_is_escaped(client, learner):
    learner.bio = "<script>alert(1)</script>"
    learner.save()
    response = client.get(reverse("accounts:profile", args=[learner.username]))
    assert "<script>alert(1)</script>" not in response.text
