import re

import pytest
from django.test import Client
from django.urls import reverse

from community.models import Comment, Notification, Status, Thread
from community.selectors import COMMENTS_PER_PAGE
from tests.factories import CommentFactory, FollowFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def comment_url(thread):
    return reverse("community:comment-create", args=[thread.pk, thread.slug])


def test_reply_to_a_thread_counts_and_links_to_the_comment(learner_client, learner):
    thread = ThreadFactory()
    response = learner_client.post(comment_url(thread), {"body": "Have you tried EXPLAIN ANALYZE?"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("community:comment-link", args=[comment.pk])
    thread.refresh_from_db()
    assert thread.comment_count == 1
    assert thread.last_activity_at >= comment.created_at
    assert "Have you tried EXPLAIN ANALYZE?" in learner_client.get(thread.get_absolute_url()).text


def test_a_reply_to_a_reply_attaches_to_the_top_comment_and_names_whom_it_answers(learner_client):
    thread = ThreadFactory()
    top = CommentFactory(thread=thread)
    reply = CommentFactory(thread=thread, parent=top)
    learner_client.post(comment_url(thread), {"body": "Replying to the reply", "parent": reply.pk})
    newest = Comment.objects.latest("pk")
    assert newest.parent == top
    assert newest.reply_to == reply.author
    page = learner_client.get(thread.get_absolute_url()).text
    assert f'replying to <a href="/u/{reply.author.username}/">@{reply.author.username}</a>' in page


def test_empty_or_too_long_comment_is_refused_with_the_text_kept(learner_client):
    thread = ThreadFactory()
    response = learner_client.post(comment_url(thread), {"body": "   "})
    assert response.status_code == 400
    assert "Write something before you post" in response.text
    long_body = "z" * 10_001
    response = learner_client.post(comment_url(thread), {"body": long_body})
    assert response.status_code == 400
    assert long_body in response.text
    assert not Comment.objects.exists()


def test_locked_thread_refuses_comments_from_learners_with_the_text_kept(learner_client):
    thread = ThreadFactory(is_locked=True)
    response = learner_client.post(comment_url(thread), {"body": "Late reply"})
    assert response.status_code == 403
    assert "locked" in response.text
    assert "Late reply" in response.text
    assert not Comment.objects.exists()


def test_suspended_learner_cannot_comment_and_keeps_the_text(suspended):
    thread = ThreadFactory()
    response = client_for(suspended).post(comment_url(thread), {"body": "My words stay"})
    assert response.status_code == 403
    assert "suspended until" in response.text
    assert "My words stay" in response.text
    assert not Comment.objects.exists()


def test_author_edits_a_comment(learner_client, learner):
    comment = CommentFactory(author=learner)
    response = learner_client.post(
        reverse("community:comment-edit", args=[comment.pk]), {"body": "Better **now**"}
    )
    comment.refresh_from_db()
    assert response.status_code == 302
    assert "<strong>now</strong>" in comment.body_html
    assert comment.edited_at is not None


def test_others_cannot_edit_or_delete_a_comment(learner, other_learner):
    comment = CommentFactory(author=learner)
    other = client_for(other_learner)
    assert (
        other.post(reverse("community:comment-edit", args=[comment.pk]), {"body": "hijack"}).status_code
        == 403
    )
    assert other.post(reverse("community:comment-delete", args=[comment.pk])).status_code == 403
    comment.refresh_from_db()
    assert comment.body != "hijack" and comment.status == Status.PUBLISHED


def test_deleting_a_comment_without_replies_removes_it(learner_client, learner):
    thread = ThreadFactory(comment_count=1)
    comment = CommentFactory(thread=thread, author=learner)
    learner_client.post(reverse("community:comment-delete", args=[comment.pk]))
    assert not Comment.objects.filter(pk=comment.pk).exists()
    thread.refresh_from_db()
    assert thread.comment_count == 0


def test_deleting_a_comment_with_replies_leaves_a_placeholder(learner_client, learner):
    thread = ThreadFactory(comment_count=2)
    comment = CommentFactory(thread=thread, author=learner, body="original words")
    reply = CommentFactory(thread=thread, parent=comment, body="a reply that stays")
    learner_client.post(reverse("community:comment-delete", args=[comment.pk]))
    comment.refresh_from_db()
    assert comment.status == Status.REMOVED and comment.body == ""
    page = Client().get(thread.get_absolute_url()).text
    assert "This reply was deleted." in page
    assert "original words" not in page
    assert reply.body in page


def test_long_threads_paginate_and_comment_links_find_the_right_page(client):
    thread = ThreadFactory()
    author = UserFactory()
    comments = Comment.objects.bulk_create(
        [
            Comment(thread=thread, author=author, body=f"c{n}", body_html=f"<p>comment number {n}</p>")
            for n in range(COMMENTS_PER_PAGE + 5)
        ]
    )
    last = comments[-1]
    first_page = client.get(thread.get_absolute_url()).text
    assert "comment number 0<" in first_page and f"comment number {COMMENTS_PER_PAGE + 4}<" not in first_page
    response = client.get(reverse("community:comment-link", args=[last.pk]))
    assert response["Location"] == f"{thread.get_absolute_url()}?page=2#c{last.pk}"
    assert f'id="c{last.pk}"' in client.get(f"{thread.get_absolute_url()}?page=2").text
    reply = CommentFactory(thread=thread, parent=comments[1])
    assert client.get(reverse("community:comment-link", args=[reply.pk]))["Location"].endswith(
        f"#c{reply.pk}"
    )
    assert "?page=" not in client.get(reverse("community:comment-link", args=[reply.pk]))["Location"]


def test_reply_notifies_followers_once_and_never_the_actor(
    learner, other_learner, django_capture_on_commit_callbacks
):
    thread_author = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(thread_author).post(
            reverse("community:thread-create"),
            {"title": "A question about HTTP caching", "body": "How long should max-age be for an API?"},
        )
        thread = Thread.objects.get()
        client_for(learner).post(comment_url(thread), {"body": "First reply"})
        client_for(other_learner).post(comment_url(thread), {"body": "Second reply"})
    rows = sorted(Notification.objects.values_list("recipient__username", "verb", "actor__username"))
    assert rows == [
        (learner.username, "reply", other_learner.username),
        (thread_author.username, "reply", learner.username),
        (thread_author.username, "reply", other_learner.username),
    ]


def test_mention_notifies_once_even_when_the_mentioned_user_follows(
    learner, other_learner, django_capture_on_commit_callbacks
):
    thread = ThreadFactory(author=learner)
    from community.models import Follow

    Follow.objects.create(user=learner, thread=thread)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(other_learner).post(comment_url(thread), {"body": f"@{learner.username} see the docs"})
    assert list(Notification.objects.values_list("recipient__username", "verb")) == [
        (learner.username, "mention")
    ]
    assert f'href="/u/{learner.username}/" class="mention"' in Comment.objects.get().body_html


def test_self_mention_does_not_notify(learner_client, learner, django_capture_on_commit_callbacks):
    thread = ThreadFactory()
    FollowFactory(user=thread.author, thread=thread)
    with django_capture_on_commit_callbacks(execute=True):
        learner_client.post(comment_url(thread), {"body": f"Note to self, @{learner.username}"})
    assert not Notification.objects.filter(recipient=learner).exists()
    assert Notification.objects.filter(recipient=thread.author, verb="reply").exists()  # it was sent


def test_comment_anchor_ids_are_stable(client):
    thread = ThreadFactory()
    comment = CommentFactory(thread=thread)
    assert re.search(rf'id="c{comment.pk}"', client.get(thread.get_absolute_url()).text)
