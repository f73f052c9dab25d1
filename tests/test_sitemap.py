"""Search engines find every public roadmap, topic and thread through /sitemap.xml, and nothing
hidden, removed or unpublished; robots.txt points them at it and away from private pages."""

import xml.etree.ElementTree as ET

import pytest
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from community import moderation
from community.models import Thread
from community.sitemaps import ThreadSitemap
from config.caching import touch
from tests.factories import MentorFactory, RoadmapFactory, ThreadFactory, TopicFactory, build_roadmap

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
SITE = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def locations(url: str) -> list[str]:
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return [element.text for element in ET.fromstring(response.content).iterfind(".//s:loc", NS)]


def every_url() -> list[str]:
    """Every URL the index leads to, following each section and its pages."""
    found = []
    for section in locations("/sitemap.xml"):
        found += locations(section.removeprefix(SITE))
    return found


def test_the_sitemap_index_names_each_section_on_the_site_url():
    sections = locations("/sitemap.xml")
    assert sections == [f"{SITE}/sitemap-{name}.xml" for name in ("pages", "roadmaps", "topics", "threads")]


def test_the_sitemap_lists_published_roadmaps_topics_and_threads_with_lastmod():
    roadmap, topics = build_roadmap(topics=2, sections=1, slug="web")
    thread = ThreadFactory(topic=topics[0])
    urls = every_url()
    assert f"{SITE}/" in urls and f"{SITE}/roadmaps/" in urls and f"{SITE}/discussions/" in urls
    assert f"{SITE}{roadmap.get_absolute_url()}" in urls
    assert {f"{SITE}{topic.get_absolute_url()}" for topic in topics} <= set(urls)
    assert f"{SITE}{thread.get_absolute_url()}" in urls
    threads = ET.fromstring(Client().get("/sitemap-threads.xml").content)
    lastmod = threads.find("s:url/s:lastmod", NS).text
    assert lastmod.startswith(thread.last_activity_at.date().isoformat())


def test_the_sitemap_leaves_out_what_an_anonymous_visitor_cannot_read():
    mentor = MentorFactory()
    published = ThreadFactory()
    hidden = ThreadFactory()
    moderation.hide(moderator=mentor, target=hidden, reason="spam")
    removed = ThreadFactory(status="removed")
    draft = RoadmapFactory(slug="draft", is_published=False)
    draft_topic = TopicFactory(section__roadmap=draft, slug="draft-topic")
    roadmap, topics = build_roadmap(topics=2, sections=1, slug="live")
    topics[1].is_published = False
    topics[1].save()
    urls = every_url()
    assert f"{SITE}{published.get_absolute_url()}" in urls
    for gone in (hidden, removed):
        assert not any(f"/discussions/{gone.pk}/" in url for url in urls)
    assert not any("/roadmaps/draft/" in url for url in urls)
    assert f"{SITE}{draft_topic.get_absolute_url()}" not in urls
    assert f"{SITE}{topics[1].get_absolute_url()}" not in urls
    assert f"{SITE}{topics[0].get_absolute_url()}" in urls


@pytest.mark.parametrize("how", ["moderation", "queryset-update"])
def test_a_hidden_thread_leaves_the_cached_sitemap_on_the_next_request(how):
    thread = ThreadFactory()
    url = f"{SITE}{thread.get_absolute_url()}"
    assert url in locations("/sitemap-threads.xml")  # cached now
    with CaptureQueriesContext(connection) as queries:
        assert url in locations("/sitemap-threads.xml")
    assert len(queries) == 0
    if how == "moderation":
        moderation.hide(moderator=MentorFactory(), target=thread, reason="spam")
    else:
        Thread.objects.filter(pk=thread.pk).update(status="hidden")
        touch(Thread, thread.pk, fields={"status"})
    assert url not in locations("/sitemap-threads.xml")


def test_an_unpublished_roadmap_leaves_the_cached_sitemap_on_the_next_request():
    roadmap, topics = build_roadmap(topics=1, sections=1, slug="soon-gone")
    assert f"{SITE}{topics[0].get_absolute_url()}" in locations("/sitemap-topics.xml")
    roadmap.is_published = False
    roadmap.save()
    assert f"{SITE}{topics[0].get_absolute_url()}" not in locations("/sitemap-topics.xml")
    assert f"{SITE}{roadmap.get_absolute_url()}" not in locations("/sitemap-roadmaps.xml")


def test_the_threads_section_is_split_into_pages_the_index_lists(monkeypatch):
    monkeypatch.setattr(ThreadSitemap, "limit", 2)
    threads = ThreadFactory.create_batch(5)
    sections = locations("/sitemap.xml")
    assert [url for url in sections if "threads" in url] == [
        f"{SITE}/sitemap-threads.xml",
        f"{SITE}/sitemap-threads.xml?p=2",
        f"{SITE}/sitemap-threads.xml?p=3",
    ]
    pages = [locations(f"/sitemap-threads.xml{query}") for query in ("", "?p=2", "?p=3")]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(url for page in pages for url in page) == sorted(
        f"{SITE}{thread.get_absolute_url()}" for thread in threads
    )


@pytest.mark.parametrize("query", ["?p=4", "?p=0", "?p=abc"])
def test_a_page_past_the_end_is_not_found(monkeypatch, query):
    monkeypatch.setattr(ThreadSitemap, "limit", 2)
    ThreadFactory.create_batch(5)
    assert Client().get(f"/sitemap-threads.xml{query}").status_code == 404


def test_an_unknown_section_is_not_found():
    assert Client().get("/sitemap-users.xml").status_code == 404


@pytest.mark.parametrize("url", ["/sitemap.xml", "/sitemap-threads.xml", "/sitemap-topics.xml"])
def test_sitemap_queries_do_not_grow_with_the_data(url):
    Site.objects.get_current()  # the sites framework keeps it in memory, as a running server does
    counts = []
    for size in (3, 40):
        build_roadmap(topics=size, sections=2, slug=f"size-{size}", with_resources=False)
        ThreadFactory.create_batch(size)
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert Client().get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_off_private_pages(settings):
    settings.SITE_URL = "https://stepwise.example"
    response = Client().get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "Sitemap: https://stepwise.example/sitemap.xml" in lines
    assert "Allow: /" in lines
    for private in ("/accounts/", "/settings/", "/admin/", "/api/", "/mod/", "/notifications/", "/search/?"):
        assert f"Disallow: {private}" in lines
    assert "Disallow: /roadmaps/" not in lines and "Disallow: /discussions/" not in lines
