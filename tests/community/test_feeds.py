"""Atom feeds: the latest published threads, overall and per tag."""

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import TagFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def get_feed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ElementTree.fromstring(response.content)


def entries(feed):
    return feed.findall(f"{ATOM}entry")


def entry_titles(feed):
    return [entry.findtext(f"{ATOM}title") for entry in entries(feed)]


def hours_ago(hours):
    return timezone.now() - timedelta(hours=hours)


def test_latest_feed_lists_published_threads_newest_first(client):
    ThreadFactory(title="The oldest discussion", created_at=hours_ago(3))
    ThreadFactory(title="The newest discussion", created_at=hours_ago(1))
    ThreadFactory(title="The middle discussion", created_at=hours_ago(2))

    feed = get_feed(client, "/feeds/latest/")

    assert feed.findtext(f"{ATOM}title") == "Stepwise: latest discussions"
    assert entry_titles(feed) == ["The newest discussion", "The middle discussion", "The oldest discussion"]


@pytest.mark.parametrize("status", ["hidden", "removed"])
def test_feeds_never_list_hidden_or_removed_threads(client, status):
    tag = TagFactory(slug="django", name="Django")
    ThreadFactory(title="A published discussion", tags=[tag])
    ThreadFactory(title="A moderated discussion", tags=[tag], status=status)

    assert entry_titles(get_feed(client, "/feeds/latest/")) == ["A published discussion"]
    assert entry_titles(get_feed(client, "/feeds/tags/django/")) == ["A published discussion"]


def test_latest_feed_holds_the_30_newest_threads(client):
    for index in range(32):
        ThreadFactory(title=f"Discussion number {index:02}", created_at=hours_ago(index))

    titles = entry_titles(get_feed(client, "/feeds/latest/"))

    assert titles == [f"Discussion number {index:02}" for index in range(30)]


def test_feed_entry_carries_the_sanitised_body_title_link_and_dates(client):
    created = hours_ago(5)
    edited = hours_ago(1)
    thread = ThreadFactory(
        title="Escaping & quoting <b>in</b> titles",
        body_html='<p>Use <strong>bleach</strong> &amp; <a href="https://example.com">read</a>.</p>',
        created_at=created,
        edited_at=edited,
    )

    [entry] = entries(get_feed(client, "/feeds/latest/"))

    assert entry.findtext(f"{ATOM}title") == "Escaping & quoting <b>in</b> titles"
    assert entry.findtext(f"{ATOM}summary") == thread.body_html
    assert entry.find(f"{ATOM}summary").get("type") == "html"
    assert entry.find(f"{ATOM}link").get("href").endswith(thread.get_absolute_url())
    assert entry.findtext(f"{ATOM}published") == created.isoformat()
    assert entry.findtext(f"{ATOM}updated") == edited.isoformat()


def test_an_unedited_thread_is_updated_when_it_was_created(client):
    created = hours_ago(2)
    ThreadFactory(created_at=created)

    [entry] = entries(get_feed(client, "/feeds/latest/"))

    assert entry.findtext(f"{ATOM}updated") == created.isoformat()


def test_feed_entry_names_the_author_or_a_former_member(client):
    ThreadFactory(
        title="Asked by someone", author=UserFactory(display_name="Ada Lovelace"), created_at=hours_ago(1)
    )
    ThreadFactory(title="Asked by a deleted account", author=None, created_at=hours_ago(2))

    names = [
        entry.findtext(f"{ATOM}author/{ATOM}name") for entry in entries(get_feed(client, "/feeds/latest/"))
    ]

    assert names == ["Ada Lovelace", "former member"]


def test_feed_entry_lists_its_tag_names_as_categories(client):
    ThreadFactory(tags=[TagFactory(name="Django"), TagFactory(name="Caching")])

    [entry] = entries(get_feed(client, "/feeds/latest/"))

    assert sorted(category.get("term") for category in entry.findall(f"{ATOM}category")) == [
        "Caching",
        "Django",
    ]


def test_tag_feed_shows_only_threads_with_that_tag(client):
    django_tag = TagFactory(slug="django", name="Django")
    ThreadFactory(title="Tagged Django, newer", tags=[django_tag, TagFactory()], created_at=hours_ago(1))
    ThreadFactory(title="Tagged something else", tags=[TagFactory()], created_at=hours_ago(2))
    ThreadFactory(title="Tagged Django, older", tags=[django_tag], created_at=hours_ago(3))

    feed = get_feed(client, "/feeds/tags/django/")

    assert feed.findtext(f"{ATOM}title") == "Stepwise: discussions tagged Django"
    assert entry_titles(feed) == ["Tagged Django, newer", "Tagged Django, older"]


def test_unknown_tag_feed_is_404(client):
    assert client.get("/feeds/tags/no-such-tag/").status_code == 404


def test_feeds_may_be_cached_by_proxies(client):
    response = client.get("/feeds/latest/")

    assert "public" in response["Cache-Control"]
    assert not response.cookies


@pytest.mark.parametrize("url", ["/feeds/latest/", "/feeds/tags/django/"])
def test_feed_queries_do_not_grow_with_the_threads(client, url):
    tags = [TagFactory(slug="django", name="Django"), TagFactory(), TagFactory()]
    counts = []
    for new_threads in (3, 27):
        for index in range(new_threads):
            ThreadFactory(author=UserFactory() if index % 3 else None, tags=tags[: index % 3 + 1])
        get_feed(client, url)
        with CaptureQueriesContext(connection) as queries:
            feed = get_feed(client, url)
        assert len(entries(feed)) in {3, 30}
        counts.append(len(queries))

    assert counts[0] == counts[1]
