"""The public figures on a topic page ("12 learners finished this, half of them in 3–6 days"):
shown to everyone, so only where at least five learners stand behind each number, and fresh on
the cached page as soon as the insights are recomputed."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import insights
from roadmap.models import Progress, ProgressEvent
from tests.factories import ProgressFactory, TopicFactory, UserFactory, build_roadmap
from tests.html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def topic():
    _, topics = build_roadmap(topics=2, sections=1)
    return topics[0]


def finish(topic, *, count: int, days: list[float] | None = None):
    """`count` learners who started `topic` and finished it `days` later (2 days by default)."""
    now = timezone.now()
    for took in days or [2] * count:
        learner = UserFactory()
        ProgressEvent.objects.create(
            user=learner, topic=topic, kind="learning", created_at=now - timedelta(days=took + 1)
        )
        ProgressEvent.objects.create(
            user=learner, topic=topic, kind="done", created_at=now - timedelta(days=1)
        )


def learning_now(topic, *, count: int):
    for _ in range(count):
        progress = ProgressFactory(user=UserFactory(), topic=topic, status="learning")
        Progress.objects.filter(pk=progress.pk).update(updated_at=timezone.now())


def figures(response) -> str:
    shown = parse(response.text).find_all("p", class_="topic-figures")
    return shown[0].text if shown else ""


def test_four_learners_are_too_few_to_show_and_five_are_enough(topic):
    finish(topic, count=4)
    learning_now(topic, count=4)
    insights.refresh_topic_insights()
    assert figures(Client().get(topic.get_absolute_url())) == ""
    finish(topic, count=1)
    learning_now(topic, count=1)
    insights.refresh_topic_insights()
    shown = figures(Client().get(topic.get_absolute_url()))
    assert "5 learners finished this, half of them in about 2 days." in shown
    assert "5 learners are on it now." in shown


def test_each_number_needs_its_own_five_learners(topic):
    finish(topic, count=6)
    learning_now(topic, count=4)
    insights.refresh_topic_insights()
    shown = figures(Client().get(topic.get_absolute_url()))
    assert "6 learners finished this" in shown
    assert "on it now" not in shown


def test_the_middle_half_of_the_days_shows_as_a_range(topic):
    finish(topic, count=8, days=[1, 2, 3, 3, 5, 6, 6, 30])
    insights.refresh_topic_insights()
    assert "8 learners finished this, half of them in 3–6 days." in figures(
        Client().get(topic.get_absolute_url())
    )


def test_a_warm_cached_topic_page_shows_the_figures_of_the_next_refresh(topic, settings):
    url = topic.get_absolute_url()
    finish(topic, count=4)
    insights.refresh_topic_insights()
    assert figures(Client().get(url)) == ""
    with CaptureQueriesContext(connection) as queries:
        Client().get(url)
    assert len(queries) == 0, "the anonymous topic page comes from the cache"
    finish(topic, count=1)
    insights.refresh_topic_insights()
    assert "5 learners finished this" in figures(Client().get(url))


def test_signed_in_learners_see_the_figures_too(topic, client):
    finish(topic, count=5)
    insights.refresh_topic_insights()
    client.force_login(UserFactory())
    assert "5 learners finished this" in figures(client.get(topic.get_absolute_url()))


def test_a_refresh_retires_only_the_topic_pages_whose_figures_changed(topic):
    other = TopicFactory(section=topic.section, roadmap=topic.roadmap)
    finish(topic, count=5)
    finish(other, count=5)
    insights.refresh_topic_insights()
    for warmed in (topic, other):
        Client().get(warmed.get_absolute_url())
    finish(topic, count=1)
    started_only(other)  # moves its row (started), not its figures
    insights.refresh_topic_insights()
    assert "6 learners finished this" in figures(Client().get(topic.get_absolute_url()))
    with CaptureQueriesContext(connection) as queries:
        assert "5 learners finished this" in figures(Client().get(other.get_absolute_url()))
    assert len(queries) == 0, "the other topic's page is still the cached one"


def started_only(topic):
    ProgressEvent.objects.create(user=UserFactory(), topic=topic, kind="learning", created_at=timezone.now())
