"""Threads through the API: listing with filters and search, the same visibility as the pages,
and who may start, edit and delete them (the role matrix)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from community import services
from community.models import Status, Thread
from tests.api.helpers import ROLES, error_of, token_client
from tests.factories import CommentFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_THREAD = {
    "title": "How should I index a column I filter by?",
    "body": "My list view filters on status and orders by date; which index helps?",
}


def ids(response) -> list[int]:
    return [thread["id"] for thread in response.json()["results"]]


# --- Listing ----------------------------------------------------------------------------


def test_the_list_shows_threads_newest_first(api, author):
    old = ThreadFactory(author=author, created_at=timezone.now() - timedelta(days=2))
    new = ThreadFactory(author=author)
    response = api.get("/api/v1/threads/")
    assert response.status_code == 200
    assert ids(response) == [new.pk, old.pk]
    assert response.json()["results"][0]["author"] == {
        "username": "author",
        "display_name": author.display_name,
    }


def test_the_list_pages_with_a_cursor(api, author):
    threads = [
        ThreadFactory(author=author, created_at=timezone.now() - timedelta(minutes=n)) for n in range(5)
    ]
    first = api.get("/api/v1/threads/", {"page_size": 2}).json()
    assert [thread["id"] for thread in first["results"]] == [threads[0].pk, threads[1].pk]
    second = api.get(first["next"]).json()
    assert [thread["id"] for thread in second["results"]] == [threads[2].pk, threads[3].pk]


def test_the_page_size_is_capped(api, author):
    ThreadFactory.create_batch(3, author=author)
    assert len(api.get("/api/v1/threads/", {"page_size": 100_000}).json()["results"]) == 3


@pytest.mark.parametrize("page_size", ["0", "-1", "abc", "null", "2.5", ["2", "3"]])
@pytest.mark.parametrize("url", ["/api/v1/threads/", "/api/v1/me/follows/"])
def test_an_invalid_page_size_answers_400_saying_what_is_allowed(learner, url, page_size):
    response = token_client(learner).get(url, {"page_size": page_size})
    assert response.status_code == 400
    assert "whole number from 1 to 100" in str(error_of(response)["fields"]["page_size"])


@pytest.mark.parametrize("page", ["", "0", "abc", ["1", "2"]])
def test_an_empty_or_invalid_page_number_answers_400_rather_than_the_first_page(learner, page):
    response = token_client(learner).get("/api/v1/me/follows/", {"page": page})
    assert response.status_code == 400
    assert "whole number from 1" in str(error_of(response)["fields"]["page"])


def test_a_page_past_the_end_is_not_found(learner):
    assert token_client(learner).get("/api/v1/me/follows/", {"page": "2"}).status_code == 404


@pytest.mark.parametrize("page_size", ["0", ["2", "3"]])
def test_an_invalid_page_size_answers_400_with_a_search_too(learner, page_size):
    response = token_client(learner).get("/api/v1/threads/", {"q": "index", "page_size": page_size})
    assert response.status_code == 400
    assert "page_size" in error_of(response)["fields"]


def test_the_schema_states_the_page_size_bounds(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    (page_size,) = [
        p for p in schema["paths"]["/api/v1/threads/"]["get"]["parameters"] if p["name"] == "page_size"
    ]
    assert page_size["schema"]["minimum"] == 1
    assert page_size["schema"]["maximum"] == 999_999_999_999_999_999
    assert "100" in page_size["description"]


def test_a_broken_cursor_answers_404(api):
    response = api.get("/api/v1/threads/", {"cursor": "garbage"})
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("role", "sees_hidden"),
    [
        ("anonymous", False),
        ("learner", False),
        ("author", True),
        ("suspended", False),
        ("mentor", True),
        ("admin", True),
    ],
)
def test_hidden_threads_are_listed_only_for_their_author_and_moderators(client_as, thread, role, sees_hidden):
    removed = ThreadFactory(author=thread.author, status=Status.REMOVED)
    Thread.objects.filter(pk=thread.pk).update(status=Status.HIDDEN)
    listed = ids(client_as(role).get("/api/v1/threads/"))
    assert (thread.pk in listed) is sees_hidden
    assert removed.pk not in listed


def test_the_list_filters_by_tag_topic_and_author(api, thread, tags, author, roadmap_topics):
    other = ThreadFactory(tags=[tags[4]])
    assert ids(api.get("/api/v1/threads/", {"tag": tags[0].slug})) == [thread.pk]
    assert ids(api.get("/api/v1/threads/", {"tag": tags[4].slug})) == [other.pk]
    assert ids(api.get("/api/v1/threads/", {"topic": thread.topic_id})) == [thread.pk]
    assert ids(api.get("/api/v1/threads/", {"author": "AUTHOR"})) == [thread.pk]
    assert ids(api.get("/api/v1/threads/", {"author": "nobody"})) == []
    assert ids(api.get("/api/v1/threads/", {"tag": "no-such-tag"})) == []


def test_the_list_filters_answered_and_unanswered(api, thread):
    answered = ThreadFactory()
    Thread.objects.filter(pk=answered.pk).update(accepted_comment=CommentFactory(thread=answered))
    assert ids(api.get("/api/v1/threads/", {"answered": "true"})) == [answered.pk]
    assert ids(api.get("/api/v1/threads/", {"answered": "false"})) == [thread.pk]


@pytest.mark.parametrize(
    "params",
    [{"topic": "abc"}, {"topic": "0"}, {"answered": "maybe"}, {"tag": "not a slug"}, {"q": "x" * 201}],
    ids=lambda params: next(iter(params)),
)
def test_bad_filters_answer_400(api, params):
    response = api.get("/api/v1/threads/", params)
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == set(params)


def test_q_searches_published_threads(api, author):
    match = ThreadFactory(author=author, title="Why is my queryset so slow?", body="It makes many queries.")
    ThreadFactory(author=author, title="Something else entirely", body="Nothing to see")
    hidden = ThreadFactory(author=author, title="A slow queryset again", status=Status.HIDDEN)
    response = api.get("/api/v1/threads/", {"q": "queryset"})
    assert response.status_code == 200
    assert ids(response) == [match.pk]
    assert hidden.pk not in ids(response)
    assert response.json()["next"] is None


def test_q_combines_with_the_filters(api, author, other_learner):
    ThreadFactory(author=author, title="Queryset question one", body="About a queryset.")
    theirs = ThreadFactory(author=other_learner, title="Queryset question two", body="About a queryset.")
    assert ids(api.get("/api/v1/threads/", {"q": "queryset", "author": other_learner.username})) == [
        theirs.pk
    ]


def test_a_too_short_query_answers_400(api):
    response = api.get("/api/v1/threads/", {"q": "x"})
    assert response.status_code == 400
    assert "q" in error_of(response)["fields"]


# --- Reading one ------------------------------------------------------------------------


def test_a_thread_has_its_body_and_what_i_may_do(thread, learner):
    data = token_client(learner).get(f"/api/v1/threads/{thread.pk}/").json()
    assert data["body"] == thread.body
    assert data["tags"] == sorted(tag.slug for tag in thread.tags.all())
    assert data["topic"]["slug"] == thread.topic.slug
    assert data["viewer"] == {
        "reactions": [],
        "is_following": False,
        "is_bookmarked": False,
        "can_comment": True,
        "can_edit": False,
        "can_delete": False,
        "can_react": True,
        "can_flag": True,
        "can_accept_answer": False,
        "can_moderate": False,
    }


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 404),
        ("learner", 404),
        ("author", 200),
        ("suspended", 404),
        ("mentor", 200),
        ("admin", 200),
    ],
)
def test_a_hidden_thread_is_404_except_for_its_author_and_moderators(client_as, thread, role, status):
    Thread.objects.filter(pk=thread.pk).update(status=Status.HIDDEN)
    assert client_as(role).get(f"/api/v1/threads/{thread.pk}/").status_code == status


@pytest.mark.parametrize("role", ROLES)
def test_a_removed_thread_is_404_for_everyone(client_as, thread, role):
    Thread.objects.filter(pk=thread.pk).update(status=Status.REMOVED)
    assert client_as(role).get(f"/api/v1/threads/{thread.pk}/").status_code == 404


# --- Starting one -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("learner", 201),
        ("author", 201),
        ("suspended", 403),
        ("mentor", 201),
        ("admin", 201),
    ],
)
def test_who_may_start_a_thread(client_as, roadmap_topics, role, status):
    response = client_as(role).post("/api/v1/threads/", NEW_THREAD, format="json")
    assert response.status_code == status
    if status == 403:
        assert "suspended" in error_of(response)["message"]


def test_an_unverified_member_cannot_start_a_thread(db):
    response = token_client(UserFactory(verified=False)).post("/api/v1/threads/", NEW_THREAD, format="json")
    assert response.status_code == 403
    assert "Verify your email" in error_of(response)["message"]


def test_a_new_thread_has_its_topic_and_tags(learner, roadmap_topics, tags):
    topic = roadmap_topics[1][2]
    response = token_client(learner).post(
        "/api/v1/threads/", {**NEW_THREAD, "topic": topic.pk, "tags": ["python", "http"]}, format="json"
    )
    assert response.status_code == 201
    data = response.json()
    assert (data["topic"]["id"], data["tags"]) == (topic.pk, ["http", "python"])
    assert data["author"]["username"] == learner.username
    assert data["viewer"]["is_following"] is True


def test_the_client_cannot_set_what_the_server_decides(learner, roadmap_topics):
    response = token_client(learner).post(
        "/api/v1/threads/",
        {
            **NEW_THREAD,
            "id": 999,
            "slug": "chosen",
            "author": {"username": "boss"},
            "status": "hidden",
            "is_pinned": True,
            "comment_count": 50,
            "reaction_count": 7,
            "accepted_comment_id": 3,
        },
        format="json",
    )
    data = response.json()
    assert data["id"] != 999 and data["slug"] != "chosen"
    assert (data["author"]["username"], data["status"], data["is_pinned"]) == (
        learner.username,
        "published",
        False,
    )
    assert (data["comment_count"], data["reaction_count"], data["accepted_comment_id"]) == (0, 0, None)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": "Too short"}, "title"),
        ({"title": "x" * 151}, "title"),
        ({"body": "tiny"}, "body"),
        ({"body": " " * 30}, "body"),
        ({"topic": 999999}, "topic"),
        ({"topic": "abc"}, "topic"),
        ({"tags": ["no-such-tag"]}, "tags"),
        ({"tags": ["http", "python", "career", "devops", "databases"]}, "tags"),
        ({"tags": "http"}, "tags"),
    ],
    ids=lambda value: str(value)[:30],
)
def test_a_bad_thread_answers_400_with_the_field(learner, roadmap_topics, tags, change, field):
    response = token_client(learner).post("/api/v1/threads/", {**NEW_THREAD, **change}, format="json")
    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not Thread.objects.exists()


# --- Editing and deleting ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("learner", 403),
        ("author", 200),
        ("suspended", 403),
        ("mentor", 403),
        ("admin", 403),
    ],
)
def test_only_the_author_edits_a_thread(client_as, thread, role, status):
    response = client_as(role).patch(
        f"/api/v1/threads/{thread.pk}/", {"title": "A better title for this thread"}, format="json"
    )
    assert response.status_code == status
    thread.refresh_from_db()
    assert (thread.title == "A better title for this thread") is (status == 200)


def test_editing_changes_only_the_fields_sent(author, thread, tags):
    topic, old_tags = thread.topic, sorted(tag.slug for tag in thread.tags.all())
    data = (
        token_client(author).patch(f"/api/v1/threads/{thread.pk}/", {"body": "x" * 40}, format="json").json()
    )
    assert data["body"] == "x" * 40
    assert data["edited_at"] is not None
    assert (data["topic"]["id"], data["tags"]) == (topic.pk, old_tags)
    data = token_client(author).patch(
        f"/api/v1/threads/{thread.pk}/", {"topic": None, "tags": []}, format="json"
    )
    assert (data.json()["topic"], data.json()["tags"]) == (None, [])


def test_a_bad_edit_answers_400(author, thread):
    response = token_client(author).patch(f"/api/v1/threads/{thread.pk}/", {"title": "short"}, format="json")
    assert response.status_code == 400
    assert "title" in error_of(response)["fields"]


def test_a_suspended_author_cannot_edit_but_can_delete(author, thread):
    author.suspended_until = timezone.now() + timedelta(days=1)
    author.save()
    client = token_client(author)
    response = client.patch(f"/api/v1/threads/{thread.pk}/", {"body": "y" * 40}, format="json")
    assert response.status_code == 403
    assert "suspended" in error_of(response)["message"]
    assert client.delete(f"/api/v1/threads/{thread.pk}/").status_code == 204


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("learner", 403),
        ("author", 204),
        ("suspended", 403),
        ("mentor", 403),
        ("admin", 403),
    ],
)
def test_only_the_author_deletes_a_thread(client_as, thread, role, status):
    assert client_as(role).delete(f"/api/v1/threads/{thread.pk}/").status_code == status
    thread.refresh_from_db()
    assert (thread.status == Status.REMOVED) is (status == 204)


def test_a_deleted_thread_is_gone(author, thread, api):
    token_client(author).delete(f"/api/v1/threads/{thread.pk}/")
    assert api.get(f"/api/v1/threads/{thread.pk}/").status_code == 404
    assert token_client(author).delete(f"/api/v1/threads/{thread.pk}/").status_code == 404


def test_tags_are_listed(api, tags):
    assert [tag["slug"] for tag in api.get("/api/v1/tags/").json()] == sorted(tag.slug for tag in tags)


def test_anonymous_thread_lists_are_shared_from_the_cache_and_fresh_after_a_write(
    client, django_assert_num_queries
):
    author = UserFactory()
    services.create_thread(author=author, title="First cached thread", body="Body.")
    first = client.get("/api/v1/threads/")
    assert [thread["title"] for thread in first.json()["results"]] == ["First cached thread"]
    with django_assert_num_queries(0):
        again = client.get("/api/v1/threads/")
    assert again.json() == first.json()

    services.create_thread(author=author, title="Second thread", body="Body.")
    titles = [thread["title"] for thread in client.get("/api/v1/threads/").json()["results"]]
    assert titles == ["Second thread", "First cached thread"]


def test_a_signed_in_author_still_sees_their_own_hidden_thread_in_the_list():
    author = UserFactory()
    services.create_thread(author=author, title="Visible to all", body="Body.")
    ThreadFactory(author=author, title="Hidden but mine", status=Status.HIDDEN)
    assert [t["title"] for t in Client().get("/api/v1/threads/").json()["results"]] == ["Visible to all"]
    titles = {thread["title"] for thread in token_client(author).get("/api/v1/threads/").json()["results"]}
    assert titles == {"Visible to all", "Hidden but mine"}


@pytest.fixture
def stored_keys(monkeypatch):
    """The keys stored in the shared cache from now on."""
    from django.core.cache import cache

    stored = []
    set_value = cache.set

    def spy(key, *args, **kwargs):
        stored.append(key)
        return set_value(key, *args, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    return stored


def test_junk_query_strings_add_no_cached_api_lists(client, stored_keys):
    ThreadFactory(title="The one thread")
    for number in range(50):
        response = client.get("/api/v1/threads/", {"x": number, f"utm_{number}": "y"})
        assert response.status_code == 200 and response.json()["results"][0]["title"] == "The one thread"
    assert [key for key in stored_keys if ":api-threads:" in key] == []


def test_a_filter_the_api_reads_has_its_own_cached_list_whatever_its_spelling(
    client, stored_keys, django_assert_num_queries
):
    ThreadFactory(title="Answered elsewhere")
    first = client.get("/api/v1/threads/", {"answered": "false"})
    assert [key for key in stored_keys if ":api-threads:" in key]
    with django_assert_num_queries(0):
        again = client.get("/api/v1/threads/", {"answered": "False"})  # the same filter, validated
    assert again.json() == first.json()


def test_spellings_of_a_page_size_share_one_cached_list_and_later_pages_are_not_kept(client, stored_keys):
    ThreadFactory()
    for size in ["10", "010", "0010"]:
        assert client.get("/api/v1/threads/", {"page_size": size}).status_code == 200
    assert len([key for key in stored_keys if ":api-threads:" in key]) == 1
    ThreadFactory()
    next_page = client.get("/api/v1/threads/", {"page_size": 1}).json()["next"]
    assert client.get(next_page).status_code == 200
    assert len([key for key in stored_keys if ":api-threads:" in key]) == 2  # the first page of size 1


def test_a_page_size_too_long_to_be_a_number_is_a_bad_request(client):
    assert client.get("/api/v1/threads/", {"page_size": "9" * 5000}).status_code == 400


@pytest.mark.parametrize(("page_size", "expected"), [("9" * 18, 200), ("1" + "0" * 18, 400)])
def test_the_page_size_schema_maximum_is_the_largest_accepted(learner, page_size, expected):
    assert token_client(learner).get("/api/v1/me/follows/", {"page_size": page_size}).status_code == expected


@pytest.mark.parametrize(("answered", "expected"), [("true", 200), ("false", 200), ("1", 200), ("", 400)])
def test_a_query_string_boolean_keeps_its_usual_spellings_but_not_an_empty_one(api, answered, expected):
    assert api.get("/api/v1/threads/", {"answered": answered}).status_code == expected


def test_the_schema_states_the_rules_of_search_flags_tags_and_topics(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    (query,) = [p for p in schema["paths"]["/api/v1/threads/"]["get"]["parameters"] if p["name"] == "q"]
    assert "At least 2 characters" in query["description"] and "pattern" in query["schema"]
    flag = schema["components"]["schemas"]["FlagCreateRequest"]
    assert {"required": ["note"], "properties": {"note": {"pattern": r"\S"}}} in flag["anyOf"]
    thread = schema["components"]["schemas"]["ThreadWriteRequest"]["properties"]
    assert "existing tags" in thread["tags"]["description"]
    assert "published roadmap topic" in thread["topic"]["description"]


@pytest.mark.parametrize("query", ["a", " a ", "a\x01", "\x02\x03"])
def test_a_search_with_fewer_than_two_searchable_characters_answers_400(api, query):
    response = api.get("/api/v1/threads/", {"q": query})
    assert response.status_code == 400
    assert "at least 2 characters" in str(error_of(response)["fields"]["q"])
