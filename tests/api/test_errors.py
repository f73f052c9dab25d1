"""Every error answers in one JSON format with a machine code, and the right status:
bad input 400 (never 500), unknown addresses 404, throttles and posting limits 429."""

import pytest
from django.core.cache import cache

from community import services
from tests.api.helpers import error_of, token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_unknown_address_answers_a_json_404(api):
    response = api.get("/api/v1/no/such/thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_found"


def test_a_missing_trailing_slash_is_pointed_out(api):
    response = api.post("/api/v1/threads", {}, format="json")
    assert response.status_code == 404
    assert "/api/v1/threads/" in error_of(response)["message"]


def test_a_missing_object_answers_404(api):
    response = api.get("/api/v1/threads/999999/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_an_id_beyond_the_database_range_answers_404(api):
    assert api.get("/api/v1/threads/99999999999999999999999/").status_code == 404


def test_invalid_input_answers_400_with_the_fields(learner):
    response = token_client(learner).post("/api/v1/threads/", {"title": "short", "tags": "x"}, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"title", "body", "tags"}


def test_malformed_json_answers_400(learner):
    response = token_client(learner).generic(
        "POST", "/api/v1/threads/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def test_a_json_body_that_is_not_an_object_answers_400(learner):
    response = token_client(learner).post("/api/v1/threads/", [1, 2], format="json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"


def test_form_encoded_bodies_are_not_accepted(learner):
    response = token_client(learner).post("/api/v1/threads/", {"title": "x"}, format="multipart")
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_an_unsupported_method_answers_405(learner):
    response = token_client(learner).put("/api/v1/threads/", {}, format="json")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_null_characters_in_input_answer_400(learner):
    response = token_client(learner).patch("/api/v1/me/", {"bio": "a\x00b"}, format="json")
    assert response.status_code == 400
    assert "bio" in error_of(response)["fields"]


def _low_rates(settings, **rates):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000/min", "user": "1000/min", "write": "1000/min", **rates},
    }
    cache.clear()


def test_anonymous_requests_are_throttled_with_retry_after(api, settings):
    _low_rates(settings, anon="2/min")
    assert api.get("/api/v1/tags/").status_code == 200
    assert api.get("/api/v1/tags/").status_code == 200
    response = api.get("/api/v1/tags/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert error_of(response)["code"] == "throttled"


def test_signed_in_requests_have_their_own_rate(learner, settings):
    _low_rates(settings, user="2/min")
    client = token_client(learner)
    assert [client.get("/api/v1/tags/").status_code for _ in range(3)] == [200, 200, 429]


def test_writes_have_a_stricter_rate_than_reads(learner, settings):
    _low_rates(settings, write="2/min")
    client = token_client(learner)
    writes = [client.patch("/api/v1/me/", {"bio": "b"}, format="json").status_code for _ in range(3)]
    assert writes == [200, 200, 429]
    assert client.get("/api/v1/me/").status_code == 200


def test_the_posting_limits_answer_429_rate_limited(learner, monkeypatch):
    monkeypatch.setattr(
        services, "NEW_ACCOUNT_LIMITS", services.Limit(threads_per_hour=1, comments_per_hour=1)
    )
    monkeypatch.setattr(services, "LIMITS", services.Limit(threads_per_hour=1, comments_per_hour=1))
    client = token_client(learner)
    body = {"title": "A question about queries", "body": "How do I count my SQL queries in a test?"}
    assert client.post("/api/v1/threads/", body, format="json").status_code == 201
    response = client.post("/api/v1/threads/", body, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    error = error_of(response)
    assert error["code"] == "rate_limited"
    assert "in the last hour" in error["message"]


def test_new_members_meet_the_new_member_limits_through_the_api(db):
    client = token_client(UserFactory())
    body = {"title": "A question about queries", "body": "How do I count my SQL queries in a test?"}
    statuses = [client.post("/api/v1/threads/", body, format="json").status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    response = client.post("/api/v1/threads/", body, format="json")
    assert error_of(response)["code"] == "rate_limited"
    assert "new" in error_of(response)["message"].lower()
