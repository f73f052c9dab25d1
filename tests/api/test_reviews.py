"""Review requests in the API: a learner asks, reads, replies and resubmits; a mentor finds it
on the desk, claims it and decides; every refusal with its status and a clear message."""

import pytest

from community.models import ReviewRequest
from roadmap.models import Progress
from tests.api.helpers import error_of, token_client
from tests.factories import MentorFactory, ProgressFactory, ReviewRequestFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def done_topic(learner):
    topic = TopicFactory()
    ProgressFactory(user=learner, topic=topic, status="done")
    return topic


def _ask(client, topic, **body):
    return client.post(
        "/api/v1/me/reviews/",
        {"roadmap": topic.roadmap.slug, "topic": topic.slug, **body},
        format="json",
    )


def test_the_whole_loop_through_the_api(learner, done_topic):
    learner_api, mentor = token_client(learner), MentorFactory()
    mentor_api = token_client(mentor)
    asked = _ask(learner_api, done_topic, links=["https://github.com/me/api"], explanation="My *API*")
    assert asked.status_code == 201, asked.json()
    review = asked.json()
    assert review["state"] == "open" and review["links"] == ["https://github.com/me/api"]
    assert [item["id"] for item in mentor_api.get("/api/v1/mentor/desk/").json()] == [review["id"]]

    claimed = mentor_api.post(f"/api/v1/reviews/{review['id']}/claim/")
    assert claimed.status_code == 200 and claimed.json()["claimed_by"] == mentor.username
    decided = mentor_api.post(
        f"/api/v1/reviews/{review['id']}/decision/",
        {"verdict": "needs_work", "feedback": "Add tests"},
        format="json",
    )
    assert decided.json()["state"] == "needs_work"
    replied = learner_api.post(
        f"/api/v1/reviews/{review['id']}/reply/", {"body": "Added", "resubmit": True}, format="json"
    )
    assert replied.status_code == 201 and replied.json()["state"] == "claimed"
    assert [message["kind"] for message in replied.json()["messages"]] == [
        "submitted",
        "needs_work",
        "resubmitted",
    ]
    verified = mentor_api.post(
        f"/api/v1/reviews/{review['id']}/decision/", {"verdict": "verified", "feedback": "Yes"}, format="json"
    )
    assert verified.json()["state"] == "verified"
    mine = learner_api.get("/api/v1/me/progress/").json()
    row = next(item for item in mine["results"] if item["topic"] == done_topic.slug)
    assert row["verified_by"] == mentor.username and row["verified_at"]


@pytest.mark.parametrize(
    ("links", "message"),
    [
        (["http://example.com/work"], "is not an https link"),
        ([f"https://example.com/{n}" for n in range(6)], "at most 5 links; you gave 6"),
        (["https://example.com/" + "x" * 2000], "at most 2,000 characters"),
    ],
)
def test_bad_links_get_a_400_that_says_why(learner, done_topic, links, message):
    response = _ask(token_client(learner), done_topic, links=links)
    assert response.status_code == 400
    assert message in str(error_of(response))
    assert not ReviewRequest.objects.exists()


def test_a_claim_held_by_another_mentor_is_a_409_naming_them(done_topic):
    review = ReviewRequestFactory()
    first = MentorFactory(display_name="Mira")
    token_client(first).post(f"/api/v1/reviews/{review.pk}/claim/")
    response = token_client(MentorFactory()).post(f"/api/v1/reviews/{review.pk}/claim/")
    assert response.status_code == 409
    assert "Mira holds this request until" in error_of(response)["message"]


def test_empty_feedback_is_a_400(done_topic):
    mentor = MentorFactory()
    review = ReviewRequestFactory()
    api = token_client(mentor)
    api.post(f"/api/v1/reviews/{review.pk}/claim/")
    response = api.post(
        f"/api/v1/reviews/{review.pk}/decision/", {"verdict": "verified", "feedback": ""}, format="json"
    )
    assert response.status_code == 400
    assert not Progress.objects.filter(verified_at__isnull=False).exists()


def test_another_learner_cannot_see_a_request(learner):
    review = ReviewRequestFactory()
    assert token_client(UserFactory()).get(f"/api/v1/reviews/{review.pk}/").status_code == 404
    assert token_client(None).get(f"/api/v1/reviews/{review.pk}/").status_code == 401


def test_learners_have_no_desk(learner):
    assert token_client(learner).get("/api/v1/mentor/desk/").status_code == 403


def test_the_shared_note_is_for_the_reviewing_mentor_only(learner, done_topic):
    from roadmap import services as roadmap_services

    roadmap_services.save_note(user=learner, topic=done_topic, body="My private thoughts")
    review = _ask(token_client(learner), done_topic, explanation="See my note", shares_note=True).json()
    holder, other = MentorFactory(), MentorFactory()
    assert (
        token_client(holder).post(f"/api/v1/reviews/{review['id']}/claim/").json()["shared_note"]
        == "My private thoughts"
    )
    assert token_client(other).get(f"/api/v1/reviews/{review['id']}/").json()["shared_note"] is None
    assert token_client(learner).get(f"/api/v1/reviews/{review['id']}/").json()["shared_note"] is None
