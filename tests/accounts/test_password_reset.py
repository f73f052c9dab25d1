import re

import pytest
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_password_reset_email_link_sets_a_new_password(client, learner):
    response = client.post(reverse("account_reset_password"), {"email": learner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[0].body).group(1)

    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(
        form_url, {"password1": "a-brand-new-passphrase", "password2": "a-brand-new-passphrase"}
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("a-brand-new-passphrase")


def test_password_change_requires_the_old_password(learner_client, learner, password):
    response = learner_client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "wrong",
            "password1": "a-brand-new-passphrase",
            "password2": "a-brand-new-passphrase",
        },
    )
    assert response.status_code == 200
    learner.refresh_from_db()
    assert learner.check_password(password)


def test_the_reset_email_is_in_the_members_saved_language_not_the_browsers(client, learner):
    """allauth ships German for its emails: the member who chose German reads it, even when
    the reset is asked for from an English browser."""
    client.post(reverse("account_reset_password"), {"email": learner.email}, HTTP_ACCEPT_LANGUAGE="en")
    english_subject = mail.outbox[0].subject
    learner.language = "de"
    learner.save(update_fields=["language"])
    client.post(reverse("account_reset_password"), {"email": learner.email}, HTTP_ACCEPT_LANGUAGE="en")
    german_subject = mail.outbox[1].subject
    assert german_subject != english_subject
    assert "Passwort" in german_subject
