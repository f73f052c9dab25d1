"""The resources of the shipped Backend roadmap: current addresses, one topic per link, consistent kinds."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from roadmap.content_files import load_roadmap_file
from roadmap.models import Resource

BACKEND_FILE = Path(__file__).resolve().parents[2] / "roadmap" / "content" / "backend.yaml"

# MDN pages that moved in the 2024-2025 restructuring; the old paths only redirect.
LEGACY_MDN_PATHS = (
    "Learn/",
    "Web/Guide/",
    "Web/Security/Transport_Layer_Security",
    "Web/Security/Same-origin_policy",
    "Web/Security/Types_of_attacks",
    "Web/Performance/How_browsers_work",
)
CURRENT_MDN_HTTP_AREAS = ("Guides", "Reference")

SUPERSEDED_URL_PARTS = {
    "pages.nist.gov/800-63-3/": "NIST SP 800-63-3 is superseded by SP 800-63-4",
    "linux.die.net/": "an unmaintained man page mirror; use the project's own documentation",
    "elastic.co/guide/": "Elastic's frozen 8.x guide; current docs are at elastic.co/docs",
    "opensearch.org/docs/": "OpenSearch docs moved to docs.opensearch.org",
    "docs.github.com/en/actions/writing-workflows/": "GitHub Actions docs moved under /actions/reference/",
    "docs.github.com/en/actions/security-for-github-actions/": "GitHub Actions docs moved under /actions/reference/",
}

# Sources whose kind never varies (see the kind rule in roadmap/content_files.py).
KIND_BY_URL_PREFIX = {
    "https://developer.mozilla.org/": "docs",
    "https://www.rfc-editor.org/": "docs",
    "https://datatracker.ietf.org/": "docs",
    "https://cheatsheetseries.owasp.org/": "docs",
    "https://docs.aws.amazon.com/": "docs",
    "https://learn.microsoft.com/en-us/azure/": "docs",
    "https://pkg.go.dev/": "docs",
    "https://en.wikipedia.org/": "article",
    "https://martinfowler.com/bliki/": "article",
    "https://martinfowler.com/articles/": "article",
    "https://sre.google/": "book",
    "https://hpbn.co/": "book",
    "https://www.youtube.com/": "video",
    "https://www.infoq.com/presentations/": "video",
}
VIDEO_URL_PREFIXES = ("https://www.youtube.com/", "https://www.infoq.com/presentations/")
REPOSITORY = re.compile(r"https://github\.com/[^/]+/[^/]+/?")


@pytest.fixture(scope="module")
def resources():
    """(topic slug, resource) for every resource of the shipped roadmap, in file order."""
    roadmap = load_roadmap_file(BACKEND_FILE)
    return [
        (topic["slug"], resource)
        for section in roadmap["sections"]
        for topic in section["topics"]
        for resource in topic["resources"]
    ]


def link_identity(url: str) -> str:
    """The same page whatever the case of the host or a trailing slash; a #fragment is a distinct link."""
    parts = urlsplit(url)
    return parts._replace(scheme="", netloc=parts.netloc.lower(), path=parts.path.rstrip("/")).geturl()


def test_no_url_is_listed_by_two_topics(resources):
    topics_by_link = {}
    for slug, resource in resources:
        topics_by_link.setdefault(link_identity(resource["url"]), set()).add(slug)
    shared = {link: sorted(slugs) for link, slugs in topics_by_link.items() if len(slugs) > 1}
    assert shared == {}


def test_no_mdn_link_uses_a_legacy_path(resources):
    legacy = []
    for slug, resource in resources:
        parts = urlsplit(resource["url"])
        if parts.netloc != "developer.mozilla.org":
            continue
        page = parts.path.removeprefix("/en-US/docs/")
        http_area = page.split("/")[2] if page.startswith("Web/HTTP/") and page.count("/") >= 2 else None
        if page.startswith(LEGACY_MDN_PATHS) or (http_area and http_area not in CURRENT_MDN_HTTP_AREAS):
            legacy.append((slug, resource["url"]))
    assert legacy == []


def test_no_superseded_or_moved_source_remains(resources):
    stale = [
        (slug, resource["url"], reason)
        for slug, resource in resources
        for part, reason in SUPERSEDED_URL_PARTS.items()
        if part in resource["url"]
    ]
    assert stale == []


def test_authentication_cites_the_current_nist_guidelines(resources):
    urls = {resource["url"] for slug, resource in resources if slug == "authentication-basics"}
    assert "https://pages.nist.gov/800-63-4/sp800-63b.html" in urls


def test_dig_is_documented_by_isc(resources):
    urls = [resource["url"] for slug, resource in resources if slug == "networking-tools"]
    assert any(url.startswith("https://bind9.readthedocs.io/") for url in urls)


def test_java_specific_owasp_sheet_says_so_in_its_title(resources):
    titles = [resource["title"] for _, resource in resources if "_for_Java_" in resource["url"]]
    assert titles and all("Java" in title for title in titles)


def test_every_resource_kind_is_a_known_kind(resources):
    unknown = [
        (slug, resource["kind"])
        for slug, resource in resources
        if resource["kind"] not in Resource.Kind.values
    ]
    assert unknown == []


def test_the_same_source_always_has_the_same_kind(resources):
    mismatched = [
        (slug, resource["url"], resource["kind"], kind)
        for slug, resource in resources
        for prefix, kind in KIND_BY_URL_PREFIX.items()
        if resource["url"].startswith(prefix) and resource["kind"] != kind
    ]
    assert mismatched == []


def test_repositories_are_opensource_and_nothing_else_is(resources):
    """A repository link is opensource, or an article when the repository holds a learning guide."""
    misfiled = []
    for slug, resource in resources:
        if REPOSITORY.fullmatch(resource["url"]):
            allowed = {"opensource", "article"}
        else:
            allowed = set(Resource.Kind.values) - {"opensource"}
        if resource["kind"] not in allowed:
            misfiled.append((slug, resource["url"], resource["kind"]))
    assert misfiled == []


def test_videos_link_to_a_talk_or_lecture_host(resources):
    elsewhere = [
        (slug, resource["url"])
        for slug, resource in resources
        if resource["kind"] == "video" and not resource["url"].startswith(VIDEO_URL_PREFIXES)
    ]
    assert elsewhere == []


def test_the_roadmap_offers_videos_beside_reading(resources):
    videos = [resource for _, resource in resources if resource["kind"] == "video"]
    assert len(videos) >= 15
    assert all(video["free"] for video in videos)
