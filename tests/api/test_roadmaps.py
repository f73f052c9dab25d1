"""Roadmaps and topics through the API: the same content as the pages, my statuses merged in."""

import pytest

from roadmap import services
from roadmap.models import Roadmap, Topic
from tests.api.helpers import error_of, token_client
from tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db


def test_the_roadmap_list_shows_published_roadmaps_with_topic_counts(api, roadmap_topics):
    roadmap, topics = roadmap_topics
    Roadmap.objects.create(slug="draft", title="Draft", summary="Not yet", is_published=False)
    response = api.get("/api/v1/roadmaps/")
    assert response.status_code == 200
    assert [(card["slug"], card["topic_count"], card["finished"]) for card in response.json()] == [
        (roadmap.slug, len(topics), 0)
    ]


def test_the_roadmap_list_counts_my_finished_topics(learner, roadmap_topics):
    roadmap, topics = roadmap_topics
    services.set_progress(user=learner, topic=topics[0], status="done")
    card = token_client(learner).get("/api/v1/roadmaps/").json()[0]
    assert (card["finished"], card["percent"]) == (1, round(100 / len(topics)))


def test_a_roadmap_has_its_sections_topics_and_resources(api, roadmap_topics):
    roadmap, topics = roadmap_topics
    response = api.get(f"/api/v1/roadmaps/{roadmap.slug}/")
    assert response.status_code == 200
    data = response.json()
    assert len(data["sections"]) == 2
    listed = [topic for section in data["sections"] for topic in section["topics"]]
    assert [topic["slug"] for topic in listed] == [topic.slug for topic in topics]
    assert listed[1]["prerequisites"] == [topics[0].slug]
    assert [resource["kind"] for resource in listed[0]["resources"]] == ["docs", "article"]
    assert all(topic["status"] is None for topic in listed)
    assert data["next_up"] is None


def test_a_roadmap_shows_my_statuses_and_next_topic(learner, roadmap_topics):
    roadmap, topics = roadmap_topics
    services.set_progress(user=learner, topic=topics[0], status="done")
    data = token_client(learner).get(f"/api/v1/roadmaps/{roadmap.slug}/").json()
    listed = [topic for section in data["sections"] for topic in section["topics"]]
    assert listed[0]["status"] == "done"
    assert data["next_up"] == topics[1].slug
    assert listed[2]["is_blocked"] is True
    assert data["finished"] == 1


def test_a_resource_change_shows_in_the_roadmap_at_once(
    api, roadmap_topics, django_capture_on_commit_callbacks
):
    roadmap, topics = roadmap_topics
    api.get(f"/api/v1/roadmaps/{roadmap.slug}/")
    with django_capture_on_commit_callbacks(execute=True):
        ResourceFactory(topic=topics[0], title="Fresh resource", kind="video")
    data = api.get(f"/api/v1/roadmaps/{roadmap.slug}/").json()
    assert "Fresh resource" in [
        resource["title"] for resource in data["sections"][0]["topics"][0]["resources"]
    ]


def test_an_unpublished_roadmap_answers_404(api, roadmap_topics):
    roadmap, _ = roadmap_topics
    Roadmap.objects.filter(pk=roadmap.pk).update(is_published=False)
    response = api.get(f"/api/v1/roadmaps/{roadmap.slug}/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_topic_has_its_content_resources_and_prerequisites(learner, roadmap_topics):
    roadmap, topics = roadmap_topics
    services.set_progress(user=learner, topic=topics[0], status="learning")
    response = token_client(learner).get(f"/api/v1/roadmaps/{roadmap.slug}/topics/{topics[1].slug}/")
    assert response.status_code == 200
    data = response.json()
    assert data["title"] == topics[1].title
    assert "<strong>why</strong>" in data["body_html"]
    assert data["prerequisites"] == [{"slug": topics[0].slug, "title": topics[0].title, "status": "learning"}]
    assert data["is_blocked"] is True
    assert data["status"] is None
    assert len(data["resources"]) == 2
    assert data["url"] == topics[1].get_absolute_url()


def test_an_unpublished_topic_answers_404(api, roadmap_topics):
    roadmap, topics = roadmap_topics
    Topic.objects.filter(pk=topics[0].pk).update(is_published=False)
    assert api.get(f"/api/v1/roadmaps/{roadmap.slug}/topics/{topics[0].slug}/").status_code == 404


def test_a_topic_of_another_roadmap_answers_404(api, roadmap_topics):
    roadmap, topics = roadmap_topics
    Roadmap.objects.create(slug="other", title="Other", summary="x")
    assert api.get(f"/api/v1/roadmaps/other/topics/{topics[0].slug}/").status_code == 404
