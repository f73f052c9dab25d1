"""Taking a topic's quiz: the questions without their answers, marking, the result with every
explanation, retrying, the pass on the learner's progress (map, profile), rate limits."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from roadmap import services
from roadmap.models import Progress, ProgressEvent, QuizAttempt, QuizOption
from tests.factories import ProgressFactory, TopicFactory, UserFactory, add_quiz, build_roadmap
from tests.html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz_topic():
    roadmap, topics = build_roadmap(topics=4, sections=2, with_resources=False)
    topic = topics[0]
    add_quiz(topic, questions=3, multiple=1)
    return topic


def topic_url(topic):
    return reverse("roadmap:topic-detail", args=[topic.roadmap.slug, topic.slug])


def quiz_url(topic):
    return reverse("roadmap:topic-quiz", args=[topic.roadmap.slug, topic.slug])


def answers(topic, *, right=True):
    """Form data answering every question, all right or (with right=False) the first one wrong."""
    data = {}
    for index, question in enumerate(topic.quiz_questions.order_by("position")):
        options = list(question.options.order_by("position"))
        correct = [option.key for option in options if option.is_correct]
        wrong = [option.key for option in options if not option.is_correct]
        data[f"question-{question.pk}"] = wrong[:1] if (index == 0 and not right) else correct
    return data


def quiz_of(html):
    return parse(html).find(id="quiz")


def map_node(html, topic):
    return parse(html).find("li", id=f"topic-{topic.slug}")


def explanations(topic):
    return list(QuizOption.objects.filter(question__topic=topic).values_list("explanation", flat=True))


def test_topic_page_asks_every_question_with_its_options(learner_client, quiz_topic):
    form = quiz_of(learner_client.get(topic_url(quiz_topic)).text).find("form")
    assert len(form.find_all("li", class_="quiz-question")) == 3
    assert len(form.find_all("input", type="checkbox")) == 3  # the question with two right options
    assert len(form.find_all("input", type="radio")) == 6
    assert "Choose all that apply." in form.text


@pytest.mark.parametrize("who", ["anonymous", "learner"])
def test_answers_and_explanations_never_reach_the_page_before_an_attempt(client, learner, quiz_topic, who):
    if who == "learner":
        client.force_login(learner)
    html = client.get(topic_url(quiz_topic)).text
    for explanation in explanations(quiz_topic):
        assert explanation not in html
    assert "correct" not in html.lower().split('id="quiz"')[1].split("</section>")[0]
    assert "is-correct" not in html


def test_answers_never_reach_the_drawer_before_an_attempt(learner_client, quiz_topic):
    response = learner_client.get(topic_url(quiz_topic) + "?panel=1", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="quiz"' in response.text
    for explanation in explanations(quiz_topic):
        assert explanation not in response.text


def test_option_keys_do_not_follow_the_written_order(quiz_topic):
    keys = list(QuizOption.objects.filter(question__topic=quiz_topic).values_list("key", flat=True))
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{8}", key) for key in keys)
    assert len(set(keys)) == len(keys)


def test_options_are_shuffled_for_each_attempt(learner_client, quiz_topic):
    orders = set()
    for _ in range(12):
        quiz = quiz_of(learner_client.get(topic_url(quiz_topic)).text)
        orders.add(tuple(node.attrs["value"] for node in quiz.find_all("input", type="radio")))
    assert len(orders) > 1


def test_anonymous_visitor_sees_the_questions_and_a_prompt_to_sign_in(client, quiz_topic):
    quiz = quiz_of(client.get(topic_url(quiz_topic)).text)
    assert len(quiz.find_all("li", class_="quiz-question")) == 3
    assert quiz.find_all("form") == []
    assert "to answer the quiz" in quiz.text


def test_a_wrong_answer_fails_and_shows_every_explanation(learner_client, learner, quiz_topic):
    response = learner_client.post(quiz_url(quiz_topic), answers(quiz_topic, right=False), follow=True)
    assert response.status_code == 200
    assert "2 of 3 questions right." in response.text
    for explanation in explanations(quiz_topic):
        assert explanation in response.text
    attempt = QuizAttempt.objects.get(learner=learner)
    assert (attempt.score, attempt.total, attempt.passed) == (2, 3, False)
    assert not Progress.objects.filter(user=learner, quiz_passed_at__isnull=False).exists()


def test_all_right_passes_and_records_it_on_the_progress(learner_client, learner, quiz_topic):
    ProgressFactory(user=learner, topic=quiz_topic, status="done")
    response = learner_client.post(quiz_url(quiz_topic), answers(quiz_topic), follow=True)
    assert "Passed:" in response.text
    progress = Progress.objects.get(user=learner, topic=quiz_topic)
    assert progress.quiz_passed_at is not None
    assert progress.status == "done"
    assert ProgressEvent.objects.filter(user=learner, topic=quiz_topic, kind="quiz").count() == 1


def test_passing_an_unstarted_topic_marks_it_learning(learner, quiz_topic):
    services.submit_quiz_attempt(user=learner, topic=quiz_topic, answers=answers_by_id(quiz_topic))
    progress = Progress.objects.get(user=learner, topic=quiz_topic)
    assert progress.status == "learning"
    kinds = list(ProgressEvent.objects.filter(user=learner, topic=quiz_topic).values_list("kind", flat=True))
    assert kinds == ["learning", "quiz"]


def test_passing_again_keeps_the_first_pass(learner, quiz_topic):
    services.submit_quiz_attempt(user=learner, topic=quiz_topic, answers=answers_by_id(quiz_topic))
    first = Progress.objects.get(user=learner, topic=quiz_topic).quiz_passed_at
    services.submit_quiz_attempt(user=learner, topic=quiz_topic, answers=answers_by_id(quiz_topic))
    assert Progress.objects.get(user=learner, topic=quiz_topic).quiz_passed_at == first
    assert ProgressEvent.objects.filter(user=learner, kind="quiz").count() == 1


def answers_by_id(topic):
    return {int(name.split("-")[1]): keys for name, keys in answers(topic).items()}


def test_a_multiple_choice_question_needs_every_right_option(learner, quiz_topic):
    given = answers_by_id(quiz_topic)
    first = quiz_topic.quiz_questions.order_by("position").first()
    given[first.pk] = given[first.pk][:1]
    attempt = services.submit_quiz_attempt(user=learner, topic=quiz_topic, answers=given)
    assert (attempt.score, attempt.passed) == (2, False)


def test_an_unanswered_question_is_refused_and_keeps_the_choices(learner_client, quiz_topic):
    data = answers(quiz_topic)
    first, *_ = data
    chosen = data.pop(first)
    second = next(iter(data))
    response = learner_client.post(quiz_url(quiz_topic), data)
    assert response.status_code == 400
    assert "Answer every question: 1 of 3 is still open." in response.text
    checked = {
        node.attrs["value"] for node in quiz_of(response.text).find_all("input") if "checked" in node.attrs
    }
    assert set(data[second]) <= checked
    assert not set(chosen) & checked
    assert not QuizAttempt.objects.exists()


def test_an_option_of_another_question_is_refused(learner_client, quiz_topic):
    data = answers(quiz_topic)
    names = list(data)
    data[names[1]] = data[names[2]]
    response = learner_client.post(quiz_url(quiz_topic), data)
    assert response.status_code == 400
    assert "not in its question" in response.text


def test_htmx_submit_returns_the_result_in_place_with_a_retry(learner_client, quiz_topic):
    response = learner_client.post(
        quiz_url(quiz_topic), {**answers(quiz_topic, right=False), "place": "panel"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    quiz = quiz_of(response.text)
    assert quiz.find("div", class_="quiz-result")
    retry = quiz.find("p", class_="quiz-again").find("a")
    assert retry.attrs["hx-get"] == quiz_url(quiz_topic) + "?place=panel"
    again = learner_client.get(retry.attrs["hx-get"], HTTP_HX_REQUEST="true")
    assert quiz_of(again.text).find("form")


def test_without_javascript_the_result_has_a_page_of_its_own(learner_client, learner, quiz_topic):
    response = learner_client.post(quiz_url(quiz_topic), answers(quiz_topic, right=False))
    attempt = QuizAttempt.objects.get(learner=learner)
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "roadmap:quiz-result", args=[quiz_topic.roadmap.slug, quiz_topic.slug, attempt.pk]
    )
    retry = (
        quiz_of(learner_client.get(response["Location"]).text).find("p", class_="quiz-again").find_all("a")[0]
    )
    assert retry.attrs["href"] == topic_url(quiz_topic) + "#quiz"


def test_another_learner_cannot_read_an_attempt(learner, quiz_topic):
    attempt = services.submit_quiz_attempt(user=learner, topic=quiz_topic, answers=answers_by_id(quiz_topic))
    client = Client()
    client.force_login(UserFactory())
    url = reverse("roadmap:quiz-result", args=[quiz_topic.roadmap.slug, quiz_topic.slug, attempt.pk])
    assert client.get(url).status_code == 404


def test_attempts_are_rate_limited_with_a_clear_message(learner_client, quiz_topic, monkeypatch):
    monkeypatch.setattr(services, "QUIZ_ATTEMPTS_PER_MINUTE", 2)
    for _ in range(2):
        assert learner_client.post(quiz_url(quiz_topic), answers(quiz_topic)).status_code == 302
    response = learner_client.post(quiz_url(quiz_topic), answers(quiz_topic))
    assert response.status_code == 429
    assert "Take a moment with the explanations" in response.text
    assert response["Retry-After"] == "60"
    assert QuizAttempt.objects.count() == 2


def test_a_topic_without_a_quiz_has_no_quiz_block_and_refuses_attempts(learner_client):
    topic = TopicFactory()
    assert 'id="quiz"' not in learner_client.get(topic_url(topic)).text
    assert learner_client.post(quiz_url(topic), {}).status_code == 404


def test_a_passed_quiz_shows_on_the_map_for_its_learner_only(client, learner, quiz_topic):
    services.submit_quiz_attempt(user=learner, topic=quiz_topic, answers=answers_by_id(quiz_topic))
    url = reverse("roadmap:roadmap-detail", args=[quiz_topic.roadmap.slug])
    client.force_login(learner)
    node = map_node(client.get(url).text, quiz_topic)
    assert "quiz-passed" in node.classes
    assert node.find(class_="quiz-mark").text == "★ Quiz passed"
    learner.language = "es"
    learner.save()
    assert (
        map_node(client.get(url).text, quiz_topic).find(class_="quiz-mark").text == "★ Cuestionario aprobado"
    )
    other = Client()
    other.force_login(UserFactory())
    node = map_node(other.get(url).text, quiz_topic)
    assert "quiz-passed" not in node.classes
    assert node.find_all(class_="quiz-mark") == []


def test_a_passed_quiz_shows_on_the_profile(client, learner, quiz_topic):
    services.submit_quiz_attempt(user=learner, topic=quiz_topic, answers=answers_by_id(quiz_topic))
    learner.is_progress_public = True
    learner.save()
    page = parse(client.get(reverse("accounts:profile", args=[learner.username])).text)
    assert page.find("p", class_="quiz-count").text == "★ 1 quiz passed"


def test_resetting_the_topic_clears_the_pass(learner_client, learner, quiz_topic):
    services.submit_quiz_attempt(user=learner, topic=quiz_topic, answers=answers_by_id(quiz_topic))
    services.set_progress(user=learner, topic=quiz_topic, status="none")
    assert not Progress.objects.filter(user=learner, topic=quiz_topic).exists()
    assert QuizAttempt.objects.filter(learner=learner, passed=True).exists()  # the attempt stays


# --- Who may do what ----------------------------------------------------------------------

QUIZ_ROLES = ["anonymous", "learner", "other_learner", "suspended", "mentor", "admin"]
# Taking a quiz is tracking one's own progress: every member may (a suspended one too: they
# keep learning); an attempt's result is its learner's only.
QUIZ_EXPECTED = {
    "take": {"learner": 302, "other_learner": 302, "suspended": 302, "mentor": 302, "admin": 302},
    "read_result": {"learner": 200, "other_learner": 404, "suspended": 404, "mentor": 404, "admin": 404},
}


@pytest.mark.parametrize("action", list(QUIZ_EXPECTED))
@pytest.mark.parametrize("role", QUIZ_ROLES)
def test_quiz_permission_matrix(role, action, quiz_topic):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import AdminFactory, MentorFactory

    learner = UserFactory()
    users = {
        "anonymous": None,
        "learner": learner,
        "other_learner": UserFactory(),
        "suspended": UserFactory(suspended_until=timezone.now() + timedelta(days=1)),
        "mentor": MentorFactory(),
        "admin": AdminFactory(),
    }
    attempt = services.submit_quiz_attempt(user=learner, topic=quiz_topic, answers=answers_by_id(quiz_topic))
    client = Client()
    if users[role] is not None:
        client.force_login(users[role])
    before = QuizAttempt.objects.count()
    if action == "take":
        response = client.post(quiz_url(quiz_topic), answers(quiz_topic))
    else:
        url = reverse("roadmap:quiz-result", args=[quiz_topic.roadmap.slug, quiz_topic.slug, attempt.pk])
        response = client.get(url)
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == QUIZ_EXPECTED[action][role]
    assert QuizAttempt.objects.count() - before == (1 if action == "take" and role != "anonymous" else 0)
