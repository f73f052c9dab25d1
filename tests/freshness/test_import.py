"""Whoever writes, pages follow: re-importing a changed content file (`manage.py
import_roadmap`) shows on the map, the topic pages and everything else that showed the old
content, on the next request."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.freshness.cases import expected
from tests.freshness.pages import Shows
from tests.freshness.world import World, content, import_content

pytestmark = [pytest.mark.django_db, pytest.mark.redis, pytest.mark.postgres]


def _topic(document: dict, slug: str) -> dict:
    return next(
        topic for section in document["sections"] for topic in section["topics"] if topic["slug"] == slug
    )


def _set(document: dict, change: Callable[[dict], None]) -> dict:
    change(document)
    return document


def _without_lynx(document: dict) -> None:
    topics = document["sections"][0]["topics"]
    topics.remove(_topic(document, "lynx"))
    _topic(document, "gecko")["prerequisites"] = []


@dataclass(frozen=True)
class ContentChange:
    id: str
    change: Callable[[dict], None]
    expect: Callable[[World], list[Shows]]


RESOURCE_PAGES = ("topic page", "API topic", "API roadmap")
TOPIC_PAGES = ("map", "topic page", "topic panel", "API roadmap", "API topic")

CHANGES = [
    ContentChange(
        "roadmap title",
        lambda document: document.update(title="Kestrel Caracal roadmap"),
        lambda world: expected("roadmap.Roadmap title", world),
    ),
    ContentChange(
        "section title",
        lambda document: document["sections"][0].update(title="Kestrel Chamois section"),
        lambda world: expected("roadmap.Section title", world),
    ),
    ContentChange(
        "topic title",
        lambda document: _topic(document, "lynx").update(title="Kestrel Serval topic"),
        lambda world: expected("roadmap.Topic title", world),
    ),
    ContentChange(
        "topic body",
        lambda document: _topic(document, "lynx").update(body="Kestrel topic body about the Pika.\n"),
        lambda world: expected("roadmap.Topic body", world),
    ),
    ContentChange(
        "resource title",
        lambda document: _topic(document, "lynx")["resources"][0].update(title="Kestrel Okapi docs"),
        lambda world: [Shows(RESOURCE_PAGES, gone=("Tapir",), shown=("Okapi",))],
    ),
    ContentChange(
        "resource removed",
        lambda document: _topic(document, "lynx").update(resources=[]),
        lambda world: [Shows(RESOURCE_PAGES, gone=("Tapir",))],
    ),
    ContentChange(
        "topic added",
        lambda document: document["sections"][0]["topics"].append(
            {
                "slug": "tenrec",
                "title": "Kestrel Tenrec topic",
                "body": "Kestrel topic body about the Tenrec.\n",
            }
        ),
        lambda world: [Shows(("map", "API roadmap", "search"), shown=("Tenrec",))],
    ),
    ContentChange(
        "topic removed",
        _without_lynx,
        lambda world: [Shows(TOPIC_PAGES, gone=("Lynx",))],
    ),
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.id)
def test_pages_follow_a_reimported_content_file(change, world, pages_follow):
    document = _set(content(), change.change)
    pages_follow(lambda: import_content(world.directory, document), change.expect(world))
