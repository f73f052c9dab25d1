"""Neither sign-up nor password reset tells a visitor whether an address has an account."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, learner):
    known = client.post(reverse("account_reset_password"), {"email": learner.email}, follow=True)
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert known.text.replace(learner.email, "X") == unknown.text.replace("nobody@example.com", "X")
    # The owner of the unknown address learns, by email, that no account exists.
    assert sorted(message.to[0] for message in mail.outbox) == sorted(["nobody@example.com", learner.email])


def test_signup_answers_the_same_for_a_taken_address(client, learner):
    taken = client.post(
        reverse("account_signup"),
        {
            "email": learner.email,
            "username": "someone",
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
        },
    )
    client.logout()
    fresh = client.post(
        reverse("account_signup"),
        {
            "email": "fresh@example.com",
            "username": "someone2",
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
        },
    )
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    assert User.objects.filter(email__iexact=learner.email).count() == 1
    assert any(learner.email in message.to for message in mail.outbox)
