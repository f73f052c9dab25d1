"""`?reply=<comment id>` opens the reply form on a comment of the thread; anything else a
request carries (a NUL-wrapped name in `reply`, `q` or a posted body) shows as the text it is
and never pulls the viewer's comments or CSRF token into the page."""

import re

import pytest
from django.urls import reverse

from tests.factories import CommentFactory, ThreadFactory

pytestmark = pytest.mark.django_db

NUL_NAMES = ["\x00comments\x00", "\x00csrf\x00", "\x00follow\x00"]


@pytest.fixture
def past_the_edge(settings):
    """Without the middleware that refuses NUL at the edge (config.input_guard): the page
    assembler must hold on its own."""
    settings.MIDDLEWARE = [
        name for name in settings.MIDDLEWARE if name != "config.input_guard.InputGuardMiddleware"
    ]


PARENT_INPUT = re.compile(r'<input type="hidden" name="parent" value="([^"]*)"')


def parent_value(page: str) -> str:
    (value,) = PARENT_INPUT.findall(page)
    return value


@pytest.fixture
def thread():
    thread = ThreadFactory()
    CommentFactory(thread=thread, body="The only comment on this thread")
    return thread


def in_body(page: str) -> str:
    """The page's <body>: its <head> repeats the comments for search engines (JSON-LD)."""
    return page.split("<body", 1)[1]


def test_reply_names_a_comment_of_the_thread_to_answer(learner_client, thread):
    comment = thread.comments.get()
    page = learner_client.get(thread.get_absolute_url(), {"reply": comment.pk}).text
    assert parent_value(page) == str(comment.pk)
    assert "data-replying-to>" in page


@pytest.mark.parametrize("reply", NUL_NAMES)
def test_a_reply_with_a_nul_is_refused_at_the_edge(learner_client, thread, reply):
    response = learner_client.get(thread.get_absolute_url(), {"reply": reply})
    assert response.status_code == 400
    assert "The only comment on this thread" not in response.text


@pytest.mark.usefixtures("past_the_edge")
@pytest.mark.parametrize("reply", [*NUL_NAMES, "abc", "-1", "99999999999999999999"])
def test_a_reply_that_is_no_comment_id_is_ignored(learner_client, thread, reply):
    plain = learner_client.get(thread.get_absolute_url()).text
    page = learner_client.get(thread.get_absolute_url(), {"reply": reply}).text
    assert parent_value(page) == ""
    assert "hidden data-replying-to" in page
    assert in_body(page).count("The only comment on this thread") == 1
    assert page.count("csrfmiddlewaretoken") == plain.count("csrfmiddlewaretoken")


def test_a_comment_of_another_thread_is_no_reply_target(learner_client, thread):
    elsewhere = CommentFactory()
    page = learner_client.get(thread.get_absolute_url(), {"reply": elsewhere.pk}).text
    assert parent_value(page) == ""


@pytest.mark.usefixtures("past_the_edge")
@pytest.mark.parametrize("name", ["body", "comments", "csrf"])
def test_the_search_box_echo_cannot_move_the_page_body(learner_client, thread, name):
    page = learner_client.get(thread.get_absolute_url(), {"q": f"\x00{name}\x00"}).text
    assert in_body(page).count("The only comment on this thread") == 1
    (search_value,) = re.findall(r'id="site-search"[^>]* value="([^"]*)"', page)
    assert "<" not in search_value
    assert search_value.count("\x00") in {0, 2}


@pytest.mark.usefixtures("past_the_edge")
def test_a_posted_body_cannot_pull_the_comments_into_the_form_shown_again(learner_client, thread):
    url = reverse("community:comment-create", args=[thread.pk, thread.slug])
    response = learner_client.post(
        url, {"body": "\x00comments\x00 and \x00csrf\x00", "parent": "\x00csrf\x00"}
    )
    assert response.status_code == 400
    assert in_body(response.text).count("The only comment on this thread") == 1
    assert parent_value(response.text) == ""
