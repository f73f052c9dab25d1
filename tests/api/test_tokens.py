"""Personal API tokens: created in /settings/tokens/ (the key shown once), listed and revoked
there and through the API, and part of the data export (without their keys)."""

import json
import re

import pytest
from django.urls import reverse

from accounts import services as account_services
from accounts.models import ApiToken
from tests.api.helpers import error_of, token_client

pytestmark = pytest.mark.django_db

TOKENS_PAGE = "/settings/tokens/"


def new_key_in(response) -> str:
    match = re.search(r'id="new-token"[^>]*value="([^"]+)"', response.content.decode())
    assert match, "the new key is not on the page"
    return match.group(1)


def test_the_settings_menu_links_to_the_tokens_page(learner_client):
    assert TOKENS_PAGE in learner_client.get(reverse("accounts:settings")).content.decode()


def test_the_tokens_page_needs_login(client):
    assert client.get(TOKENS_PAGE).status_code == 302


def test_a_new_token_is_shown_once_and_works(learner_client, learner):
    response = learner_client.post(TOKENS_PAGE, {"name": "my CLI"})
    assert response.status_code == 201
    assert response["Cache-Control"] == "private, no-store"
    key = new_key_in(response)
    assert token_client(None).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200

    again = learner_client.get(TOKENS_PAGE)
    assert key not in again.content.decode()
    assert "my CLI" in again.content.decode()
    assert key[: ApiToken.PREFIX_LENGTH] in again.content.decode()


def test_the_key_is_stored_hashed(learner_client, learner):
    key = new_key_in(learner_client.post(TOKENS_PAGE, {"name": "my CLI"}))
    token = ApiToken.objects.get(user=learner)
    assert token.key_hash == ApiToken.hash_key(key)
    assert key not in json.dumps(list(ApiToken.objects.values()), default=str)


@pytest.mark.parametrize("name", ["", "   "], ids=["empty", "blank"])
def test_a_token_needs_a_name(learner_client, name):
    response = learner_client.post(TOKENS_PAGE, {"name": name})
    assert response.status_code == 400
    assert 'id="new-token"' not in response.content.decode()


def test_two_tokens_cannot_share_a_name(learner_client):
    learner_client.post(TOKENS_PAGE, {"name": "my CLI"})
    response = learner_client.post(TOKENS_PAGE, {"name": "my CLI"})
    assert response.status_code == 400
    assert "already have a token with this name" in response.content.decode()


def test_a_member_can_hold_at_most_twenty_tokens(learner_client, learner):
    for number in range(account_services.MAX_API_TOKENS):
        account_services.create_api_token(user=learner, name=f"token {number}")
    response = learner_client.post(TOKENS_PAGE, {"name": "one more"})
    assert response.status_code == 400
    assert "revoke one first" in response.content.decode()


def test_revoking_on_the_page_makes_the_token_answer_401(learner_client, learner):
    token, key = account_services.create_api_token(user=learner, name="cli")
    response = learner_client.post(reverse("accounts:token-revoke", args=[token.pk]))
    assert response.status_code == 302
    assert token_client(None).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_revoking_another_members_token_on_the_page_is_404(learner_client, other_learner):
    token, key = account_services.create_api_token(user=other_learner, name="theirs")
    assert learner_client.post(reverse("accounts:token-revoke", args=[token.pk])).status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_revoking_needs_a_post(learner_client, learner):
    token, _ = account_services.create_api_token(user=learner, name="cli")
    assert learner_client.get(reverse("accounts:token-revoke", args=[token.pk])).status_code == 405


def test_the_api_lists_my_tokens_without_their_keys(learner, other_learner):
    client = token_client(learner)
    account_services.create_api_token(user=other_learner, name="theirs")
    response = client.get("/api/v1/me/tokens/")
    assert response.status_code == 200
    tokens = response.json()
    assert [token["name"] for token in tokens] == [ApiToken.objects.get(user=learner).name]
    assert set(tokens[0]) == {"id", "name", "key_prefix", "created_at", "last_used_at"}


def test_the_api_revokes_my_token(learner):
    client = token_client(learner)
    token, key = account_services.create_api_token(user=learner, name="second")
    assert client.delete(f"/api/v1/me/tokens/{token.pk}/").status_code == 204
    assert token_client(None).get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401


def test_the_api_answers_404_for_another_members_token(learner, other_learner):
    token, _ = account_services.create_api_token(user=other_learner, name="theirs")
    response = token_client(learner).delete(f"/api/v1/me/tokens/{token.pk}/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_tokens_need_sign_in(api):
    assert api.get("/api/v1/me/tokens/").status_code == 401


def test_the_export_lists_tokens_without_keys(learner_client, learner):
    token, key = account_services.create_api_token(user=learner, name="cli")
    data = json.loads(learner_client.get(reverse("accounts:export")).content)
    assert data["api_tokens"] == [
        {"name": "cli", "created_at": token.created_at.isoformat(), "last_used_at": None}
    ]
    assert key not in json.dumps(data)
    assert token.key_hash not in json.dumps(data)


def test_deleting_the_account_deletes_its_tokens(learner):
    token, _ = account_services.create_api_token(user=learner, name="cli")
    account_services.delete_account(user=learner)
    assert not ApiToken.objects.filter(pk=token.pk).exists()
