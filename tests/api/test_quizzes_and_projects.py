"""Quizzes and projects in the API: questions without answers, attempts with their result, the
pass on my progress and the map, a section's project and its hand-in."""

import pytest
from django.urls import reverse

from community.models import OutboxEvent, ReviewRequest
from roadmap import services
from roadmap.models import QuizOption
from tests.api.helpers import error_of, token_client
from tests.factories import ProjectFactory, add_quiz, build_roadmap

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz_topic():
    _, topics = build_roadmap(topics=3, sections=1, with_resources=False)
    add_quiz(topics[0], questions=3, multiple=1)
    return topics[0]


def quiz_url(topic):
    return reverse("api:topic-quiz", args=[topic.roadmap.slug, topic.slug])


def attempts_url(topic):
    return reverse("api:topic-quiz-attempts", args=[topic.roadmap.slug, topic.slug])


def right_answers(topic, *, wrong_first=False):
    answers = {}
    for index, question in enumerate(topic.quiz_questions.order_by("position")):
        keys = [
            option.key
            for option in question.options.all()
            if option.is_correct != (wrong_first and index == 0)
        ]
        answers[str(question.pk)] = keys[:1] if wrong_first and index == 0 else keys
    return answers


@pytest.mark.parametrize("who", ["anonymous", "learner"])
def test_the_quiz_lists_questions_and_options_without_answers(learner, quiz_topic, who):
    response = token_client(learner if who == "learner" else None).get(quiz_url(quiz_topic))
    assert response.status_code == 200
    body = response.json()
    assert len(body["questions"]) == 3
    assert [question["is_multiple"] for question in body["questions"]] == [True, False, False]
    for question in body["questions"]:
        for option in question["options"]:
            assert set(option) == {"key", "text_html"}
    for explanation in QuizOption.objects.values_list("explanation", flat=True):
        assert explanation not in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"


def test_an_attempt_returns_the_result_with_every_explanation(learner, quiz_topic):
    client = token_client(learner)
    response = client.post(
        attempts_url(quiz_topic), {"answers": right_answers(quiz_topic, wrong_first=True)}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["score"], body["total"], body["passed"]) == (2, 3, False)
    explained = {
        option["explanation_html"] for question in body["questions"] for option in question["options"]
    }
    assert len(explained) == 9
    again = client.get(reverse("api:quiz-attempt-detail", args=[body["id"]]))
    assert again.json() == body


def test_a_pass_shows_on_my_progress_and_the_map(learner, quiz_topic):
    client = token_client(learner)
    assert client.post(
        attempts_url(quiz_topic), {"answers": right_answers(quiz_topic)}, format="json"
    ).json()["passed"]
    progress = client.get(
        reverse("api:progress-detail", args=[quiz_topic.roadmap.slug, quiz_topic.slug])
    ).json()
    assert progress["quiz_passed_at"] is not None
    assert progress["status"] == "learning"
    roadmap = client.get(reverse("api:roadmap-detail", args=[quiz_topic.roadmap.slug])).json()
    flags = {topic["slug"]: topic["is_quiz_passed"] for topic in roadmap["sections"][0]["topics"]}
    assert flags[quiz_topic.slug] is True
    assert sum(flags.values()) == 1
    topic = client.get(reverse("api:topic-detail", args=[quiz_topic.roadmap.slug, quiz_topic.slug])).json()
    assert (topic["is_quiz_passed"], topic["quiz_questions"]) == (True, 3)
    assert client.get(quiz_url(quiz_topic)).json()["is_passed"] is True


def test_an_unanswered_question_is_a_400_with_a_clear_message(learner, quiz_topic):
    answers = right_answers(quiz_topic)
    answers.popitem()
    response = token_client(learner).post(attempts_url(quiz_topic), {"answers": answers}, format="json")
    assert response.status_code == 400
    assert error_of(response)["message"] == "Answer every question: 1 of 3 is still open."


def test_attempts_need_a_signed_in_learner(quiz_topic):
    response = token_client(None).post(
        attempts_url(quiz_topic), {"answers": right_answers(quiz_topic)}, format="json"
    )
    assert response.status_code == 401


def test_too_many_attempts_are_a_429(learner, quiz_topic, monkeypatch):
    monkeypatch.setattr(services, "QUIZ_ATTEMPTS_PER_MINUTE", 1)
    client = token_client(learner)
    assert (
        client.post(
            attempts_url(quiz_topic), {"answers": right_answers(quiz_topic)}, format="json"
        ).status_code
        == 201
    )
    response = client.post(attempts_url(quiz_topic), {"answers": right_answers(quiz_topic)}, format="json")
    assert response.status_code == 429
    assert "Take a moment with the explanations" in error_of(response)["message"]
    assert response["Retry-After"] == "60"


def test_another_learners_attempt_is_a_404(learner, other_learner, quiz_topic):
    attempt = token_client(learner).post(
        attempts_url(quiz_topic), {"answers": right_answers(quiz_topic)}, format="json"
    )
    response = token_client(other_learner).get(
        reverse("api:quiz-attempt-detail", args=[attempt.json()["id"]])
    )
    assert response.status_code == 404


def test_a_topic_without_a_quiz_is_a_404(learner):
    _, topics = build_roadmap(topics=1, sections=1, slug="plain", with_resources=False)
    assert token_client(learner).get(quiz_url(topics[0])).status_code == 404


@pytest.fixture
def project():
    _, topics = build_roadmap(topics=2, sections=1, slug="projects", with_resources=False)
    return ProjectFactory(section=topics[0].section, title="Trace a request")


def test_a_sections_project_reads_with_its_hand_in_address(project):
    roadmap = token_client(None).get(reverse("api:roadmap-detail", args=["projects"])).json()
    section = roadmap["sections"][0]
    assert section["project"] == "Trace a request"
    body = token_client(None).get(section["project_url"]).json()
    assert body["title"] == "Trace a request"
    assert len(body["requirements_html"]) == 3
    assert body["hand_in_url"] == reverse("api:project-hand-in", args=["projects", project.section_id])


def test_handing_in_a_project_opens_a_review_request(learner, project):
    url = reverse("api:project-hand-in", args=["projects", project.section_id])
    response = token_client(learner).post(url, {"repository": "https://github.com/me/trace"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["title"], body["project"], body["topic"]) == (
        "project",
        "Trace a request",
        project.pk,
        None,
    )
    assert body["links"] == ["https://github.com/me/trace"]
    review = ReviewRequest.objects.get(learner=learner)
    assert (review.project_id, review.state) == (project.pk, "open")
    assert OutboxEvent.objects.filter(kind=OutboxEvent.Kind.REVIEW_REQUESTED).exists()


def test_a_hand_in_without_an_https_link_is_a_400(learner, project):
    url = reverse("api:project-hand-in", args=["projects", project.section_id])
    response = token_client(learner).post(url, {"repository": "http://github.com/me/trace"}, format="json")
    assert response.status_code == 400
    assert "is not an https link" in str(error_of(response)["fields"]["repository"])
    assert not ReviewRequest.objects.exists()
