"""A post form sent twice (Back, then Post again) creates one post and takes the second
submit to it: each form carries a one-time submission token, kept with the post it created."""

import re
import threading

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from community import services
from community.models import Comment, Thread
from tests.concurrency import run_at_once
from tests.factories import ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db

THREAD = {
    "title": "Back button test: what does the form show?",
    "body": "I posted this, pressed Back, and the form was still filled in.",
}
TOKEN = re.compile(r'name="submission" value="([0-9a-f-]{36})"')


def token_in(response) -> str:
    found = TOKEN.findall(response.text)
    assert len(found) == 1, "the form carries one submission token"
    return found[0]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_a_thread_form_posted_twice_creates_one_thread_and_takes_the_second_submit_to_it(learner_client):
    form = token_in(learner_client.get(reverse("community:thread-create")))
    data = {**THREAD, "submission": form}

    first = learner_client.post(reverse("community:thread-create"), data)
    second = learner_client.post(reverse("community:thread-create"), data)

    thread = Thread.objects.get()
    assert first.status_code == second.status_code == 302
    assert second["Location"] == thread.get_absolute_url()
    assert "You already posted this thread; here it is." in messages_of(second)


def test_two_thread_forms_create_two_threads(learner_client):
    url = reverse("community:thread-create")
    for number in (1, 2):
        token = token_in(learner_client.get(url))
        learner_client.post(url, {**THREAD, "title": f"{THREAD['title']} {number}", "submission": token})
    assert Thread.objects.count() == 2


def test_a_thread_form_with_errors_keeps_the_text_and_its_token(learner_client):
    url = reverse("community:thread-create")
    token = token_in(learner_client.get(url))
    response = learner_client.post(url, {**THREAD, "title": "Hm", "submission": token})
    assert response.status_code == 400
    assert THREAD["body"] in response.text
    assert token_in(response) == token
    learner_client.post(url, {**THREAD, "submission": token})
    assert Thread.objects.count() == 1


def test_a_reply_form_posted_twice_creates_one_reply_and_takes_the_second_submit_to_it(learner_client):
    thread = ThreadFactory()
    token = token_in(learner_client.get(thread.get_absolute_url()))
    url = reverse("community:comment-create", args=[thread.pk, thread.slug])
    data = {"body": "Same here: the reply box came back filled in.", "submission": token}

    learner_client.post(url, data)
    second = learner_client.post(url, data)

    comment = Comment.objects.get()
    assert second.status_code == 302
    assert second["Location"] == comment.get_absolute_url()
    assert "You already posted this reply; here it is." in messages_of(second)
    thread.refresh_from_db()
    assert thread.comment_count == 1


def test_each_view_of_a_thread_gives_its_reply_form_a_new_token(learner_client):
    thread = ThreadFactory()
    first = token_in(learner_client.get(thread.get_absolute_url()))
    second = token_in(learner_client.get(thread.get_absolute_url()))
    assert first != second


def test_a_reply_with_errors_keeps_the_text_and_its_token(learner_client):
    thread = ThreadFactory()
    token = token_in(learner_client.get(thread.get_absolute_url()))
    url = reverse("community:comment-create", args=[thread.pk, thread.slug])
    response = learner_client.post(url, {"body": "x" * 20_001, "submission": token})
    assert response.status_code == 400
    assert token_in(response) == token


def test_the_same_token_from_two_members_makes_two_posts(learner, other_learner):
    """The token is one member's: another member's form cannot be matched to it."""
    token = "0b7f6f0e-3a0c-4d4e-9a55-3c1c3e0c9f00"
    for member in (learner, other_learner):
        client = Client()
        client.force_login(member)
        client.post(reverse("community:thread-create"), {**THREAD, "submission": token})
    assert Thread.objects.count() == 2


def test_a_tampered_token_still_posts_once(learner_client):
    response = learner_client.post(reverse("community:thread-create"), {**THREAD, "submission": "<script>"})
    assert response.status_code == 302
    assert Thread.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submits_of_one_thread_form_at_once_create_one_thread(monkeypatch):
    author = UserFactory()
    token = "5f0c3f62-95a4-4c43-8f4f-8b0b3d7f1a11"
    barrier = threading.Barrier(2, timeout=10)
    render_post = services.render_post

    def render_together(body):  # both reach the INSERT together, past the first lookup
        barrier.wait()
        return render_post(body)

    monkeypatch.setattr(services, "render_post", render_together)

    def submit():
        client = Client()
        client.force_login(author)
        response = client.post(reverse("community:thread-create"), {**THREAD, "submission": token})
        return response.status_code, response["Location"], messages_of(response)

    results, errors = run_at_once(submit)

    thread = Thread.objects.get()
    assert errors == []
    assert sorted(status for status, _, _ in results) == [302, 302]
    assert {location for _, location, _ in results} == {thread.get_absolute_url()}
    assert ["You already posted this thread; here it is."] in [said for _, _, said in results]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_submits_of_one_reply_form_at_once_create_one_reply(monkeypatch):
    author = UserFactory()
    thread = ThreadFactory()
    token = "9d3d2a5e-1f4b-4a4e-8c1e-2b7c5b0f6e22"
    barrier = threading.Barrier(2, timeout=10)
    render_post = services.render_post

    def render_together(body):
        barrier.wait()
        return render_post(body)

    monkeypatch.setattr(services, "render_post", render_together)
    url = reverse("community:comment-create", args=[thread.pk, thread.slug])

    def submit():
        client = Client()
        client.force_login(author)
        response = client.post(url, {"body": "Racing myself to reply here.", "submission": token})
        return response.status_code, response["Location"]

    results, errors = run_at_once(submit)

    comment = Comment.objects.get()
    assert errors == []
    assert results == [(302, comment.get_absolute_url())] * 2
    thread.refresh_from_db()
    assert thread.comment_count == 1
