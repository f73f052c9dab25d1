"""The member's timezone: chosen at sign-up, changed in settings, the browser's offered in both
(static/js/app.js), and any value not in zoneinfo refused with a clear message."""

import re

import pytest
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "nora@example.com",
    "username": "nora",
    "password1": "a-long-enough-passphrase",
    "password2": "a-long-enough-passphrase",
}


def timezone_select(page):
    return re.search(r"<select[^>]*name=\"timezone\"[^>]*>", page).group(0)


def test_signup_keeps_the_timezone_chosen(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "timezone": "Europe/Berlin"})
    assert response.status_code == 302
    assert User.objects.get(username="nora").timezone == "Europe/Berlin"


def test_signup_without_a_timezone_starts_on_utc(client):
    assert client.post(reverse("account_signup"), SIGNUP).status_code == 302
    assert User.objects.get(username="nora").timezone == "UTC"


def test_signup_refuses_a_timezone_that_does_not_exist_and_says_so(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "timezone": "Mars/Olympus_Mons"})
    assert response.status_code == 200
    assert "Choose a timezone from the list." in response.text
    assert 'value="nora@example.com"' in response.text
    assert not User.objects.filter(username="nora").exists()


def test_the_signup_form_lists_the_zones_with_utc_chosen_and_asks_the_browser_for_its_own(client):
    page = client.get(reverse("account_signup")).text
    assert "data-timezone-detect" in timezone_select(page)
    assert '<option value="UTC" selected>' in page
    assert '<option value="Europe/Berlin">' in page


def test_settings_offer_the_browsers_timezone_without_changing_the_saved_one(learner_client):
    page = learner_client.get(reverse("accounts:settings")).text
    assert 'data-timezone-detect="offer"' in timezone_select(page)


def test_settings_refuse_a_timezone_that_does_not_exist_and_say_so(learner_client, learner):
    response = learner_client.post(
        reverse("accounts:settings"),
        {"timezone": "Nowhere/Atlantis", "digest_frequency": "weekly", "digest_hour": "8"},
    )
    assert response.status_code == 400
    assert "Choose a timezone from the list." in response.text
    learner.refresh_from_db()
    assert learner.timezone == "UTC"
