"""/search/: finds published threads and topics, highlights safely, never fails on odd input,
and runs a constant number of queries; on PostgreSQL it ranks, stems and uses the GIN index."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community import services
from community.markdown import render_post
from community.models import Thread
from community.search import search
from tests.factories import TagFactory, ThreadFactory, UserFactory, build_roadmap

pytestmark = pytest.mark.django_db

ODD_QUERIES = [
    '"unterminated quote',
    '""',
    "& | ! : * ( ) < >",
    "!!!",
    "-",
    "-(",
    "cache:*",
    "a & !b | (c <-> d)",
    "C++ & C#",
    "naïve café résumé",
    "日本語の検索",
    "🚀🔥 deploy 🔥",
    "\x1b[31mred\x1b[0m",
    "the and",
    "'; DROP TABLE community_thread; --",
    "1' OR '1'='1",
    "%_% \\",
    "<script>alert(1)</script>",
    "\u202ereversed\u200b",
    "x" * 10_000,
    "cache " * 2_000,
]


def results_for(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return response.context["results"]


def titles(results):
    return [thread.title for thread in results.threads]


def topic_titled(roadmap_topic, title, body=None, **fields):
    roadmap_topic.title = title
    if body is not None:
        roadmap_topic.body = body
    for name, value in fields.items():
        setattr(roadmap_topic, name, value)
    roadmap_topic.save()
    return roadmap_topic


def test_a_title_match_and_a_body_match_are_both_found(client):
    ThreadFactory(title="Tuning gunicorn workers for Django", body="How many should run on one machine?")
    ThreadFactory(title="My deployment question", body="Should I put gunicorn behind a reverse proxy?")
    ThreadFactory(title="Something else entirely", body="Nothing about application servers here.")

    results = results_for(client, "gunicorn")

    assert sorted(titles(results)) == ["My deployment question", "Tuning gunicorn workers for Django"]
    assert results.message == ""


def test_every_word_of_the_query_must_match(client):
    ThreadFactory(title="Redis as a cache", body="Eviction policies explained for beginners here.")
    ThreadFactory(title="Redis as a broker", body="Celery queues and acknowledgements explained.")

    assert titles(results_for(client, "redis eviction")) == ["Redis as a cache"]


@pytest.mark.parametrize("viewer", ["anonymous", "author", "mentor"])
def test_hidden_and_removed_threads_are_never_found(client, learner, mentor, viewer):
    ThreadFactory(title="Visible question about pgbouncer", author=learner)
    ThreadFactory(title="Hidden question about pgbouncer", author=learner, status="hidden")
    ThreadFactory(title="Removed question about pgbouncer", author=learner, status="removed")
    if viewer != "anonymous":
        client.force_login(learner if viewer == "author" else mentor)

    assert titles(results_for(client, "pgbouncer")) == ["Visible question about pgbouncer"]


def test_unpublished_topics_and_topics_of_unpublished_roadmaps_are_never_found(client):
    _, topics = build_roadmap(topics=2, sections=1, slug="backend", with_resources=False)
    draft_roadmap, draft_topics = build_roadmap(topics=1, sections=1, slug="draft", with_resources=False)
    draft_roadmap.is_published = False
    draft_roadmap.save()
    topic_titled(topics[0], "Message brokers")
    topic_titled(topics[1], "Message brokers in depth", is_published=False)
    topic_titled(draft_topics[0], "Message brokers for drafts")

    results = results_for(client, "brokers")

    assert [topic.title for topic in results.topics] == ["Message brokers"]


def test_topics_match_on_title_or_body_and_link_to_their_roadmap(client):
    _, topics = build_roadmap(topics=3, sections=1, slug="backend", with_resources=False)
    topic_titled(topics[0], "Load balancing", body="Spread requests across servers with nginx or HAProxy.")
    topic_titled(topics[1], "Reverse proxies", body="An nginx reverse proxy terminates TLS in front of apps.")

    response = client.get("/search/", {"q": "nginx"})
    results = response.context["results"]

    assert sorted(topic.title for topic in results.topics) == ["Load balancing", "Reverse proxies"]
    assert topics[0].get_absolute_url() in response.content.decode()


def test_headline_marks_the_term_and_escapes_html_in_the_body(client):
    body = 'My templating code renders <script>alert("hi")</script> from comments & replies. Why?'
    ThreadFactory(title="Rendering user input in templates", body=body, body_html=render_post(body).html)

    response = client.get("/search/", {"q": "templating"})
    [thread] = response.context["results"].threads
    page = response.content.decode()

    assert "<mark>templating</mark>" in thread.headline
    assert "&lt;script&gt;" in thread.headline
    assert "<script>alert" not in thread.headline
    assert "&amp; replies" in thread.headline
    assert "<mark>templating</mark>" in page
    assert "<script>alert" not in page


def test_topic_headline_marks_the_term_and_escapes_html(client):
    _, topics = build_roadmap(topics=1, sections=1, slug="backend", with_resources=False)
    topic_titled(
        topics[0], "Forms", body="Every <form> needs a CSRF token; the middleware checks it on POST."
    )

    [topic] = results_for(client, "middleware").topics

    assert "<mark>middleware</mark>" in topic.headline
    assert "&lt;form&gt;" in topic.headline


def test_a_headline_never_holds_unbalanced_marks_even_with_marker_characters_in_the_body(client):
    ThreadFactory(
        title="Odd bytes in a body", body="Stray \u0002 marker before the websocket word \u0003 here."
    )

    [thread] = results_for(client, "websocket").threads

    assert thread.headline.count("<mark>") == thread.headline.count("</mark>") >= 1


@pytest.mark.parametrize("query", ["", "   ", "a", "  é  ", "\x00\x00"])
def test_empty_or_one_character_query_runs_no_database_query_and_says_why(query):
    with CaptureQueriesContext(connection) as queries:
        results = search(query=query, viewer=AnonymousUser())

    assert len(queries) == 0
    assert results.threads == results.topics == []
    assert "Type" in results.message


@pytest.mark.parametrize("query", ["", "a"], ids=["empty", "one-character"])
def test_search_page_explains_an_empty_or_too_short_query(client, query):
    response = client.get("/search/", {"q": query})

    assert response.status_code == 200
    assert response.context["results"].message in response.content.decode()
    assert "No threads or topics match" not in response.content.decode()


@pytest.mark.parametrize("query", ODD_QUERIES, ids=range(len(ODD_QUERIES)))
def test_odd_queries_answer_200_never_500(client, query):
    ThreadFactory(
        title="Caching with Redis and Django", body="Cache keys, timeouts and the C++ & C# clients."
    )
    build_roadmap(topics=1, sections=1, slug="backend", with_resources=False)

    results = results_for(client, query)

    assert len(results.query) <= 200
    assert "\x00" not in results.query


@pytest.mark.parametrize("query", ["\x00", "ca\x00che"])
def test_a_nul_in_the_query_is_refused_before_searching(client, query):
    response = client.get("/search/", {"q": query})

    assert response.status_code == 400
    assert "Text in “q” must not contain NUL characters" in response.text


def test_a_very_long_query_is_cut_to_200_characters_and_says_so(client):
    results = results_for(client, "django " * 1_000)

    assert len(results.query) <= 200
    assert results.message == "Your search was long; we used its first 200 characters."


def test_control_characters_are_dropped_and_whitespace_collapsed(client):
    ThreadFactory(title="Picking a cache backend", body="Memcached or Redis for a small site?")

    results = results_for(client, "  ca\x01che \t\n  backend\x07 ")

    assert results.query == "cache backend"
    assert titles(results) == ["Picking a cache backend"]
    assert results.message == "We left out characters that cannot be searched for."


def test_no_match_shows_the_empty_state(client):
    ThreadFactory(title="Something about Django forms", body="Validation and cleaning of fields.")

    response = client.get("/search/", {"q": "kubernetes"})

    assert (
        "No threads or topics match “kubernetes”. Try fewer or different words." in response.content.decode()
    )


def make_matching_threads(count, roadmap_topics, tags):
    for index in range(count):
        ThreadFactory(
            title=f"Observability question {index}",
            body="How do you wire tracing and observability into a Django service?",
            author=UserFactory() if index % 3 else None,
            topic=roadmap_topics[index % len(roadmap_topics)],
            tags=tags[: index % 3 + 1],
        )


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_search_page_queries_do_not_grow_with_the_number_of_results(client, learner, signed_in):
    if signed_in:
        client.force_login(learner)
    _, roadmap_topics = build_roadmap(topics=4, sections=2, slug="backend", with_resources=False)
    for roadmap_topic in roadmap_topics:
        topic_titled(roadmap_topic, f"Observability {roadmap_topic.pk}")
    tags = [TagFactory(), TagFactory(), TagFactory()]
    counts = []
    for new_threads in (3, 27):
        make_matching_threads(new_threads, roadmap_topics, tags)
        cache.clear()  # the factories skip the services, which would have retired cached results
        client.get("/search/", {"q": "observability"})
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/search/", {"q": "observability"})
        assert len(response.context["results"].threads) == min(Thread.objects.count(), 20)
        counts.append(len(queries))

    assert counts[0] == counts[1]


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_a_repeated_search_is_served_from_the_cache_until_a_thread_is_posted(client, learner, signed_in):
    if signed_in:
        client.force_login(learner)
    author = UserFactory()
    services.create_thread(author=author, title="Observability at scale", body="Tracing first.")
    assert "Observability at scale" in client.get("/search/", {"q": "observability"}).text
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/search/", {"q": "observability"})
    assert "Observability at scale" in again.text
    assert not [query for query in queries.captured_queries if "community_thread" in query["sql"]]

    services.create_thread(author=author, title="Observability for beginners", body="Logs first.")
    fresh = client.get("/search/", {"q": "observability"})
    assert "Observability at scale" in fresh.text and "Observability for beginners" in fresh.text


@pytest.mark.postgres
def test_a_title_match_ranks_above_a_more_recent_body_match(client):
    now = timezone.now()
    ThreadFactory(
        title="Question about my deployment setup",
        body="We run everything on kubernetes with three nodes.",
        last_activity_at=now,
    )
    ThreadFactory(
        title="Kubernetes for a small team",
        body="Is it worth it for three services?",
        last_activity_at=now - timedelta(days=3),
    )

    assert titles(results_for(client, "kubernetes")) == [
        "Kubernetes for a small team",
        "Question about my deployment setup",
    ]


@pytest.mark.postgres
def test_searching_caching_finds_a_title_with_cache(client):
    ThreadFactory(title="Where should the cache live?", body="In process, Redis or a CDN in front?")

    assert titles(results_for(client, "caching")) == ["Where should the cache live?"]


@pytest.mark.postgres
def test_websearch_syntax_matches_exact_phrases_and_excludes_words(client):
    ThreadFactory(title="Sizing the connection pool", body="How large should it be for Django?")
    ThreadFactory(title="A connection pool with pgbouncer", body="Transaction mode or session mode?")
    ThreadFactory(title="The pool of workers and their connection", body="Words apart, not a phrase.")

    assert sorted(titles(results_for(client, '"connection pool"'))) == [
        "A connection pool with pgbouncer",
        "Sizing the connection pool",
    ]
    assert titles(results_for(client, '"connection pool" -pgbouncer')) == ["Sizing the connection pool"]


@pytest.mark.postgres
def test_only_stopwords_find_nothing_without_error(client):
    ThreadFactory(title="The and the or", body="A body made of the and a the.")

    results = results_for(client, "the and")

    assert results.threads == [] and results.topics == []


@pytest.mark.postgres
def test_thread_search_uses_the_gin_index():
    ThreadFactory(title="Indexing for full-text search", body="GIN or GiST for tsvector columns?")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")

    plan = Thread.objects.filter(
        search_vector=SearchQuery("index", search_type="websearch", config="english")
    ).explain()

    assert "community_thread_search_gin" in plan
