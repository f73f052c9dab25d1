"""My progress and notes through the API (the same services as the pages), public progress
on profiles, and no way to reach another member's."""

import pytest

from roadmap import services
from roadmap.models import Note, Progress, Topic
from tests.api.helpers import error_of, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(learner):
    return token_client(learner)


def progress_url(topic):
    return f"/api/v1/me/progress/{topic.roadmap.slug}/{topic.slug}/"


def note_url(topic):
    return f"/api/v1/me/notes/{topic.roadmap.slug}/{topic.slug}/"


# --- Progress ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["learning", "done", "skipped"])
def test_put_sets_my_status_on_a_topic(me, learner, roadmap_topics, status):
    topic = roadmap_topics[1][0]
    response = me.put(progress_url(topic), {"status": status}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == status
    assert Progress.objects.get(user=learner, topic=topic).status == status


def test_putting_twice_keeps_one_row(me, learner, roadmap_topics):
    topic = roadmap_topics[1][0]
    me.put(progress_url(topic), {"status": "learning"}, format="json")
    me.put(progress_url(topic), {"status": "done"}, format="json")
    assert list(Progress.objects.filter(user=learner).values_list("status", flat=True)) == ["done"]


def test_post_sets_a_status_by_roadmap_and_topic_slug(me, learner, roadmap_topics):
    roadmap, topics = roadmap_topics
    response = me.post(
        "/api/v1/me/progress/",
        {"roadmap": roadmap.slug, "topic": topics[2].slug, "status": "done"},
        format="json",
    )
    assert response.status_code == 200
    assert Progress.objects.get(user=learner, topic=topics[2]).status == "done"


def test_delete_clears_my_status(me, learner, roadmap_topics):
    topic = roadmap_topics[1][0]
    services.set_progress(user=learner, topic=topic, status="done")
    assert me.delete(progress_url(topic)).status_code == 204
    assert not Progress.objects.filter(user=learner).exists()
    assert me.delete(progress_url(topic)).status_code == 204


@pytest.mark.parametrize("body", [{"status": "finished"}, {"status": "none"}, {}, {"status": None}])
def test_an_unknown_status_answers_400(me, roadmap_topics, body):
    response = me.put(progress_url(roadmap_topics[1][0]), body, format="json")
    assert response.status_code == 400
    assert "status" in error_of(response)["fields"]


def test_progress_on_an_unpublished_topic_answers_404(me, roadmap_topics):
    topic = roadmap_topics[1][0]
    Topic.objects.filter(pk=topic.pk).update(is_published=False)
    assert me.put(progress_url(topic), {"status": "done"}, format="json").status_code == 404


def test_my_progress_lists_only_mine_in_map_order(me, learner, other_learner, roadmap_topics):
    _, topics = roadmap_topics
    services.set_progress(user=learner, topic=topics[2], status="done")
    services.set_progress(user=learner, topic=topics[0], status="learning")
    services.set_progress(user=other_learner, topic=topics[1], status="done")
    response = me.get("/api/v1/me/progress/")
    assert response.status_code == 200
    assert [(row["topic"], row["status"]) for row in response.json()["results"]] == [
        (topics[0].slug, "learning"),
        (topics[2].slug, "done"),
    ]


def test_my_progress_filters_by_roadmap(me, learner, roadmap_topics):
    services.set_progress(user=learner, topic=roadmap_topics[1][0], status="done")
    assert me.get("/api/v1/me/progress/", {"roadmap": "nope"}).json()["results"] == []
    assert len(me.get("/api/v1/me/progress/", {"roadmap": roadmap_topics[0].slug}).json()["results"]) == 1


def test_another_members_progress_on_a_topic_is_404_for_me(me, other_learner, roadmap_topics):
    topic = roadmap_topics[1][0]
    services.set_progress(user=other_learner, topic=topic, status="done")
    response = me.get(progress_url(topic))
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_progress_needs_sign_in(api, roadmap_topics, method):
    response = getattr(api, method)(progress_url(roadmap_topics[1][0]), {"status": "done"}, format="json")
    assert response.status_code == 401


# --- Notes ------------------------------------------------------------------------------


def test_put_writes_my_note_rendered(me, learner, roadmap_topics):
    topic = roadmap_topics[1][0]
    response = me.put(note_url(topic), {"body": "Remember **this**"}, format="json")
    assert response.status_code == 200
    assert "<strong>this</strong>" in response.json()["body_html"]
    assert Note.objects.get(user=learner, topic=topic).body == "Remember **this**"
    assert me.get(note_url(topic)).json()["body"] == "Remember **this**"


def test_delete_removes_my_note(me, learner, roadmap_topics):
    topic = roadmap_topics[1][0]
    services.save_note(user=learner, topic=topic, body="note")
    assert me.delete(note_url(topic)).status_code == 204
    assert me.get(note_url(topic)).status_code == 404


@pytest.mark.parametrize("body", ["", "   ", "x" * (Note.MAX_LENGTH + 1)], ids=["empty", "blank", "too-long"])
def test_a_bad_note_answers_400(me, roadmap_topics, body):
    response = me.put(note_url(roadmap_topics[1][0]), {"body": body}, format="json")
    assert response.status_code == 400
    assert "body" in error_of(response)["fields"]


def test_my_notes_list_only_mine(me, learner, other_learner, roadmap_topics):
    _, topics = roadmap_topics
    services.save_note(user=learner, topic=topics[0], body="mine")
    services.save_note(user=other_learner, topic=topics[1], body="theirs")
    assert [note["body"] for note in me.get("/api/v1/me/notes/").json()["results"]] == ["mine"]


@pytest.mark.parametrize("hidden", ["topic", "roadmap"])
def test_my_lists_leave_out_what_is_unpublished_and_keep_it_for_later(me, learner, roadmap_topics, hidden):
    roadmap, topics = roadmap_topics
    services.save_note(user=learner, topic=topics[0], body="kept for later")
    services.set_progress(user=learner, topic=topics[0], status="done")
    if hidden == "topic":
        Topic.objects.filter(pk=topics[0].pk).update(is_published=False)
    else:
        type(roadmap).objects.filter(pk=roadmap.pk).update(is_published=False)
    assert me.get("/api/v1/me/notes/").json()["results"] == []
    assert me.get("/api/v1/me/progress/").json()["results"] == []
    assert me.get(note_url(topics[0])).status_code == 404
    assert Note.objects.filter(user=learner, body="kept for later").exists()


def test_another_members_note_is_404_for_me(me, other_learner, roadmap_topics):
    topic = roadmap_topics[1][0]
    services.save_note(user=other_learner, topic=topic, body="secret")
    response = me.get(note_url(topic))
    assert response.status_code == 404
    assert "secret" not in response.content.decode()


# --- Profiles ---------------------------------------------------------------------------


def test_a_public_profile_shows_only_public_fields(api, learner):
    response = api.get(f"/api/v1/users/{learner.username.upper()}/")
    assert response.status_code == 200
    assert set(response.json()) == {
        "username",
        "display_name",
        "bio",
        "role",
        "date_joined",
        "is_progress_public",
        "url",
    }


def test_an_inactive_or_unknown_member_answers_404(api, learner):
    learner.is_active = False
    learner.save()
    assert api.get(f"/api/v1/users/{learner.username}/").status_code == 404
    assert api.get("/api/v1/users/nobody/").status_code == 404


def test_public_progress_is_shown_per_roadmap(api, learner, roadmap_topics):
    roadmap, topics = roadmap_topics
    services.set_progress(user=learner, topic=topics[0], status="done")
    response = api.get(f"/api/v1/users/{learner.username}/progress/")
    assert response.status_code == 200
    assert [(card["slug"], card["finished"]) for card in response.json()] == [(roadmap.slug, 1)]


def test_private_progress_answers_404_to_others_but_not_to_its_owner(
    api, learner, other_learner, roadmap_topics
):
    services.set_progress(user=learner, topic=roadmap_topics[1][0], status="done")
    learner.is_progress_public = False
    learner.save()
    assert api.get(f"/api/v1/users/{learner.username}/progress/").status_code == 404
    assert token_client(other_learner).get(f"/api/v1/users/{learner.username}/progress/").status_code == 404
    assert token_client(learner).get(f"/api/v1/users/{learner.username}/progress/").status_code == 200
