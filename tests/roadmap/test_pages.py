import pytest
from django.urls import reverse

from roadmap.models import Progress
from tests.factories import ProgressFactory, RoadmapFactory, build_roadmap
from tests.html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def roadmap_with_topics():
    return build_roadmap(topics=10, sections=3)


def map_url(roadmap):
    return reverse("roadmap:roadmap-detail", args=[roadmap.slug])


def test_roadmap_list_shows_published_roadmaps_with_topic_counts(client, roadmap_with_topics):
    RoadmapFactory(slug="draft", title="Draft roadmap", is_published=False)
    response = client.get(reverse("roadmap:roadmap-list"))
    assert response.status_code == 200
    assert "Backend" in response.text
    assert "10 topics" in response.text
    assert "Draft roadmap" not in response.text


def test_roadmap_list_shows_my_percent_when_signed_in(learner_client, learner, roadmap_with_topics):
    _, topics = roadmap_with_topics
    for topic in topics[:3]:
        ProgressFactory(user=learner, topic=topic, status="done")
    ProgressFactory(user=learner, topic=topics[3], status="skipped")
    response = learner_client.get(reverse("roadmap:roadmap-list"))
    assert "Your progress: 40% (4 of 10)" in response.text


def test_map_shows_sections_topics_kinds_and_a_legend(client, roadmap_with_topics):
    roadmap, topics = roadmap_with_topics
    response = client.get(map_url(roadmap))
    assert response.status_code == 200
    for topic in topics:
        assert topic.title in response.text
    assert "Legend:" in response.text
    assert "Core" in response.text
    node = parse(response.text).find("li", id=f"topic-{topics[1].slug}")
    assert f"After: {topics[0].title}." in node.text  # its prerequisite, for those who cannot see the edge


def test_map_shows_my_statuses_in_text_and_the_percent(learner_client, learner, roadmap_with_topics):
    roadmap, topics = roadmap_with_topics
    ProgressFactory(user=learner, topic=topics[0], status="done")
    ProgressFactory(user=learner, topic=topics[1], status="skipped")
    ProgressFactory(user=learner, topic=topics[2], status="learning")
    response = learner_client.get(map_url(roadmap))
    assert "20%" in response.text
    nodes = {topic.slug: parse(response.text).find("li", id=f"topic-{topic.slug}") for topic in topics[:4]}
    shown = {
        slug: (
            node.find("span", class_="status-text").text,
            not node.find("span", class_="next-badge").is_hidden,
        )
        for slug, node in nodes.items()
    }
    assert shown == {
        topics[0].slug: ("Done", False),
        topics[1].slug: ("Skipped", False),
        topics[2].slug: ("Learning", True),
        topics[3].slug: ("Not started", False),
    }
    assert "status-done" in nodes[topics[0].slug].classes and "is-next-up" in nodes[topics[2].slug].classes
    assert "Next up: <a" in response.text and topics[2].title in response.text


def test_anonymous_map_prompts_sign_in_instead_of_status_buttons(client, roadmap_with_topics):
    roadmap, topics = roadmap_with_topics
    response = client.get(map_url(roadmap))
    assert "to track your progress" in response.text
    topic_page = client.get(topics[0].get_absolute_url())
    assert "to mark this topic" in topic_page.text
    assert 'name="status"' not in topic_page.text


def test_unpublished_roadmap_and_unknown_topic_are_404(client, roadmap_with_topics):
    roadmap, topics = roadmap_with_topics
    assert (
        client.get(reverse("roadmap:topic-detail", args=[roadmap.slug, "no-such-topic"])).status_code == 404
    )
    roadmap.is_published = False
    roadmap.save()
    assert client.get(map_url(roadmap)).status_code == 404
    assert client.get(topics[0].get_absolute_url()).status_code == 404


def test_topic_page_shows_body_resources_by_kind_and_neighbours(client, roadmap_with_topics):
    _, topics = roadmap_with_topics
    response = client.get(topics[1].get_absolute_url())
    assert response.status_code == 200
    assert "<strong>why</strong>" in response.text
    assert "<h3>Official docs</h3>" in response.text and "<h3>Article</h3>" in response.text
    assert f"← {topics[0].title}" in response.text
    assert f"{topics[2].title} →" in response.text
    assert "Learn first:" in response.text


def test_unpublished_topic_is_hidden_from_the_map_and_404(client, roadmap_with_topics):
    roadmap, topics = roadmap_with_topics
    topics[4].is_published = False
    topics[4].save()
    assert topics[4].title not in client.get(map_url(roadmap)).text
    assert client.get(topics[4].get_absolute_url()).status_code == 404


def test_admin_change_is_visible_on_the_site_at_once(
    client, admin_user, roadmap_with_topics, django_capture_on_commit_callbacks
):
    roadmap, topics = roadmap_with_topics
    client.get(map_url(roadmap))  # warm the caches
    client.get(topics[0].get_absolute_url())
    client.force_login(admin_user)
    change_url = reverse("admin:roadmap_topic_change", args=[topics[0].pk])
    form = client.get(change_url).context["adminform"].form
    data = {key: value for key, value in form.initial.items() if value is not None}
    data.update(
        title_en="Renamed in the admin",  # the English beside its translations
        body_en="New **body**.",
        prerequisites=[],
        **{
            "resources-TOTAL_FORMS": "0",
            "resources-INITIAL_FORMS": "0",
            "resources-MIN_NUM_FORMS": "0",
            "resources-MAX_NUM_FORMS": "1000",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    client.logout()
    assert "Renamed in the admin" in client.get(map_url(roadmap)).text
    assert "New <strong>body</strong>" in client.get(topics[0].get_absolute_url()).text


def test_profile_shows_progress_unless_private(client, learner, roadmap_with_topics):
    _, topics = roadmap_with_topics
    ProgressFactory(user=learner, topic=topics[0], status="done")
    profile = reverse("accounts:profile", args=[learner.username])
    assert "10% — 1 of 10 topics" in client.get(profile).text
    learner.is_progress_public = False
    learner.save()
    assert "1 of 10 topics" not in client.get(profile).text
    client.force_login(learner)
    assert "Only you can see this" in client.get(profile).text


def test_home_shows_continue_learning_when_signed_in(learner_client, learner, roadmap_with_topics):
    _, topics = roadmap_with_topics
    ProgressFactory(user=learner, topic=topics[0], status="done")
    ProgressFactory(user=learner, topic=topics[1], status="learning")
    response = learner_client.get(reverse("home"))
    assert "You are learning" in response.text
    assert topics[1].title in response.text
    assert Progress.objects.count() == 2


def test_a_topic_page_says_when_the_topic_was_last_reviewed(client):
    import datetime

    from tests.factories import TopicFactory

    reviewed = TopicFactory(reviewed_on=datetime.date(2026, 12, 5))
    page = parse(client.get(reviewed.get_absolute_url()).text)
    assert page.find("time").text == "5 December 2026"
    assert page.find("time").attrs["datetime"] == "2026-12-05"
    never = TopicFactory()
    assert "Last reviewed" not in client.get(never.get_absolute_url()).text
