"""What search results and link previews show of a page: its canonical link, its description,
OpenGraph and Twitter tags, JSON-LD of threads and roadmaps, and noindex on private pages."""

import html
import json
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import moderation, services
from community.structured_data import JSON_LD_COMMENTS
from tests.factories import (
    CommentFactory,
    MentorFactory,
    TagFactory,
    ThreadFactory,
    UserFactory,
    build_roadmap,
)

pytestmark = pytest.mark.django_db

SITE = "https://stepwise.example"
LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def meta(page: str, attribute: str, name: str) -> str | None:
    found = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', page)
    return html.unescape(found.group(1)) if found else None


def canonical(page: str) -> str:
    return html.unescape(re.search(r'<link rel="canonical" href="([^"]*)">', page).group(1))


def json_ld(page: str) -> list:
    return [json.loads(block) for block in LD_JSON.findall(page)]


@pytest.fixture
def pages():
    roadmap, topics = build_roadmap(topics=3, sections=1, slug="web")
    tag = TagFactory(slug="http", name="HTTP")
    thread = ThreadFactory(topic=topics[0], tags=[tag])
    return {
        "home": reverse("home"),
        "roadmaps": reverse("roadmap:roadmap-list"),
        "roadmap": roadmap.get_absolute_url(),
        "topic": topics[0].get_absolute_url(),
        "discussions": reverse("community:thread-list"),
        "tag": tag.get_absolute_url(),
        "thread": thread.get_absolute_url(),
        "profile": thread.author.get_absolute_url(),
    }


@pytest.mark.parametrize(
    "page", ["home", "roadmaps", "roadmap", "topic", "discussions", "tag", "thread", "profile"]
)
def test_every_public_page_names_its_canonical_url_and_has_preview_tags(pages, page):
    response = Client().get(pages[page] + "?utm_source=newsletter&fbclid=abc")
    assert response.status_code == 200
    text = response.text
    assert canonical(text) == SITE + pages[page]
    assert meta(text, "property", "og:url") == SITE + pages[page]
    assert meta(text, "property", "og:site_name") == "Stepwise"
    assert meta(text, "property", "og:title") and meta(text, "property", "og:description")
    assert meta(text, "name", "twitter:card") == "summary"
    assert meta(text, "name", "description") == meta(text, "property", "og:description")
    assert meta(text, "name", "robots") is None
    assert meta(text, "property", "og:image") is None  # the site has no preview image


def test_the_canonical_link_keeps_the_page_number_and_drops_tracking_and_junk():
    ThreadFactory.create_batch(31)
    response = Client().get("/discussions/?page=2&utm_campaign=x&tab=latest&junk=1")
    assert canonical(response.text) == f"{SITE}/discussions/?page=2"
    response = Client().get("/discussions/?tab=top&page=1")
    assert canonical(response.text) == f"{SITE}/discussions/?tab=top"


def test_a_signed_in_visitor_gets_the_same_canonical_link(learner):
    ThreadFactory.create_batch(31)
    client = Client()
    client.force_login(learner)
    assert canonical(client.get("/discussions/?page=2&utm_source=x").text) == f"{SITE}/discussions/?page=2"


def test_a_thread_is_described_by_the_plain_text_of_its_start():
    body = "**Idempotency keys**: how do I `store` them?\n\n" + "A long explanation of the problem. " * 10
    thread = services.create_thread(author=UserFactory(), title="Where to keep keys", body=body)
    page = Client().get(thread.get_absolute_url()).text
    description = meta(page, "property", "og:description")
    assert description.startswith("Idempotency keys: how do I store them? A long explanation")
    assert len(description) <= 160 and "*" not in description and "<" not in description
    assert meta(page, "property", "og:type") == "article"
    assert meta(page, "property", "og:title") == "Where to keep keys"


def test_a_topic_and_a_roadmap_are_described_by_their_text():
    roadmap, topics = build_roadmap(topics=1, sections=1, slug="ops")
    topics[0].body = "Containers *package* an app with what it needs.\n\nMore text."
    topics[0].save()
    page = Client().get(topics[0].get_absolute_url()).text
    assert meta(page, "name", "description") == "Containers package an app with what it needs. More text."
    page = Client().get(roadmap.get_absolute_url()).text
    assert meta(page, "name", "description") == roadmap.summary


def test_a_thread_title_cannot_break_out_of_its_tags_or_its_json_ld():
    title = "</script><script>alert(1)</script>"
    thread = services.create_thread(
        author=UserFactory(), title=title, body="A body long enough to be posted."
    )
    page = Client().get(thread.get_absolute_url()).text
    assert "<script>alert(1)" not in page
    assert meta(page, "property", "og:title") == title
    (data,) = json_ld(page)
    assert data["headline"] == title


