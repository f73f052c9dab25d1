"""A mentor who is suspended, deactivated or taken out of the Mentors group loses every
moderation power on their very next request, through the pages and the API, although their
user row and permissions were cached by the request before."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import MENTORS_GROUP, User
from community import moderation, permissions
from community.models import Comment, Flag, ModerationAction, Status, Thread
from tests.api.helpers import token_client
from tests.factories import AdminFactory, CommentFactory, MentorFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db


def _content(kind, action, api_action=None, **fields):
    def build(author):
        thread = ThreadFactory(author=author, **(fields if kind == "thread" else {}))
        target = thread if kind == "thread" else CommentFactory(thread=thread, author=author, **fields)
        collection = "threads" if kind == "thread" else "comments"
        return {
            "html": (reverse("community:mod-action", args=[kind, target.pk, action]), {"reason": "tidy"}),
            "api": (f"/api/v1/mod/{collection}/{target.pk}/{api_action or action}/", {"reason": "tidy"}),
        }

    return build


def _resolve_flags(author):
    thread = ThreadFactory(author=author)
    Flag.objects.create(reporter=UserFactory(), thread=thread, reason="spam")
    return {
        "html": (reverse("community:mod-action", args=["thread", thread.pk, "resolve"]), {"reason": "spam"}),
        "api": (f"/api/v1/mod/threads/{thread.pk}/resolve-flags/", {"reason": "spam", "decision": "resolve"}),
    }


def _accept_answer(author):
    answer = CommentFactory(thread=ThreadFactory(author=author))
    return {
        "html": (reverse("community:comment-accept", args=[answer.pk]), {}),
        "api": (f"/api/v1/comments/{answer.pk}/accept/", {}),
    }


def _suspend_learner(author):
    return {
        "html": (
            reverse("community:mod-user-action", args=[author.username, "suspend"]),
            {"suspend-reason": "conduct", "suspend-days": "3"},
        ),
        "api": (
            f"/api/v1/mod/users/{author.username}/suspend/",
            {"reason": "conduct", "until": (timezone.now() + timedelta(days=3)).isoformat()},
        ),
    }


ACTIONS = {
    "hide_thread": _content("thread", "hide"),
    "restore_thread": _content("thread", "restore", status=Status.HIDDEN),
    "hide_comment": _content("comment", "hide"),
    "restore_comment": _content("comment", "restore", status=Status.HIDDEN),
    "lock": _content("thread", "lock"),
    "pin": _content("thread", "pin"),
    "accept_answer": _accept_answer,
    "resolve_flags": _resolve_flags,
    "suspend_learner": _suspend_learner,
}


def _suspend(mentor):
    moderation.suspend(
        moderator=AdminFactory(), user=mentor, until=timezone.now() + timedelta(days=1), reason="review"
    )


def _deactivate(mentor):
    mentor.is_active = False
    mentor.save()


def _remove_from_mentors(mentor):
    mentor.groups.remove(Group.objects.get(name=MENTORS_GROUP))


LOSSES = {"suspended": _suspend, "deactivated": _deactivate, "ex_mentor": _remove_from_mentors}


def database_state():
    return {
        "threads": list(Thread.objects.order_by("pk").values_list("status", "is_locked", "is_pinned", "accepted_comment_id")),
        "comments": list(Comment.objects.order_by("pk").values_list("status", flat=True)),
        "flags": list(Flag.objects.order_by("pk").values_list("status", flat=True)),
        "actions": ModerationAction.objects.count(),
        "suspensions": list(User.objects.filter(is_staff=False).order_by("pk").values_list("suspended_until", flat=True)),
    }  # fmt: skip


def html_client(mentor):
    client = Client()
    client.force_login(mentor)
    assert client.get(reverse("community:mod-queue")).status_code == 200
    return client


def api_client(mentor):
    client = token_client(mentor)
    assert client.get("/api/v1/mod/flags/").status_code == 200
    return client


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("loss", list(LOSSES))
def test_a_mentor_who_lost_the_role_cannot_moderate_through_the_pages(loss, action):
    mentor = MentorFactory()
    url, data = ACTIONS[action](UserFactory())["html"]
    client = html_client(mentor)
    LOSSES[loss](mentor)
    before = database_state()

    response = client.post(url, data)

    if loss == "deactivated":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == 403
    assert database_state() == before


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("loss", list(LOSSES))
def test_a_mentor_who_lost_the_role_cannot_moderate_through_the_api(loss, action):
    mentor = MentorFactory()
    url, data = ACTIONS[action](UserFactory())["api"]
    client = api_client(mentor)
    LOSSES[loss](mentor)
    before = database_state()

    response = client.post(url, data, format="json")

    assert response.status_code == (401 if loss == "deactivated" else 403)
    assert database_state() == before


def test_a_suspended_mentor_no_longer_sees_the_moderation_queue_or_hidden_threads():
    mentor = MentorFactory()
    hidden = ThreadFactory(status=Status.HIDDEN)
    client = html_client(mentor)
    assert client.get(hidden.get_absolute_url()).status_code == 200
    _suspend(mentor)

    assert client.get(reverse("community:mod-queue")).status_code == 403
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get("/api/v1/threads/").json()["results"] == []


ADMIN_CHANGES = {
    "suspended": {
        "suspended_until_0": (timezone.localdate() + timedelta(days=2)).isoformat(),
        "suspended_until_1": "12:00:00",
        "suspension_reason": "review",
    },
    "deactivated": {"is_active": None},
    "ex_mentor": {"groups": []},
}


@pytest.mark.parametrize("loss", list(ADMIN_CHANGES))
def test_a_change_made_in_the_django_admin_takes_the_powers_at_the_next_request(admin_user, loss):
    mentor = MentorFactory()
    thread = ThreadFactory()
    client = html_client(mentor)
    admin = Client()
    admin.force_login(admin_user)
    change_url = reverse("admin:accounts_user_change", args=[mentor.pk])
    form = admin.get(change_url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value not in (None, False)}
    data.update(groups=[group.pk for group in mentor.groups.all()], user_permissions=[])
    data.update(ADMIN_CHANGES[loss])
    data = {name: value for name, value in data.items() if value is not None}

    assert admin.post(change_url, data).status_code == 302
    assert not permissions.is_moderator(User.objects.get(pk=mentor.pk))

    response = client.post(
        reverse("community:mod-action", args=["thread", thread.pk, "hide"]), {"reason": "x"}
    )
    assert response.status_code in {302, 403}
    assert response.status_code == 403 or response["Location"].startswith(reverse("account_login"))
    assert Thread.objects.get(pk=thread.pk).status == Status.PUBLISHED
