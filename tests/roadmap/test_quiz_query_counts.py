"""Quiz and project pages and endpoints run as many queries with a long quiz, many attempts and
many hand-ins as with a short one and none."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import mentorship
from roadmap import services
from tests.api.helpers import token_client
from tests.factories import ProjectFactory, UserFactory, add_quiz, build_roadmap

pytestmark = pytest.mark.django_db


def count_queries(client, method, url, data=None, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data, **extra)
    assert response.status_code in {200, 201, 302}, response.content[:300]
    return len(queries)


def world(size, learner):
    """A roadmap whose first topic has a quiz of `size` questions, answered `size` times by
    the learner, and whose first section's project `size` learners handed in."""
    roadmap, topics = build_roadmap(topics=3, sections=1, slug=f"quiz-{size}", with_resources=False)
    topic = topics[0]
    add_quiz(topic, questions=size)
    for _ in range(size):
        services.submit_quiz_attempt(user=learner, topic=topic, answers=answers(topic))
        cache.clear()  # the attempts' rate limit
    project = ProjectFactory(section=topic.section)
    for _ in range(size):
        mentorship.request_project_review(
            learner=UserFactory(), project=project, repository="https://github.com/someone/project"
        )
    return roadmap, topic, project


def answers(topic):
    return {
        question.pk: [option.key for option in question.options.all() if option.is_correct]
        for question in topic.quiz_questions.all()
    }


def form_data(topic):
    return {f"question-{pk}": keys for pk, keys in answers(topic).items()}


PAGES = {
    "topic page": lambda roadmap, topic, project: (
        "get",
        reverse("roadmap:topic-detail", args=[roadmap.slug, topic.slug]),
    ),
    "drawer": lambda roadmap, topic, project: (
        "get",
        reverse("roadmap:topic-detail", args=[roadmap.slug, topic.slug]) + "?panel=1",
    ),
    "submit": lambda roadmap, topic, project: (
        "post",
        reverse("roadmap:topic-quiz", args=[roadmap.slug, topic.slug]),
    ),
    "project page": lambda roadmap, topic, project: (
        "get",
        reverse("roadmap:project-detail", args=[roadmap.slug, project.section_id]),
    ),
    "map": lambda roadmap, topic, project: ("get", reverse("roadmap:roadmap-detail", args=[roadmap.slug])),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_quiz_and_project_pages_run_a_flat_number_of_queries(client, learner, page):
    client.force_login(learner)
    counts = []
    for size in (3, 12):
        roadmap, topic, project = world(size, learner)
        method, url = PAGES[page](roadmap, topic, project)
        data = form_data(topic) if method == "post" else None
        extra = {"HTTP_HX_REQUEST": "true"} if "panel" in url else {}
        getattr(client, method)(url, data, **extra)  # caches warm
        counts.append(count_queries(client, method, url, data, **extra))
        cache.clear()
    assert counts[0] == counts[1]


@pytest.mark.parametrize("endpoint", ["quiz", "attempt", "result", "project"])
def test_quiz_and_project_endpoints_run_a_flat_number_of_queries(learner, endpoint):
    client = token_client(learner)
    counts = []
    for size in (3, 12):
        roadmap, topic, project = world(size, learner)
        if endpoint == "quiz":
            call = ("get", reverse("api:topic-quiz", args=[roadmap.slug, topic.slug]), None)
        elif endpoint == "attempt":
            data = {"answers": {str(pk): keys for pk, keys in answers(topic).items()}}
            call = ("post", reverse("api:topic-quiz-attempts", args=[roadmap.slug, topic.slug]), data)
        elif endpoint == "result":
            attempt = topic.quiz_attempts.first()
            call = ("get", reverse("api:quiz-attempt-detail", args=[attempt.pk]), None)
        else:
            call = ("get", reverse("api:roadmap-project", args=[roadmap.slug, project.section_id]), None)
        method, url, data = call
        kwargs = {"format": "json"} if method == "post" else {}
        getattr(client, method)(url, data, **kwargs)
        counts.append(count_queries(client, method, url, data, **kwargs))
        cache.clear()
    assert counts[0] == counts[1]
