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
