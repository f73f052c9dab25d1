"""Helpers of the API tests: token-signed clients and the error format."""

from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services as account_services

ROLES = ["anonymous", "learner", "author", "suspended", "mentor", "admin"]


def token_client(user) -> APIClient:
    """A client that signs in the way API clients do: with a personal token (None: anonymous)."""
    client = APIClient()
    if user is not None:
        _, key = account_services.create_api_token(user=user, name=f"test {timezone.now().timestamp()}")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def error_of(response) -> dict:
    """The `error` object of an API error response, after checking its shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert body["error"]["message"]
    return body["error"]