def test_an_answered_thread_is_a_qa_page_of_its_published_answers_only():
    mentor = MentorFactory()
    author = UserFactory(display_name="Nora")
    thread = services.create_thread(
        author=author, title="Which status for a conflict?", body="409 or 422, **really**?"
    )
    answer = CommentFactory(
        thread=thread, body_html="<p>Use <code>409</code>.</p>", author=UserFactory(display_name="Ada")
    )
    other = CommentFactory(thread=thread, body_html="<p>I would say 422.</p>")
    hidden = CommentFactory(thread=thread, body_html="<p>Buy cheap watches</p>")
    moderation.hide(moderator=mentor, target=hidden, reason="spam")
    services.accept_answer(thread=thread, comment=answer, user=author)
    page = Client().get(thread.get_absolute_url()).text
    (data,) = json_ld(page)
    assert data["@type"] == "QAPage"
    question = data["mainEntity"]
    assert question["@type"] == "Question"
    assert question["name"] == "Which status for a conflict?"
    assert question["text"] == "409 or 422, really?"
    assert question["author"]["name"] == "Nora"
    assert question["answerCount"] == 2
    assert question["acceptedAnswer"]["text"] == "Use 409."
    assert question["acceptedAnswer"]["author"]["name"] == "Ada"
    assert [suggested["text"] for suggested in question["suggestedAnswer"]] == ["I would say 422."]
    assert "watches" not in json.dumps(data)
    assert f"#c{other.pk}" in question["suggestedAnswer"][0]["url"]


def test_an_unanswered_thread_is_a_forum_posting_with_its_comments():
    thread = ThreadFactory(author=None)
    CommentFactory(thread=thread, body_html="<p>Try this.</p>")
    (data,) = json_ld(Client().get(thread.get_absolute_url()).text)
    assert data["@type"] == "DiscussionForumPosting"
    assert data["author"]["name"] == "a former member"
    assert data["url"] == SITE + thread.get_absolute_url()
    assert [comment["text"] for comment in data["comment"]] == ["Try this."]


def test_a_long_thread_lists_its_first_replies_and_counts_them_all():
    thread = ThreadFactory()
    replies = CommentFactory.create_batch(JSON_LD_COMMENTS + 5, thread=thread)
    services.count_comments(thread_id=thread.pk, change=len(replies))
    (data,) = json_ld(Client().get(thread.get_absolute_url()).text)
    assert [comment["url"].rsplit("#", 1)[1] for comment in data["comment"]] == [
        f"c{reply.pk}" for reply in replies[:JSON_LD_COMMENTS]
    ]
    assert data["interactionStatistic"]["userInteractionCount"] == JSON_LD_COMMENTS + 5


def test_an_accepted_answer_hidden_since_makes_no_qa_page():
    author = UserFactory()
    thread = services.create_thread(
        author=author, title="A question with an answer", body="What is the answer here?"
    )
    answer = CommentFactory(thread=thread, body_html="<p>This one.</p>")
    services.accept_answer(thread=thread, comment=answer, user=author)
    moderation.hide(moderator=MentorFactory(), target=answer, reason="wrong")
    (data,) = json_ld(Client().get(thread.get_absolute_url()).text)
    assert data["@type"] == "DiscussionForumPosting"
    assert "This one." not in json.dumps(data)


def test_a_roadmap_is_a_course_with_its_topics_in_order():
    roadmap, topics = build_roadmap(topics=3, sections=2, slug="backend")
    ((course, topic_list),) = json_ld(Client().get(roadmap.get_absolute_url()).text)
    assert course["@type"] == "Course" and course["name"] == roadmap.title
    assert course["provider"]["name"] == "Stepwise"
    assert topic_list["@type"] == "ItemList"
    assert [item["url"] for item in topic_list["itemListElement"]] == [
        SITE + topic.get_absolute_url() for topic in topics
    ]
    assert [item["position"] for item in topic_list["itemListElement"]] == [1, 2, 3]


def test_a_hidden_thread_seen_by_its_author_is_not_for_search_engines(learner):
    thread = ThreadFactory(author=learner)
    moderation.hide(moderator=MentorFactory(), target=thread, reason="off topic")
    client = Client()
    client.force_login(learner)
    page = client.get(thread.get_absolute_url()).text
    assert meta(page, "name", "robots") == "noindex"
    assert json_ld(page) == []


@pytest.mark.parametrize(
    "url_name",
    [
        "accounts:settings",
        "accounts:token-list",
        "community:notification-list",
        "community:notification-settings",
        "community:bookmark-list",
    ],
)
def test_private_pages_are_not_for_search_engines(learner_client, url_name):
    assert meta(learner_client.get(reverse(url_name)).text, "name", "robots") == "noindex"


def test_moderation_and_search_pages_are_not_for_search_engines(mentor):
    client = Client()
    client.force_login(mentor)
    assert meta(client.get(reverse("community:mod-queue")).text, "name", "robots") == "noindex"
    assert meta(Client().get("/search/?q=http").text, "name", "robots") == "noindex"
    assert meta(Client().get(reverse("account_login")).text, "name", "robots") == "noindex"


def test_a_warm_answered_thread_page_runs_no_sql():
    author = UserFactory()
    thread = services.create_thread(
        author=author, title="Cached with its JSON-LD", body="A body that is long enough."
    )
    answer = CommentFactory(thread=thread)
    services.accept_answer(thread=thread, comment=answer, user=author)
    first = Client().get(thread.get_absolute_url())
    with CaptureQueriesContext(connection) as queries:
        second = Client().get(thread.get_absolute_url())
    assert len(queries) == 0
    assert second.content == first.content and "QAPage" in second.text


def test_the_json_ld_of_a_thread_runs_the_same_queries_however_many_comments():
    counts = []
    for size in (2, 60):
        thread = ThreadFactory()
        CommentFactory.create_batch(size, thread=thread)
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert Client().get(thread.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
