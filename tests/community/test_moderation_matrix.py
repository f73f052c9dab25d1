"""Every moderation action against every role: the expected answer, and no change on denial."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from community.models import Comment, Flag, ModerationAction, Notification, OutboxEvent, Thread
from tests.factories import (
    AdminFactory,
    CommentFactory,
    MentorFactory,
    TagFactory,
    ThreadFactory,
    UserFactory,
    build_roadmap,
)

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "learner", "author", "suspended", "mentor_on_learner", "mentor_on_mentor", "admin"]


def _thread(author, **fields):
    return ThreadFactory(author=author, **fields)


def _content(action, kind, **fields):
    def build(author):
        thread = _thread(author, **(fields if kind == "thread" else {}))
        target = thread if kind == "thread" else CommentFactory(thread=thread, author=author, **fields)
        return reverse("community:mod-action", args=[kind, target.pk, action]), {
            "reason": f"{action} for a test"
        }

    return build


def _flagged(decision):
    def build(author):
        thread = _thread(author)
        Flag.objects.create(reporter=UserFactory(), thread=thread, reason="spam")
        return reverse("community:mod-action", args=["thread", thread.pk, decision]), {"reason": "decided"}

    return build


def _move(author):
    _, topics = build_roadmap(topics=1, sections=1, slug="moves")
    thread = _thread(author)
    return reverse("community:mod-action", args=["thread", thread.pk, "move"]), {
        "reason": "right topic",
        "topic": topics[0].pk,
    }


def _retag(author):
    thread = _thread(author)
    tag = TagFactory(slug="retagged")
    return reverse("community:mod-action", args=["thread", thread.pk, "retag"]), {
        "reason": "better tags",
        "tags": [tag.pk],
    }


def _accept(author):
    thread = _thread(author)
    answer = CommentFactory(thread=thread)
    return reverse("community:comment-accept", args=[answer.pk]), {}


def _user_action(action, **fields):
    def build(author):
        for name, value in fields.items():
            setattr(author, name, value)
        author.save()
        data = {f"{action}-reason": "conduct", f"{action}-days": "3"}
        return reverse("community:mod-user-action", args=[author.username, action]), data

    return build


ACTIONS = {
    "hide_thread": _content("hide", "thread"),
    "restore_thread": _content("restore", "thread", status="hidden"),
    "lock": _content("lock", "thread"),
    "unlock": _content("unlock", "thread", is_locked=True),
    "pin": _content("pin", "thread"),
    "unpin": _content("unpin", "thread", is_pinned=True),
    "move": _move,
    "retag": _retag,
    "hide_comment": _content("hide", "comment"),
    "restore_comment": _content("restore", "comment", status="hidden"),
    "resolve_flags": _flagged("resolve"),
    "dismiss_flags": _flagged("dismiss"),
    "accept_answer": _accept,
    "warn": _user_action("warn"),
    "suspend": _user_action("suspend"),
    "unsuspend": _user_action(
        "unsuspend", suspended_until=timezone.now() + timedelta(days=2), suspension_reason="earlier"
    ),
}

SUCCEEDS = {"mentor_on_learner", "admin"}


def expected_outcome(actor, action):
    if actor == "anonymous":
        return "login"
    if actor in SUCCEEDS or (actor == "author" and action == "accept_answer"):
        return "success"
    return "forbidden"


def database_state():
    return {
        "threads": list(
            Thread.objects.order_by("pk").values_list(
                "status", "is_locked", "is_pinned", "topic_id", "accepted_comment_id"
            )
        ),
        "thread_tags": list(Thread.tags.through.objects.order_by("pk").values_list("thread_id", "tag_id")),
        "comments": list(Comment.objects.order_by("pk").values_list("status", flat=True)),
        "flags": list(Flag.objects.order_by("pk").values_list("status", flat=True)),
        "actions": ModerationAction.objects.count(),
        "notifications": Notification.objects.count(),
        "outbox": OutboxEvent.objects.count(),
        "suspensions": list(User.objects.order_by("pk").values_list("suspended_until", flat=True)),
    }


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("actor", ACTORS)
def test_moderation_permission_matrix(actor, action):
    mentor = MentorFactory()
    author = MentorFactory() if actor == "mentor_on_mentor" else UserFactory()
    url, data = ACTIONS[action](author)
    users = {
        "anonymous": None,
        "learner": UserFactory(),
        "author": author,
        "suspended": UserFactory(suspended_until=timezone.now() + timedelta(days=1)),
        "mentor_on_learner": mentor,
        "mentor_on_mentor": mentor,
        "admin": AdminFactory(),
    }
    client = Client()
    if users[actor] is not None:
        client.force_login(users[actor])
    before = database_state()

    response = client.post(url, data)

    outcome = expected_outcome(actor, action)
    if outcome == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif outcome == "forbidden":
        assert response.status_code == 403
    else:
        assert response.status_code == 302, getattr(response, "text", "")[:2000]
        assert not response["Location"].startswith(reverse("account_login"))
    if outcome == "success":
        assert database_state() != before
    else:
        assert database_state() == before
