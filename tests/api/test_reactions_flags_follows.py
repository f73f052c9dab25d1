"""Reactions, flags, follows and bookmarks through the API. The services toggle; the API makes
POST mean "on" and DELETE mean "off", so repeating a request changes nothing."""

import pytest

from community.models import Bookmark, Flag, Follow, Reaction, Status, Thread
from tests.api.helpers import error_of, token_client
from tests.factories import ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- Reactions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("learner", 200),
        ("author", 403),
        ("suspended", 403),
        ("mentor", 200),
        ("admin", 200),
    ],
)
def test_who_may_react_to_a_thread(client_as, thread, role, status):
    response = client_as(role).post(f"/api/v1/threads/{thread.pk}/reactions/helpful/")
    assert response.status_code == status
    assert Reaction.objects.filter(thread=thread).count() == (1 if status == 200 else 0)


def test_reacting_twice_counts_once_and_deleting_twice_uncounts_once(learner, thread):
    client = token_client(learner)
    for _ in range(2):
        data = client.post(f"/api/v1/threads/{thread.pk}/reactions/like/").json()
        assert (data["reacted"], data["like_count"], data["reaction_count"]) == (True, 1, 1)
    for _ in range(2):
        data = client.delete(f"/api/v1/threads/{thread.pk}/reactions/like/").json()
        assert (data["reacted"], data["like_count"], data["reaction_count"]) == (False, 0, 0)


def test_my_reactions_show_on_the_thread(learner, thread):
    client = token_client(learner)
    client.post(f"/api/v1/threads/{thread.pk}/reactions/insightful/")
    assert client.get(f"/api/v1/threads/{thread.pk}/").json()["viewer"]["reactions"] == ["insightful"]


def test_reacting_to_my_own_post_is_refused_even_when_repeated(author, thread):
    client = token_client(author)
    for method in (client.post, client.delete):
        response = method(f"/api/v1/threads/{thread.pk}/reactions/like/")
        assert response.status_code == 403
        assert error_of(response)["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("learner", 200),
        ("author", 403),
        ("suspended", 403),
        ("mentor", 200),
        ("admin", 200),
    ],
)
def test_who_may_react_to_a_comment(client_as, comment, role, status):
    assert client_as(role).post(f"/api/v1/comments/{comment.pk}/reactions/like/").status_code == status


def test_an_unknown_reaction_answers_404(learner, thread):
    response = token_client(learner).post(f"/api/v1/threads/{thread.pk}/reactions/love/")
    assert response.status_code == 404
    assert "like, helpful or insightful" in error_of(response)["message"]


def test_reacting_to_an_invisible_thread_answers_404(learner, thread):
    Thread.objects.filter(pk=thread.pk).update(status=Status.HIDDEN)
    assert token_client(learner).post(f"/api/v1/threads/{thread.pk}/reactions/like/").status_code == 404


# --- Flags ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("learner", 201),
        ("author", 403),
        ("suspended", 403),
        ("mentor", 201),
        ("admin", 201),
    ],
)
def test_who_may_flag_a_thread(client_as, thread, role, status):
    response = client_as(role).post(f"/api/v1/threads/{thread.pk}/flags/", {"reason": "spam"}, format="json")
    assert response.status_code == status
    if status == 201:
        assert response.json()["status"] == "open"


def test_a_comment_can_be_flagged(learner, comment):
    response = token_client(learner).post(
        f"/api/v1/comments/{comment.pk}/flags/", {"reason": "other", "note": "Rude"}, format="json"
    )
    assert response.status_code == 201
    assert Flag.objects.get(comment=comment).note == "Rude"


@pytest.mark.parametrize(
    ("body", "field"),
    [({"reason": "ugly"}, "reason"), ({}, "reason"), ({"reason": "other"}, "note"), ({"reason": "spam", "note": "x" * 501}, "note")],
    ids=["unknown-reason", "no-reason", "other-without-note", "long-note"],
)  # fmt: skip
def test_a_bad_flag_answers_400(learner, thread, body, field):
    response = token_client(learner).post(f"/api/v1/threads/{thread.pk}/flags/", body, format="json")
    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_flagging_twice_answers_409_like_the_site(learner, thread):
    client = token_client(learner)
    client.post(f"/api/v1/threads/{thread.pk}/flags/", {"reason": "spam"}, format="json")
    response = client.post(f"/api/v1/threads/{thread.pk}/flags/", {"reason": "spam"}, format="json")
    assert response.status_code == 409
    assert "already flagged" in error_of(response)["message"]


