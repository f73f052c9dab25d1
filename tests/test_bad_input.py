"""Input no view can use (a NUL character, JSON nested thousands deep) is refused with a clear
400 or 404, never a 500: PostgreSQL text cannot hold a NUL, and Python's json module recurses
once per level. SQLite stores NUL, so these tests assert the refusal itself, which answers
the same on either database."""

import json

import pytest
from django.test import Client

from tests.api.helpers import error_of, token_client
from tests.factories import TagFactory, ThreadFactory, build_roadmap

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_nul_in_a_profile_address_is_not_found_with_the_reason():
    response = Client().get("/u/ab%00c/")
    assert response.status_code == 404
    assert "NUL character" in response.text


def test_a_nul_in_the_tag_filter_of_the_discussions_is_a_bad_request():
    response = Client().get("/discussions/", {"tag": "a\x00b"})
    assert response.status_code == 400
    assert "Text in “tag” must not contain NUL characters" in response.text


def test_a_nul_in_a_members_moderation_address_is_not_found(mentor):
    client = signed_in(mentor)
    for url in ["/mod/users/a%00b/", "/mod/users/a%00b/warn/"]:
        response = client.get(url)
        assert response.status_code == 404
        assert "NUL character" in response.text


def test_a_nul_in_the_admins_digest_preview_lookup_is_a_bad_request(admin_user):
    response = signed_in(admin_user).get("/admin/community/digestdelivery/preview/", {"user": "a\x00b"})
    assert response.status_code == 400
    assert "Text in “user” must not contain NUL characters" in response.text


def test_json_nested_thousands_deep_is_refused_with_the_api_error_shape(learner):
    body = "[" * 3000 + "]" * 3000
    response = token_client(learner).generic(
        "POST", "/api/v1/threads/", body, content_type="application/json"
    )
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "parse_error"
    assert "nested deeper than" in error["message"]


def test_brackets_inside_json_strings_do_not_count_as_nesting(learner):
    tag = TagFactory(slug="http")
    body = {
        "title": "Brackets [[[[[[[[[[[[[[[[[[[[[[[[[ in a title",
        "body": "{" * 50 + ' \\" [',
        "tags": [tag.slug],
    }
    response = token_client(learner).post("/api/v1/threads/", body, format="json")
    assert response.status_code == 201, response.json()


def test_a_nul_in_a_query_parameter_of_the_api_answers_its_json_error_shape():
    response = Client().get("/api/v1/threads/", {"tag": "a\x00b"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error" and set(error["fields"]) == {"tag"}


def _nul_in_path(client, thread, topic):
    return client.get(f"/discussions/{thread.pk}/a%00b/")


def _nul_in_roadmap_path(client, thread, topic):
    return client.get(f"/roadmaps/{topic.roadmap.slug}/a%00b/")


def _nul_in_api_path(client, thread, topic):
    return client.get("/api/v1/roadmaps/a%00b/")


def _nul_in_search_query(client, thread, topic):
    return client.get("/search/", {"q": "a\x00b"})


def _nul_in_tag_page_query(client, thread, topic):
    return client.get("/tags/", {"a\x00b": "1"})


def _nul_in_thread_form(client, thread, topic):
    return client.post("/discussions/new/", {"title": "A title\x00", "body": "Some words", "topic": topic.pk})


def _nul_in_comment_form(client, thread, topic):
    return client.post(f"/discussions/{thread.pk}/{thread.slug}/comments/", {"body": "a\x00b"})


def _nul_in_login_form(client, thread, topic):
    return client.post("/accounts/login/", {"login": "a\x00b", "password": "x"})


def _nul_in_json_title(client, thread, topic):
    return client.post(
        "/api/v1/threads/", {"title": "a\x00b", "body": "words"}, content_type="application/json"
    )


def _nul_in_json_key(client, thread, topic):
    return client.generic(
        "PATCH", "/api/v1/me/", json.dumps({"bio\x00": "x"}), content_type="application/json"
    )


@pytest.mark.parametrize(
    ("send", "status"),
    [
        (_nul_in_path, 404),
        (_nul_in_roadmap_path, 404),
        (_nul_in_api_path, 404),
        (_nul_in_search_query, 400),
        (_nul_in_tag_page_query, 400),
        (_nul_in_thread_form, 400),
        (_nul_in_comment_form, 400),
        (_nul_in_login_form, 400),
        (_nul_in_json_title, 400),
        (_nul_in_json_key, 400),
    ],
    ids=lambda value: value.__name__.removeprefix("_") if callable(value) else None,
)
def test_a_nul_anywhere_in_a_request_is_refused_not_a_server_error(learner, send, status):
    thread = ThreadFactory()
    _, (topic,) = build_roadmap(topics=1, sections=1)
    client = Client(raise_request_exception=False)
    client.force_login(learner)
    response = send(client, thread, topic)
    assert response.status_code == status


def test_an_unterminated_json_string_full_of_escaped_quotes_is_refused_at_once(learner):
    """Scanning the text for strings to skip, before parsing, took seconds on this body."""
    body = '{"title": "' + '\\"' * 50_000
    response = token_client(learner).post("/api/v1/threads/", body, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


@pytest.mark.parametrize(
    "url",
    [
        "/discussions/?page=²",
        "/discussions/?topic=²",
        "/discussions/?topic=99999999999999999999999",
        "/digest/unsubscribe/²:forged/",
        "/digest/unsubscribe/99999999999999999999999:forged/",
    ],
)
def test_digits_that_are_not_ascii_or_too_big_for_an_id_are_no_server_error(url):
    response = Client().get(url)
    assert response.status_code in {200, 400, 404}
