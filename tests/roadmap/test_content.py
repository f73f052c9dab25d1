"""The shipped Backend roadmap (roadmap/content/backend.yaml) is complete and well formed."""

import re
from pathlib import Path

import pytest

from roadmap.content_files import load_roadmap_file

pytestmark = pytest.mark.django_db

BACKEND_FILE = Path(__file__).resolve().parents[2] / "roadmap" / "content" / "backend.yaml"

REQUIRED_TOPICS = [
    "http",
    "dns",
    "rest",
    "graphql",
    "grpc",
    "jwt",
    "oauth2",
    "docker",
    "kubernetes",
    "redis",
    "postgresql",
    "caching-strategies",
    "owasp-top-10",
    "cors",
    "unit-testing",
    "microservices",
    "message-brokers",
    "load-balancing",
    "cap-theorem",
    "logging",
    "metrics",
    "full-text-search",
    "solid",
    "twelve-factor-app",
    "freelancing",
]


@pytest.fixture(scope="module")
def backend():
    return load_roadmap_file(BACKEND_FILE)


def all_topics(roadmap):
    return [topic for section in roadmap["sections"] for topic in section["topics"]]


def test_shipped_backend_roadmap_loads_and_validates(backend):
    assert backend["slug"] == "backend"
    assert backend["title"] and backend["summary"] and backend["description"]


def test_backend_roadmap_has_at_least_15_sections_and_100_topics(backend):
    assert len(backend["sections"]) >= 15
    assert len(all_topics(backend)) >= 100


def test_every_topic_body_has_at_least_60_words(backend):
    short = {
        topic["slug"]: len(re.findall(r"\w+", topic["body"]))
        for topic in all_topics(backend)
        if len(re.findall(r"\w+", topic["body"])) < 60
    }
    assert short == {}


def test_every_core_topic_has_a_quiz_of_at_least_three_questions(backend):
    short = {
        topic["slug"]: len(topic["quiz"])
        for topic in all_topics(backend)
        if topic["kind"] == "core" and len(topic["quiz"]) < 3
    }
    assert short == {}


def test_every_quiz_option_explains_itself_and_every_question_has_a_right_answer(backend):
    for topic in all_topics(backend):
        for question in topic["quiz"]:
            where = f"{topic['slug']}: {question['question']}"
            assert any(option["correct"] for option in question["options"]), where
            assert all(len(option["explanation"].split()) >= 4 for option in question["options"]), where


def test_every_section_has_a_project_a_mentor_can_check(backend):
    for section in backend["sections"]:
        project = section["project"]
        assert project, section["title"]
        assert project["goal"] and project["hand_in"] and 3 <= len(project["requirements"]) <= 7, section[
            "title"
        ]


def test_every_topic_says_when_it_was_last_reviewed(backend):
    assert [topic["slug"] for topic in all_topics(backend) if not topic["reviewed"]] == []


def test_every_topic_has_at_least_two_resources(backend):
    thin = [topic["slug"] for topic in all_topics(backend) if len(topic["resources"]) < 2]
    assert thin == []


def test_every_resource_url_is_https(backend):
    insecure = [
        resource["url"]
        for topic in all_topics(backend)
        for resource in topic["resources"]
        if not resource["url"].startswith("https://")
    ]
    assert insecure == []


def test_no_topic_lists_the_same_url_twice(backend):
    repeated = [
        topic["slug"]
        for topic in all_topics(backend)
        if len({resource["url"] for resource in topic["resources"]}) != len(topic["resources"])
    ]
    assert repeated == []


def test_topic_slugs_are_unique(backend):
    slugs = [topic["slug"] for topic in all_topics(backend)]
    assert len(slugs) == len(set(slugs))


def test_every_prerequisite_is_a_topic_of_the_roadmap(backend):
    slugs = {topic["slug"] for topic in all_topics(backend)}
    unknown = [
        (topic["slug"], prerequisite)
        for topic in all_topics(backend)
        for prerequisite in topic["prerequisites"]
        if prerequisite not in slugs
    ]
    assert unknown == []


def test_prerequisites_form_no_cycle(backend):
    requires = {topic["slug"]: topic["prerequisites"] for topic in all_topics(backend)}
    finished = set()

    def visit(slug, trail):
        assert slug not in trail, f"prerequisite cycle: {' -> '.join([*trail, slug])}"
        if slug in finished:
            return
        for prerequisite in requires[slug]:
            visit(prerequisite, [*trail, slug])
        finished.add(slug)

    for slug in requires:
        visit(slug, [])


def test_no_topic_requires_an_alternative_topic(backend):
    """Alternatives are choices (one backend language is enough): nothing may depend on one of them."""
    alternatives = {topic["slug"] for topic in all_topics(backend) if topic["kind"] == "alternative"}
    locked = [
        (topic["slug"], prerequisite)
        for topic in all_topics(backend)
        for prerequisite in topic["prerequisites"]
        if prerequisite in alternatives
    ]
    assert locked == []


@pytest.mark.parametrize("slug", REQUIRED_TOPICS)
def test_backend_roadmap_covers_required_topic(backend, slug):
    assert slug in {topic["slug"] for topic in all_topics(backend)}