def test_the_third_flag_hides_the_thread(thread):
    for _ in range(3):
        token_client(UserFactory()).post(
            f"/api/v1/threads/{thread.pk}/flags/", {"reason": "spam"}, format="json"
        )
    thread.refresh_from_db()
    assert thread.status == Status.HIDDEN


# --- Follows and bookmarks --------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("learner", 200),
        ("author", 200),
        ("suspended", 200),
        ("mentor", 200),
        ("admin", 200),
    ],
)
def test_who_may_follow_a_thread(client_as, thread, role, status):
    assert client_as(role).post(f"/api/v1/threads/{thread.pk}/follow/").status_code == status


def test_following_is_idempotent(learner, thread):
    client = token_client(learner)
    for _ in range(2):
        assert client.post(f"/api/v1/threads/{thread.pk}/follow/").json() == {"is_following": True}
    assert Follow.objects.filter(user=learner, thread=thread).count() == 1
    for _ in range(2):
        assert client.delete(f"/api/v1/threads/{thread.pk}/follow/").json() == {"is_following": False}
    assert not Follow.objects.filter(user=learner).exists()


def test_tags_and_topics_can_be_followed(learner, tags, roadmap_topics):
    roadmap, topics = roadmap_topics
    client = token_client(learner)
    assert client.post(f"/api/v1/tags/{tags[0].slug}/follow/").status_code == 200
    assert client.post(f"/api/v1/roadmaps/{roadmap.slug}/topics/{topics[0].slug}/follow/").status_code == 200
    follows = client.get("/api/v1/me/follows/").json()["results"]
    assert {(follow["kind"], follow["tag"] or follow["topic"]["slug"]) for follow in follows} == {
        ("tag", tags[0].slug),
        ("topic", topics[0].slug),
    }
    assert client.delete(f"/api/v1/tags/{tags[0].slug}/follow/").json() == {"is_following": False}


def test_following_something_missing_answers_404(learner, roadmap_topics):
    client = token_client(learner)
    assert client.post("/api/v1/tags/nope/follow/").status_code == 404
    assert client.post(f"/api/v1/roadmaps/{roadmap_topics[0].slug}/topics/nope/follow/").status_code == 404
    assert client.post("/api/v1/threads/999999/follow/").status_code == 404


def test_my_follows_hide_threads_i_may_no_longer_see(learner, thread):
    client = token_client(learner)
    client.post(f"/api/v1/threads/{thread.pk}/follow/")
    Thread.objects.filter(pk=thread.pk).update(status=Status.HIDDEN)
    assert client.get("/api/v1/me/follows/").json()["results"] == []


def test_bookmarks_are_idempotent_and_listed(learner, thread):
    client = token_client(learner)
    for _ in range(2):
        assert client.post(f"/api/v1/threads/{thread.pk}/bookmark/").json() == {"is_bookmarked": True}
    assert Bookmark.objects.filter(user=learner).count() == 1
    assert [saved["id"] for saved in client.get("/api/v1/me/bookmarks/").json()["results"]] == [thread.pk]
    assert client.delete(f"/api/v1/threads/{thread.pk}/bookmark/").json() == {"is_bookmarked": False}
    assert client.get("/api/v1/me/bookmarks/").json()["results"] == []


def test_my_bookmarks_are_mine_only(learner, other_learner):
    theirs = ThreadFactory()
    token_client(other_learner).post(f"/api/v1/threads/{theirs.pk}/bookmark/")
    assert token_client(learner).get("/api/v1/me/bookmarks/").json()["results"] == []


def test_bookmarks_need_sign_in(api, thread):
    assert api.post(f"/api/v1/threads/{thread.pk}/bookmark/").status_code == 401
    assert api.get("/api/v1/me/bookmarks/").status_code == 401
