import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "newcomer@example.com",
    "username": "newcomer",
    "password1": "a-long-enough-passphrase",
    "password2": "a-long-enough-passphrase",
}


def confirmation_link(message):
    return re.search(r"http://testserver(/accounts/confirm-email/[^/\s]+/)", message.body).group(1)


def test_signup_sends_a_verification_email_and_confirming_it_allows_login(client):
    response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="newcomer@example.com")
    assert user.username == "newcomer"
    assert not EmailAddress.objects.get(user=user).verified

    assert len(mail.outbox) == 1
    link = confirmation_link(mail.outbox[0])
    assert client.get(link).status_code == 200  # shows a confirm button; GET changes nothing
    assert not EmailAddress.objects.get(user=user).verified
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified

    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "NEWCOMER@example.com", "password": SIGNUP["password1"]}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == user


def test_login_is_refused_until_the_email_is_verified(client):
    client.post(reverse("account_signup"), SIGNUP)
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_signup_with_a_bad_username_explains_and_keeps_what_was_typed(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "username": "no spaces!"})
    assert response.status_code == 200
    assert "letters, digits, hyphens and underscores" in response.text
    assert 'value="newcomer@example.com"' in response.text
    assert not User.objects.exists()


@pytest.mark.parametrize("username", ["site_admin", "Mentor-", "support-team", "StepwiseHelp", "adm1n"])
def test_signup_with_a_username_that_claims_a_role_is_refused(client, username):
    response = client.post(reverse("account_signup"), {**SIGNUP, "username": username})

    assert response.status_code == 200
    assert "it would look like a role on Stepwise" in response.text
    assert f'value="{username}"' in response.text
    assert not User.objects.exists()


def test_signup_with_the_display_name_of_a_mentor_as_username_is_refused(client, mentor):
    mentor.display_name = "Grace Hopper"
    mentor.save()

    response = client.post(reverse("account_signup"), {**SIGNUP, "username": "grace_hopper"})

    assert response.status_code == 200
    assert "too close to the name of a mentor or admin" in response.text
    assert not User.objects.filter(username="grace_hopper").exists()


def test_signup_refuses_a_weak_password(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "password1": "short", "password2": "short"})
    assert "too short" in response.text
    assert not User.objects.exists()


def test_usernames_are_unique_whatever_their_case(client, learner):
    response = client.post(reverse("account_signup"), {**SIGNUP, "username": learner.username.upper()})
    assert "already" in response.text
    assert User.objects.count() == 1


def test_logout_needs_a_post(learner_client):
    learner_client.get(reverse("account_logout"))
    assert learner_client.get(reverse("home")).context["user"].is_authenticated
    learner_client.post(reverse("account_logout"))
    assert not learner_client.get(reverse("home")).context["user"].is_authenticated


def test_the_confirmation_email_names_the_host_its_link_points_at(client):
    client.post(reverse("account_signup"), SIGNUP, headers={"host": "127.0.0.1:8300"})
    body = mail.outbox[0].body
    assert "http://127.0.0.1:8300/accounts/confirm-email/" in body
    assert "register an account on 127.0.0.1:8300." in body
    assert "8000" not in body
