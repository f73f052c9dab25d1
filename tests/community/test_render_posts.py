"""`manage.py render_posts` brings stored HTML up to the current renderer, and pages follow."""

from io import StringIO

import pytest
from django.core.management import call_command

from community.models import Comment, Thread
from tests.factories import CommentFactory, ThreadFactory, TopicFactory

pytestmark = pytest.mark.django_db


def test_stale_html_is_rendered_anew_and_the_warm_page_shows_it(client):
    thread = ThreadFactory(body="```\nprint(1)\n```")
    comment = CommentFactory(thread=thread, body="| a |\n|---|\n| 1 |")
    topic = TopicFactory(body="```\nSELECT 1;\n```")
    Thread.objects.filter(pk=thread.pk).update(body_html="<pre><code>print(1)\n</code></pre>")
    Comment.objects.filter(pk=comment.pk).update(body_html="<table><tr><td>1</td></tr></table>")
    type(topic).objects.filter(pk=topic.pk).update(body_html="<pre><code>SELECT 1;\n</code></pre>")
    assert 'tabindex="0"' not in client.get(thread.get_absolute_url()).content.decode()  # warm, and stale

    out = StringIO()
    call_command("render_posts", "--batch", "1", stdout=out)

    thread.refresh_from_db()
    comment.refresh_from_db()
    topic.refresh_from_db()
    assert thread.body_html.startswith('<pre tabindex="0">')
    assert '<div class="table-scroll" tabindex="0">' in comment.body_html
    assert topic.body_html.startswith('<pre tabindex="0">')
    page = client.get(thread.get_absolute_url()).content.decode()
    assert '<pre tabindex="0">' in page and 'class="table-scroll"' in page
    assert "threads: 1 of 1 read, 1 rendered anew" in out.getvalue()


def test_a_second_run_changes_nothing():
    ThreadFactory(body="plain text")
    out = StringIO()
    call_command("render_posts", stdout=out)
    call_command("render_posts", stdout=(second := StringIO()))
    assert "1 of 1 read, 0 rendered anew" in second.getvalue()
