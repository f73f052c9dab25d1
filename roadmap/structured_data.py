"""The JSON-LD of a roadmap page (schema.org): the roadmap as a Course, its published topics, in
the order of the map, as an ItemList. Built from the cached structure: no query."""

from django.urls import reverse

from config.seo import absolute, json_ld
from roadmap.models import Roadmap
from roadmap.selectors import roadmap_structure


def roadmap_json_ld_element(*, roadmap_id: int, roadmap: Roadmap) -> str:
    """The script element of roadmap_json_ld (cached as caches.ROADMAP_JSON_LD)."""
    return json_ld(roadmap_json_ld(roadmap))


def roadmap_json_ld(roadmap: Roadmap) -> list[dict]:
    url = absolute(roadmap.get_absolute_url())
    topics = [topic for section in roadmap_structure(roadmap) for topic in section["topics"]]
    course = {
        "@context": "https://schema.org",
        "@type": "Course",
        "name": roadmap.title,
        "description": roadmap.summary,
        "url": url,
        "isAccessibleForFree": True,
        "provider": {"@type": "Organization", "name": "Stepwise", "url": absolute("/")},
    }
    topic_list = {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "name": f"{roadmap.title}: topics in order",
        "url": url,
        "numberOfItems": len(topics),
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "name": topic["title"],
                "url": absolute(
                    reverse("roadmap:topic-detail", kwargs={"slug": roadmap.slug, "topic": topic["slug"]})
                ),
            }
            for position, topic in enumerate(topics, start=1)
        ],
    }
    return [course, topic_list]
