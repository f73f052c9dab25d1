"""Signing in to the API: personal tokens (Bearer or Token), sessions with CSRF, and 401s."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.models import ApiToken
from tests.api.helpers import error_of

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def test_a_bearer_token_signs_the_request_in(api, learner):
    _, key = account_services.create_api_token(user=learner, name="cli")
    response = api.get(ME, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response.json()["username"] == learner.username


def test_the_token_keyword_works_too(api, learner):
    _, key = account_services.create_api_token(user=learner, name="cli")
    assert api.get(ME, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Bearer not-a-real-token-at-all", "Bearer ", "Bearer two words", "Token short"],
    ids=["unknown", "empty", "two-words", "short"],
)
def test_a_bad_token_answers_401_with_a_challenge(api, learner, header):
    response = api.get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert error_of(response)["code"] == "authentication_failed"


def test_a_token_with_the_right_prefix_but_another_key_is_refused(api, learner):
    token, key = account_services.create_api_token(user=learner, name="cli")
    forged = key[: ApiToken.PREFIX_LENGTH] + "x" * (len(key) - ApiToken.PREFIX_LENGTH)
    assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401


def test_an_inactive_members_token_answers_401(api, learner):
    _, key = account_services.create_api_token(user=learner, name="cli")
    learner.is_active = False
    learner.save()
    response = api.get(ME, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401
    assert "not active" in error_of(response)["message"]


def test_a_revoked_token_answers_401(api, learner):
    token, key = account_services.create_api_token(user=learner, name="cli")
    assert account_services.revoke_api_token(user=learner, token_id=token.pk)
    assert api.get(ME, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_using_a_token_records_when_it_was_last_used(api, learner):
    token, key = account_services.create_api_token(user=learner, name="cli")
    assert token.last_used_at is None
    api.get(ME, HTTP_AUTHORIZATION=f"Bearer {key}")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_use_is_written_at_most_once_a_minute(api, learner):
    token, key = account_services.create_api_token(user=learner, name="cli")
    recently = timezone.now() - timedelta(seconds=20)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=recently)
    api.get(ME, HTTP_AUTHORIZATION=f"Bearer {key}")
    token.refresh_from_db()
    assert token.last_used_at == recently

    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=2))
    api.get(ME, HTTP_AUTHORIZATION=f"Bearer {key}")
    token.refresh_from_db()
    assert token.last_used_at > recently


def test_the_database_holds_only_a_hash_of_the_key(learner):
    token, key = account_services.create_api_token(user=learner, name="cli")
    assert len(key) >= 40
    row = ApiToken.objects.values().get(pk=token.pk)
    assert key not in [str(value) for value in row.values()]
    assert row["key_hash"] == ApiToken.hash_key(key)
    assert row["key_prefix"] == key[: ApiToken.PREFIX_LENGTH]


def test_an_unauthenticated_write_answers_401_with_a_clear_body(api, roadmap_topics):
    response = api.post("/api/v1/threads/", {"title": "x"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    error = error_of(response)
    assert error["code"] == "not_authenticated"
    assert "Authorization: Bearer" in error["message"]


def test_an_anonymous_read_needs_no_sign_in_and_sets_no_cookie(api, roadmap_topics):
    response = api.get("/api/v1/roadmaps/")
    assert response.status_code == 200
    assert not response.cookies


def test_a_session_signs_in_a_browser(learner):
    client = APIClient()
    client.force_login(learner)
    assert client.get(ME).json()["username"] == learner.username


def test_a_session_write_without_the_csrf_token_is_refused(learner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(learner)
    response = client.patch(ME, {"bio": "Hi"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in error_of(response)["message"]


def test_a_session_write_with_the_csrf_token_goes_through(learner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(learner)
    client.get("/settings/")
    token = client.cookies["csrftoken"].value
    response = client.patch(ME, {"bio": "Hi"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert response.json()["bio"] == "Hi"


def test_a_token_write_needs_no_csrf_token(learner):
    _, key = account_services.create_api_token(user=learner, name="cli")
    client = APIClient(enforce_csrf_checks=True)
    response = client.patch(ME, {"bio": "Hi"}, format="json", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
