"""My notifications through the API: listed newest first, marked read one by one or all at
once; another member's are 404."""

import pytest

from community import services
from community.models import Notification
from tests.api.helpers import error_of, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def replies(author, thread, learner, django_capture_on_commit_callbacks):
    """Two replies by `learner` to `author`'s thread: two notifications for the author."""
    services.follow_set(user=author, thread=thread)
    with django_capture_on_commit_callbacks(execute=True):
        for body in ("First reply", "Second reply"):
            services.create_comment(thread=thread, author=learner, body=body)
    return list(Notification.objects.filter(recipient=author).order_by("-created_at", "-pk"))


def test_my_notifications_are_listed_newest_first(author, replies):
    response = token_client(author).get("/api/v1/me/notifications/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["id"] for item in results] == [notification.pk for notification in replies]
    assert (results[0]["verb"], results[0]["actor"]["username"], results[0]["is_read"]) == (
        "reply",
        "learner",
        False,
    )


def test_unread_filters_out_read_ones(author, replies):
    services.mark_notifications_read(user=author, ids=[replies[0].pk])
    results = token_client(author).get("/api/v1/me/notifications/", {"unread": "true"}).json()["results"]
    assert [item["id"] for item in results] == [replies[1].pk]


def test_marking_one_read(author, replies):
    response = token_client(author).post(f"/api/v1/me/notifications/{replies[0].pk}/read/")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert Notification.objects.filter(recipient=author, read_at__isnull=True).count() == 1


def test_marking_all_read(author, replies):
    response = token_client(author).post("/api/v1/me/notifications/read/", {}, format="json")
    assert response.json() == {"marked": 2}
    assert not Notification.objects.filter(recipient=author, read_at__isnull=True).exists()


def test_marking_some_read(author, replies):
    response = token_client(author).post(
        "/api/v1/me/notifications/read/", {"ids": [replies[1].pk]}, format="json"
    )
    assert response.json() == {"marked": 1}


@pytest.mark.parametrize(
    "ids", [["a"], [0], "1", list(range(1, 102))], ids=["text", "zero", "not-a-list", "too-many"]
)
def test_bad_ids_answer_400(author, ids):
    response = token_client(author).post("/api/v1/me/notifications/read/", {"ids": ids}, format="json")
    assert response.status_code == 400
    assert "ids" in error_of(response)["fields"]


def test_another_members_notification_is_404(learner, author, replies):
    client = token_client(learner)
    assert client.get(f"/api/v1/me/notifications/{replies[0].pk}/").status_code == 404
    assert client.post(f"/api/v1/me/notifications/{replies[0].pk}/read/").status_code == 404
    assert client.post("/api/v1/me/notifications/read/", {"ids": [replies[0].pk]}, format="json").json() == {
        "marked": 0
    }
    assert client.get("/api/v1/me/notifications/").json()["results"] == []
    assert not Notification.objects.filter(recipient=author, read_at__isnull=False).exists()


def test_notifications_need_sign_in(api):
    assert api.get("/api/v1/me/notifications/").status_code == 401
    assert api.post("/api/v1/me/notifications/read/", {}, format="json").status_code == 401


def test_a_mention_notifies_through_the_api(author, learner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        token_client(learner).post(
            "/api/v1/threads/",
            {"title": "A question for the author here", "body": "What do you think, @author? Any ideas?"},
            format="json",
        )
    assert token_client(author).get("/api/v1/me/notifications/").json()["results"][0]["verb"] == "mention"
