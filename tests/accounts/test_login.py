"""Signing in: with the username or the email address, on the site's form and the admin's."""

import re

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def log_in(client, login, password):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def is_signed_in(client):
    return client.get(reverse("home")).context["user"].is_authenticated


@pytest.mark.parametrize("typed", ["learner", "LEARNER", "learner@example.com", "Learner@Example.com"])
def test_a_member_signs_in_with_their_username_or_their_email(client, learner, password, typed):
    response = log_in(client, typed, password)
    assert response.status_code == 302
    assert is_signed_in(client)


def test_the_login_field_is_labelled_for_both_and_a_browser_accepts_a_username(client):
    page = client.get(reverse("account_login")).text
    field = re.search(r"<input[^>]*name=\"login\"[^>]*>", page).group(0)
    assert 'type="text"' in field and 'autocomplete="username"' in field
    assert re.search(r"<label for=\"id_login\">\s*Username or email\s*</label>", page)


def test_a_wrong_password_reads_the_same_for_a_username_an_email_and_an_unknown_name(client, learner):
    answers = [
        re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", log_in(Client(), typed, "wrong").text).replace(
            typed, "X"
        )
        for typed in ("learner", "learner@example.com", "nobody", "nobody@example.com")
    ]
    assert len(set(answers)) == 1
    assert "That username or email and password do not match." in answers[0]


def test_the_admin_signs_in_to_the_admin_site_with_their_email_or_username(admin_user, password):
    for typed in ("boss@example.com", "boss"):
        client = Client()
        response = client.post(
            reverse("admin:login"), {"username": typed, "password": password, "next": "/admin/"}
        )
        assert response.status_code == 302 and response["Location"] == "/admin/", typed
        assert client.get("/admin/").status_code == 200


def test_the_first_sign_in_after_signing_up_welcomes_and_points_to_the_roadmap_later_ones_welcome_back(
    client, password
):
    from roadmap.models import Roadmap
    from tests.factories import UserFactory, build_roadmap

    build_roadmap(topics=2, sections=1, with_resources=False)
    roadmap = Roadmap.objects.get()
    newcomer = UserFactory(username="nora", email="nora@example.com", display_name="", last_login=None)

    log_in(client, "nora", password)
    first = client.get(reverse("home")).text
    assert "Welcome to Stepwise, nora" in first and "Welcome back" not in first
    assert f'href="{roadmap.get_absolute_url()}"' in first
    assert "Welcome to Stepwise" in client.get(reverse("home")).text  # the whole first visit

    client.post(reverse("account_logout"))
    log_in(client, newcomer.email, password)
    later = client.get(reverse("home")).text
    assert "Welcome back, nora" in later and "Welcome to Stepwise" not in later
