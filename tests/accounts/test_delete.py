import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User

pytestmark = pytest.mark.django_db


def login(user, password):
    client = Client()
    assert (
        client.post(reverse("account_login"), {"login": user.email, "password": password}).status_code == 302
    )
    return client


def test_wrong_password_keeps_the_account(learner_client, learner):
    response = learner_client.post(reverse("accounts:delete"), {"password": "wrong"})
    assert response.status_code == 400
    assert "not right" in response.text
    assert User.objects.filter(pk=learner.pk).exists()


def test_deleting_removes_personal_data_and_ends_every_session(learner, password):
    laptop, phone = login(learner, password), login(learner, password)
    mail.outbox.clear()

    response = laptop.post(reverse("accounts:delete"), {"password": password})

    assert response.status_code == 302
    assert not User.objects.filter(pk=learner.pk).exists()
    assert not EmailAddress.objects.filter(email=learner.email).exists()
    assert not laptop.get(reverse("home")).context["user"].is_authenticated
    assert not phone.get(reverse("home")).context["user"].is_authenticated
    assert mail.outbox == []


def test_delete_page_needs_login(client):
    assert client.get(reverse("accounts:delete")).status_code == 302
