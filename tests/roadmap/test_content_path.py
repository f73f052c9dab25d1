"""The shipped Backend roadmap is a path a learner can follow from top to bottom: every prerequisite
comes earlier, a core topic rests only on core topics (a language through the milestone, never a
specific one), and the topics added to close its gaps are complete."""

import re
from pathlib import Path

import pytest

from roadmap.content_files import load_roadmap_file

BACKEND_FILE = Path(__file__).resolve().parents[2] / "roadmap" / "content" / "backend.yaml"

LANGUAGE_MILESTONE = "pick-a-language"
# Topics that assume you can write programs; each must reach the milestone through its prerequisites.
TOPICS_THAT_ASSUME_CODE = ["orms", "rest", "unit-testing", "logging", "background-jobs", "solid", "kiss"]

ADDED_TOPICS = [
    "hateoas",
    "soap",
    "basic-auth",
    "saml",
    "memcached",
    "short-and-long-polling",
    "service-mesh",
    "containers-vs-virtual-machines",
    "time-series-databases",
    "server-hardening",
    "functional-testing",
    "migration-strategies",
    "backups-and-disaster-recovery",
    "connection-pooling",
    "supply-chain-security",
    "object-storage",
    "time-zones",
    "privacy-basics",
]


@pytest.fixture(scope="module")
def backend():
    return load_roadmap_file(BACKEND_FILE)


def topics_in_order(roadmap):
    return [topic for section in roadmap["sections"] for topic in section["topics"]]


def topics_by_slug(roadmap):
    return {topic["slug"]: topic for topic in topics_in_order(roadmap)}


def section_index(roadmap, title):
    return [section["title"] for section in roadmap["sections"]].index(title)


def everything_required_by(roadmap, slug):
    """Every topic a learner must have done before `slug`, directly or through other prerequisites."""
    topics = topics_by_slug(roadmap)
    required, waiting = set(), list(topics[slug]["prerequisites"])
    while waiting:
        prerequisite = waiting.pop()
        if prerequisite not in required:
            required.add(prerequisite)
            waiting.extend(topics[prerequisite]["prerequisites"])
    return required


def prose_words(body):
    return len(re.findall(r"\w+", re.sub(r"```.*?```", "", body, flags=re.DOTALL)))


def test_no_prerequisite_comes_later_in_the_path(backend):
    position = {topic["slug"]: index for index, topic in enumerate(topics_in_order(backend))}
    forward = [
        (topic["slug"], prerequisite)
        for topic in topics_in_order(backend)
        for prerequisite in topic["prerequisites"]
        if position[prerequisite] > position[topic["slug"]]
    ]
    assert forward == []


def test_no_core_topic_requires_an_optional_or_alternative_topic(backend):
    topics = topics_by_slug(backend)
    weak = [
        (topic["slug"], prerequisite, topics[prerequisite]["kind"])
        for topic in topics_in_order(backend)
        if topic["kind"] == "core"
        for prerequisite in topic["prerequisites"]
        if topics[prerequisite]["kind"] != "core"
    ]
    assert weak == []


def test_the_language_milestone_is_a_core_topic_after_every_language(backend):
    section = backend["sections"][section_index(backend, "Pick a backend language")]
    kinds = [(topic["slug"], topic["kind"]) for topic in section["topics"]]
    assert kinds[-1] == (LANGUAGE_MILESTONE, "core")
    assert {kind for _, kind in kinds[:-1]} == {"alternative"}


@pytest.mark.parametrize("slug", TOPICS_THAT_ASSUME_CODE)
def test_topics_that_assume_code_require_the_language_milestone(backend, slug):
    assert LANGUAGE_MILESTONE in everything_required_by(backend, slug)


def test_background_jobs_do_not_require_microservices(backend):
    assert "microservices" not in everything_required_by(backend, "background-jobs")
    assert "event-driven-architecture" not in everything_required_by(backend, "background-jobs")


def test_containers_and_the_twelve_factor_app_come_before_ci_cd(backend):
    ci_cd = section_index(backend, "CI/CD")
    assert section_index(backend, "Containers and orchestration") < ci_cd
    twelve_factor = [
        index
        for index, section in enumerate(backend["sections"])
        if any(topic["slug"] == "twelve-factor-app" for topic in section["topics"])
    ]
    assert twelve_factor[0] < ci_cd


def test_complementary_topics_are_optional_not_alternatives(backend):
    topics = topics_by_slug(backend)
    kinds = {
        slug: topics[slug]["kind"]
        for slug in ["websockets", "server-sent-events", "rabbitmq", "apache-kafka"]
    }
    assert set(kinds.values()) == {"optional"}


def test_browser_caching_is_taught_within_http_caching(backend):
    topics = topics_by_slug(backend)
    assert "browser-caching" not in topics
    body = topics["http-caching"]["body"]
    assert "immutable" in body and "304 Not Modified" in body
    assert "http-caching" in topics["cdn"]["prerequisites"]


def test_the_backend_roadmap_has_at_least_160_topics(backend):
    assert len(topics_in_order(backend)) >= 160


@pytest.mark.parametrize("slug", ADDED_TOPICS)
def test_each_added_topic_has_100_words_of_prose_and_two_resources(backend, slug):
    topic = topics_by_slug(backend)[slug]
    assert prose_words(topic["body"]) >= 100
    assert len(topic["resources"]) >= 2
