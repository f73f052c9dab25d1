"""The signed-in user comes from the cache, and every change to them reaches their next request."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from community import moderation, services
from tests.factories import MentorFactory

pytestmark = pytest.mark.django_db


def user_row_reads(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, sum('FROM "accounts_user"' in query["sql"] for query in queries)


def signed_in(user, password):
    client = Client()
    assert client.login(username=user.email, password=password)
    return client


def test_a_signed_in_visitor_is_read_from_the_database_once(learner_client):
    _, first = user_row_reads(learner_client, reverse("roadmap:roadmap-list"))
    _, second = user_row_reads(learner_client, reverse("roadmap:roadmap-list"))
    assert first == 1
    assert second == 0


def test_a_suspension_shows_on_the_suspended_users_next_page(learner_client, learner):
    user_row_reads(learner_client, reverse("roadmap:roadmap-list"))
    moderation.suspend(
        moderator=MentorFactory(), user=learner, until=timezone.now() + timedelta(days=2), reason="spam"
    )
    response, reads = user_row_reads(learner_client, reverse("roadmap:roadmap-list"))
    assert reads == 1
    assert "Your account is suspended until" in response.text


def test_a_deactivated_account_is_signed_out_at_once(learner_client, learner):
    user_row_reads(learner_client, reverse("roadmap:roadmap-list"))
    learner.is_active = False
    learner.save()
    response = learner_client.get(reverse("accounts:settings"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_changing_the_password_signs_out_the_other_sessions(learner, password):
    laptop, phone = signed_in(learner, password), signed_in(learner, password)
    user_row_reads(phone, reverse("accounts:settings"))  # the phone's user is cached now
    response = laptop.post(
        reverse("account_change_password"),
        {
            "oldpassword": password,
            "password1": "a-brand-new-passphrase",
            "password2": "a-brand-new-passphrase",
        },
    )
    assert response.status_code == 302
    assert laptop.get(reverse("accounts:settings")).status_code == 200
    assert phone.get(reverse("accounts:settings")).status_code == 302


def test_a_new_secret_key_keeps_members_signed_in_only_while_the_old_one_is_a_fallback(
    learner, password, settings
):
    """The check of each session against its member's password is remembered per key."""
    client = signed_in(learner, password)
    assert client.get(reverse("accounts:settings")).status_code == 200
    old = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + old, [old]
    assert client.get(reverse("accounts:settings")).status_code == 200
    other = signed_in(learner, password)  # made with the new key alone
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "another-key-" + old, []
    assert client.get(reverse("accounts:settings")).status_code == 302
    assert other.get(reverse("accounts:settings")).status_code == 302


def test_renaming_shows_in_the_header_of_the_next_page(learner_client, learner):
    user_row_reads(learner_client, reverse("roadmap:roadmap-list"))
    learner.username = "renamed-learner"
    learner.save()
    response, _ = user_row_reads(learner_client, reverse("roadmap:roadmap-list"))
    assert "renamed-learner" in response.text


def test_an_unsubscribe_link_shows_on_the_settings_page(learner_client, learner):
    assert '<option value="weekly" selected>' in learner_client.get(reverse("accounts:settings")).text
    services.turn_off_digests(user=User.objects.get(pk=learner.pk))
    assert '<option value="off" selected>' in learner_client.get(reverse("accounts:settings")).text
