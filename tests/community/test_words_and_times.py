"""What a newcomer reads: search snippets in plain text, a styled search button, one word for
a reply to a thread, and "just now" rather than "0 minutes ago"."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from community import services
from community.markdown import render_post
from tests.factories import CommentFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db

MARKDOWN_BODY = (
    "I return this from my view:\n\n"
    "```python\ndef create_order(request):\n    return Response(status=409)\n```\n\n"
    "Should a duplicate key get **409 Conflict** or _422_? See [the RFC](https://example.com/rfc) "
    "and `<form>` <b>tags</b>."
)


def search(client, query):
    return client.get(reverse("community:search"), {"q": query}).text


def snippet(page: str) -> str:
    return re.search(r'<p class="search-headline">(.*?)</p>', page, re.S).group(1)


def test_search_snippets_show_plain_text_with_the_words_highlighted(client):
    ThreadFactory(
        title="Status codes for duplicates", body=MARKDOWN_BODY, body_html=render_post(MARKDOWN_BODY).html
    )
    text = snippet(search(client, "conflict"))
    assert "<mark>Conflict</mark>" in text
    for markdown in ("```", "**", "](", "`", "_422_"):
        assert markdown not in text
    assert "the RFC" in text


def test_search_snippets_escape_html_written_as_text(client):
    ThreadFactory(
        title="Status codes for duplicates", body=MARKDOWN_BODY, body_html=render_post(MARKDOWN_BODY).html
    )
    text = snippet(search(client, "conflict"))
    assert "<b>" not in text and "<form>" not in text
    assert "&lt;form&gt;" in text


def test_the_search_button_looks_like_the_sites_other_buttons(client):
    assert '<button type="submit" class="button">Search</button>' in search(client, "")


def test_search_results_count_replies_as_the_lists_do(client):
    thread = ThreadFactory(title="Counting the answers here")
    for _ in range(2):
        services.create_comment(thread=thread, author=UserFactory(), body="Me too")
    page = search(client, "counting")
    assert "2 replies" in page
    assert "comment" not in page.split('search-results"', 1)[1].split("</ul>", 1)[0]


def visible_text(template: str) -> str:
    """What a reader sees of a template: no tags, template code, or attribute values."""
    text = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", template, flags=re.S)
    text = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", " ", text, flags=re.S)
    return re.sub(r"<[^>]*>", " ", text)


def test_no_template_calls_a_reply_to_a_thread_a_comment():
    found = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.*"):
        if path.name == "robots.txt":  # URL paths, not words
            continue
        for word in re.findall(r"\bcomments?\b", visible_text(path.read_text()), flags=re.I):
            found.append(f"{path.relative_to(settings.BASE_DIR)}: {word}")
    assert found == []


def test_deleting_a_reply_asks_about_a_reply(client, learner):
    comment = CommentFactory(author=learner)
    client.force_login(learner)
    page = client.get(reverse("community:comment-delete", args=[comment.pk])).text
    assert "Your reply will be removed" in page


def test_a_new_thread_was_asked_just_now(client):
    thread = ThreadFactory()
    assert "asked <time" in client.get(thread.get_absolute_url()).text
    page = client.get(thread.get_absolute_url()).text
    assert re.search(r"asked <time[^>]*>just now</time>", page)
    assert "0 minutes" not in page


def test_lists_say_just_now_for_a_thread_active_this_minute(client):
    ThreadFactory()
    page = client.get(reverse("community:thread-list")).text
    assert "active just now" in page
    assert "0 minutes" not in page


def test_older_times_read_in_their_largest_unit(client):
    thread = ThreadFactory(created_at=timezone.now() - timedelta(hours=2, minutes=3))
    page = client.get(thread.get_absolute_url()).text
    assert re.search(r"asked <time[^>]*>2\shours ago</time>", page)


def test_search_says_just_now_as_the_lists_do(client):
    ThreadFactory(title="Counting the answers here")
    assert "just now" in search(client, "counting")
