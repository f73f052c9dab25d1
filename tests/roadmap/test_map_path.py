"""The roadmap map drawn as a path: sections down a spine that fold, prerequisite edges drawn
between the nodes, each section's progress, and a page no larger than the card list it replaced."""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from roadmap.content_files import import_roadmap, load_roadmap_file
from roadmap.models import Topic
from tests.factories import ProgressFactory, build_roadmap
from tests.html import parse

pytestmark = pytest.mark.django_db

BACKEND_FILE = Path(__file__).resolve().parents[2] / "roadmap" / "content" / "backend.yaml"
# GET /roadmaps/backend/ for an anonymous visitor with the shipped roadmap (no discussions), in
# bytes, as the two-column list of cards drew it before the map became a path: 144 topics then.
# The roadmap has grown since, so the budget is per topic.
CARD_LIST_MAP_BYTES = 145_218
CARD_LIST_TOPICS = 144


@pytest.fixture
def roadmap_with_topics():
    """10 topics in 3 sections (4, 3, 3), each after the one before."""
    return build_roadmap(topics=10, sections=3)


def map_page(client, roadmap):
    return parse(client.get(reverse("roadmap:roadmap-detail", args=[roadmap.slug])).text)


def sections_of(page):
    return page.find_all("details", class_="map-section")


def test_each_section_is_a_step_on_the_path_that_can_be_folded(client, roadmap_with_topics):
    roadmap, topics = roadmap_with_topics
    sections = sections_of(map_page(client, roadmap))
    titles = list(roadmap.sections.order_by("position").values_list("title", flat=True))
    assert [section.find("summary").find("h2").text for section in sections] == [
        f"{number} {title}" for number, title in enumerate(titles, start=1)
    ]
    assert all("open" in section.attrs for section in sections)
    assert [
        [node.attrs["id"] for node in section.find_all("li", class_="topic-node")] for section in sections
    ] == [
        [f"topic-{topic.slug}" for topic in topics[:4]],
        [f"topic-{topic.slug}" for topic in topics[4:7]],
        [f"topic-{topic.slug}" for topic in topics[7:]],
    ]


def test_prerequisites_are_drawn_as_edges_within_a_section_and_from_the_one_before(
    client, roadmap_with_topics
):
    roadmap, _ = roadmap_with_topics
    first, second, _ = sections_of(map_page(client, roadmap))
    first_edges = [path.attrs["d"] for path in first.find("svg", class_="edges").find_all("path")]
    second_edges = [path.attrs["d"] for path in second.find("svg", class_="edges").find_all("path")]
    assert len(first_edges) == 3  # topic 1 after 0, 2 after 1, 3 after 2
    assert not any(edge.startswith("M0 0") for edge in first_edges)
    assert len(second_edges) == 3  # topic 4 after 3 (the section before), 5 after 4, 6 after 5
    assert sum(edge.startswith("M0 0") for edge in second_edges) == 1
    assert first.find("svg", class_="edges").attrs["aria-hidden"] == "true"


def test_edges_into_optional_and_alternative_topics_have_their_own_line(client, roadmap_with_topics):
    roadmap, topics = roadmap_with_topics
    for topic, kind in [(topics[1], Topic.Kind.OPTIONAL), (topics[2], Topic.Kind.ALTERNATIVE)]:
        topic.kind = kind
        topic.save()
    first = sections_of(map_page(client, roadmap))[0]
    assert [path.attrs.get("class") for path in first.find("svg", class_="edges").find_all("path")] == [
        "edge-optional",
        "edge-alternative",
        None,
    ]
    assert "node-kind-alternative" in first.find("li", id=f"topic-{topics[2].slug}").classes


def test_each_section_shows_the_viewers_progress_through_it(learner_client, learner, roadmap_with_topics):
    roadmap, topics = roadmap_with_topics
    ProgressFactory(user=learner, topic=topics[0], status="done")
    ProgressFactory(user=learner, topic=topics[1], status="skipped")
    ProgressFactory(user=learner, topic=topics[2], status="learning")
    ProgressFactory(user=learner, topic=topics[4], status="done")

    def progress(page):
        return [section.find("span", class_="section-progress").text for section in sections_of(page)]

    assert progress(map_page(Client(), roadmap)) == ["4 topics", "3 topics", "3 topics"]
    assert progress(map_page(learner_client, roadmap)) == [
        "2 of 4 topics done",
        "1 of 3 topics done",
        "0 of 3 topics done",
    ]


def test_marking_a_topic_from_the_map_updates_its_sections_progress(learner_client, roadmap_with_topics):
    roadmap, topics = roadmap_with_topics
    response = learner_client.post(
        reverse("roadmap:topic-progress", args=[roadmap.slug, topics[5].slug]),
        {"status": "done", "from": "map"},
        headers={"HX-Request": "true"},
    )
    (section_progress,) = parse(response.text).find_all("span", class_="section-progress")
    assert section_progress.attrs["id"] == f"section-progress-{topics[5].section_id}"
    assert section_progress.attrs["hx-swap-oob"] == "true"
    assert section_progress.text == "1 of 3 topics done"


def test_the_shipped_map_is_no_larger_than_the_card_list_it_replaced(client):
    import_roadmap(load_roadmap_file(BACKEND_FILE))
    response = client.get(reverse("roadmap:roadmap-detail", args=["backend"]))
    assert response.status_code == 200
    topics = Topic.objects.filter(roadmap__slug="backend", is_published=True).count()
    assert len(response.content) <= CARD_LIST_MAP_BYTES * topics / CARD_LIST_TOPICS


def test_the_drawer_shows_the_topics_resources_discussions_and_a_way_to_close_it(client, roadmap_with_topics):
    _, topics = roadmap_with_topics
    response = client.get(f"{topics[1].get_absolute_url()}?panel=1", headers={"HX-Request": "true"})
    drawer = parse(response.text)
    assert drawer.find("h2", id="drawer-heading").text == topics[1].title
    assert drawer.find("section", class_="resources").find("h3").text == "Resources"
    assert len(drawer.find("section", class_="resources").find_all("li")) == 2
    assert drawer.find("section", class_="topic-discussion")
    closes = [button.text for button in drawer.find_all("button") if "data-drawer-close" in button.attrs]
    assert closes == ["Close Esc"]
