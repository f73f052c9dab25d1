"""Comments through the API: listing a thread's comments, replying, editing and deleting my
own, accepting an answer, and the role matrix of each."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community import services
from community.models import Comment, Status, Thread
from tests.api.helpers import error_of, token_client
from tests.factories import CommentFactory, ThreadFactory

pytestmark = pytest.mark.django_db


def comment_ids(response) -> list[int]:
    return [comment["id"] for comment in response.json()["results"]]


def test_a_threads_comments_are_listed_oldest_first(api, thread, other_learner):
    first = CommentFactory(thread=thread, created_at=timezone.now() - timedelta(minutes=5))
    second = CommentFactory(thread=thread, author=other_learner, parent=first)
    response = api.get(f"/api/v1/threads/{thread.pk}/comments/")
    assert response.status_code == 200
    assert comment_ids(response) == [first.pk, second.pk]
    assert response.json()["results"][1]["parent_id"] == first.pk


def test_comments_page_with_a_cursor(api, thread):
    comments = [
        CommentFactory(thread=thread, created_at=timezone.now() + timedelta(seconds=n)) for n in range(3)
    ]
    first = api.get(f"/api/v1/threads/{thread.pk}/comments/", {"page_size": 2}).json()
    assert [comment["id"] for comment in first["results"]] == [comments[0].pk, comments[1].pk]
    assert [comment["id"] for comment in api.get(first["next"]).json()["results"]] == [comments[2].pk]


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
def test_a_hidden_comment_is_shown_only_to_its_author_and_moderators(client_as, comment, role, sees_hidden):
    Comment.objects.filter(pk=comment.pk).update(status=Status.HIDDEN)
    client = client_as(role)
    assert (
        comment.pk in comment_ids(client.get(f"/api/v1/threads/{comment.thread_id}/comments/"))
    ) is sees_hidden
    assert client.get(f"/api/v1/comments/{comment.pk}/").status_code == (200 if sees_hidden else 404)


def test_a_deleted_comment_with_replies_is_an_anonymous_placeholder(api, comment, other_learner):
    CommentFactory(thread=comment.thread, parent=comment, author=other_learner)
    services.delete_comment(comment=comment, user=comment.author)
    placeholder = api.get(f"/api/v1/threads/{comment.thread_id}/comments/").json()["results"][0]
    assert (placeholder["status"], placeholder["body"], placeholder["author"]) == ("removed", "", None)


def test_the_comments_of_an_invisible_thread_are_404(api, thread):
    Thread.objects.filter(pk=thread.pk).update(status=Status.HIDDEN)
    assert api.get(f"/api/v1/threads/{thread.pk}/comments/").status_code == 404


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
def test_who_may_reply(client_as, thread, role, status):
    response = client_as(role).post(
        f"/api/v1/threads/{thread.pk}/comments/", {"body": "Try an index."}, format="json"
    )
    assert response.status_code == status
    if status == 201:
        assert response.json()["body_html"] == "<p>Try an index.</p>\n"


@pytest.mark.parametrize(
    ("role", "status"), [("learner", 403), ("author", 403), ("mentor", 201), ("admin", 201)]
)
def test_a_locked_thread_takes_replies_from_moderators_only(client_as, thread, role, status):
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)
    response = client_as(role).post(
        f"/api/v1/threads/{thread.pk}/comments/", {"body": "Late reply"}, format="json"
    )
    assert response.status_code == status
    if status == 403:
        assert "locked" in error_of(response)["message"]


def test_a_reply_to_a_reply_nests_under_the_top_comment(learner, comment, other_learner):
    reply = CommentFactory(thread=comment.thread, parent=comment, author=other_learner)
    response = token_client(learner).post(
        f"/api/v1/threads/{comment.thread_id}/comments/",
        {"body": "Me too", "parent": reply.pk},
        format="json",
    )
    assert response.status_code == 201
    data = response.json()
    assert data["parent_id"] == comment.pk
    assert data["reply_to"]["username"] == other_learner.username


@pytest.mark.parametrize(
    ("body", "field"),
    [({"body": ""}, "body"), ({"body": "   "}, "body"), ({}, "body"), ({"body": "x" * 10_001}, "body"),
     ({"body": "ok", "parent": "abc"}, "parent"), ({"body": "ok", "parent": 0}, "parent"),
     ({"body": "ok", "parent": 999999}, "parent")],
    ids=["empty", "blank", "missing", "too-long", "parent-text", "parent-zero", "parent-unknown"],
)  # fmt: skip
def test_a_bad_reply_answers_400(learner, thread, body, field):
    response = token_client(learner).post(f"/api/v1/threads/{thread.pk}/comments/", body, format="json")
    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_a_reply_cannot_answer_a_comment_of_another_thread(learner, thread):
    elsewhere = CommentFactory(thread=ThreadFactory())
    response = token_client(learner).post(
        f"/api/v1/threads/{thread.pk}/comments/", {"body": "ok", "parent": elsewhere.pk}, format="json"
    )
    assert response.status_code == 400
    assert "parent" in error_of(response)["fields"]


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
def test_only_the_author_edits_a_comment(client_as, comment, role, status):
    response = client_as(role).patch(
        f"/api/v1/comments/{comment.pk}/", {"body": "Edited text"}, format="json"
    )
    assert response.status_code == status
    comment.refresh_from_db()
    assert (comment.body == "Edited text") is (status == 200)


def test_an_edit_needs_a_body(author, comment):
    response = token_client(author).patch(f"/api/v1/comments/{comment.pk}/", {"body": " "}, format="json")
    assert response.status_code == 400
    assert "body" in error_of(response)["fields"]


def test_an_edit_that_sends_no_body_leaves_the_comment_as_it_was(author, comment):
    response = token_client(author).patch(f"/api/v1/comments/{comment.pk}/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["body"] == comment.body
    comment.refresh_from_db()
    assert comment.edited_at is None


@pytest.mark.parametrize("role", ["learner", "mentor"])
def test_an_empty_edit_of_another_members_comment_is_forbidden(client_as, comment, role):
    assert client_as(role).patch(f"/api/v1/comments/{comment.pk}/", {}, format="json").status_code == 403


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
def test_only_the_author_deletes_a_comment(client_as, comment, role, status):
    assert client_as(role).delete(f"/api/v1/comments/{comment.pk}/").status_code == status
    assert Comment.objects.filter(pk=comment.pk).exists() is (status != 204)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("learner", 403),
        ("author", 200),
        ("suspended", 403),
        ("mentor", 200),
        ("admin", 200),
    ],
)
def test_the_thread_author_or_a_moderator_accepts_an_answer(client_as, thread, other_learner, role, status):
    answer = CommentFactory(thread=thread, author=other_learner)
    response = client_as(role).post(f"/api/v1/comments/{answer.pk}/accept/")
    assert response.status_code == status
    thread.refresh_from_db()
    assert (thread.accepted_comment_id == answer.pk) is (status == 200)


def test_accepting_is_idempotent_and_delete_unmarks(author, thread, other_learner):
    answer = CommentFactory(thread=thread, author=other_learner)
    client = token_client(author)
    for _ in range(2):
        assert client.post(f"/api/v1/comments/{answer.pk}/accept/").json()["accepted_comment_id"] == answer.pk
    for _ in range(2):
        assert client.delete(f"/api/v1/comments/{answer.pk}/accept/").json()["accepted_comment_id"] is None
    thread.refresh_from_db()
    assert thread.accepted_comment_id is None


def test_accepting_another_comment_replaces_the_answer(author, thread, other_learner):
    first, second = CommentFactory.create_batch(2, thread=thread, author=other_learner)
    client = token_client(author)
    client.post(f"/api/v1/comments/{first.pk}/accept/")
    assert client.post(f"/api/v1/comments/{second.pk}/accept/").json()["accepted_comment_id"] == second.pk
    assert client.get(f"/api/v1/comments/{second.pk}/").json()["is_accepted"] is True
    assert client.get(f"/api/v1/comments/{first.pk}/").json()["is_accepted"] is False
