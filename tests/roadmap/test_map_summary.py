"""A signed-in learner's progress summary above the map is kept rendered (roadmap.caches.
MAP_SUMMARY): whoever changes their progress or the roadmap, the next map shows it, in the
learner's language."""

import pytest
from django.urls import reverse

from roadmap.models import Progress
from tests.factories import UserFactory, build_roadmap
from tests.html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def roadmap_and_topics():
    return build_roadmap(topics=10, sections=3)


def summary(client, roadmap) -> str:
    page = parse(client.get(reverse("roadmap:roadmap-detail", args=[roadmap.slug])).text)
    return " ".join(page.find("div", id="map-progress").text.split())


def test_the_summary_follows_progress_written_anywhere(client, roadmap_and_topics):
    roadmap, topics = roadmap_and_topics
    learner = UserFactory()
    client.force_login(learner)
    assert "Your progress: 0% — 0 of 10 topics done or skipped" in summary(client, roadmap)
    assert summary(client, roadmap) == summary(client, roadmap)  # kept: the same twice

    Progress.objects.create(user=learner, topic=topics[0], status="done")  # as a shell or import would
    assert "Your progress: 10% — 1 of 10 topics done or skipped" in summary(client, roadmap)
    assert f"Next up: {topics[1].title}" in summary(client, roadmap)

    Progress.objects.filter(user=learner).delete()
    assert "Your progress: 0%" in summary(client, roadmap)


def test_the_summary_follows_a_renamed_topic_and_is_each_learners_own(client, roadmap_and_topics):
    roadmap, topics = roadmap_and_topics
    learner, other = UserFactory(), UserFactory()
    Progress.objects.create(user=other, topic=topics[0], status="done")
    client.force_login(learner)
    assert f"Next up: {topics[0].title}" in summary(client, roadmap)

    topics[0].title = "Indexes, renamed in the admin"
    topics[0].save()
    assert "Next up: Indexes, renamed in the admin" in summary(client, roadmap)

    client.force_login(other)
    assert "Your progress: 10%" in summary(client, roadmap)


def test_the_summary_is_in_the_learners_language(client, roadmap_and_topics):
    roadmap, _ = roadmap_and_topics
    learner = UserFactory()
    client.force_login(learner)
    assert "Your progress: 0%" in summary(client, roadmap)

    learner.language = "es"
    learner.save()
    assert "Tu progreso: 0% — 0 de 10 temas hechos u omitidos" in summary(client, roadmap)
