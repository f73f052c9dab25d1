"""The API and the pages read through the same selectors, so they show the same things in the
same order to the same viewer: the moderation queue, the audit log, notifications, bookmarks,
a thread's comments and what the viewer did on a thread. Each test sets up the cases where
they used to differ (hidden posts, suspended viewers and authors, ties) and compares the two."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community import moderation
from community.models import Bookmark, Status
from tests.api.helpers import token_client
from tests.factories import CommentFactory, MentorFactory, NotificationFactory, ThreadFactory, UserFactory
from tests.html import pressed_toggle, reaction_buttons

pytestmark = pytest.mark.django_db


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def suspended(user):
    user.suspended_until = timezone.now() + timedelta(days=2)
    user.save()
    return user


def flag_by_others(target, count=1, reason="spam"):
    for _ in range(count):
        moderation.flag(reporter=UserFactory(), target=target, reason=reason)


# --- Moderation ------------------------------------------------------------------------


def test_the_moderation_queue_has_the_same_posts_in_the_same_order(mentor):
    quiet_author = suspended(UserFactory())
    first = ThreadFactory(author=quiet_author)  # flagged first, once
    busy = ThreadFactory()
    hidden_comment = CommentFactory(thread=busy)
    flag_by_others(first)
    flag_by_others(busy, count=2)
    flag_by_others(hidden_comment, count=3, reason="abuse")  # the third flag hides it
    assert hidden_comment.__class__.objects.get(pk=hidden_comment.pk).status == Status.HIDDEN

    api = token_client(mentor).get("/api/v1/mod/flagged/").json()["results"]
    page = page_client(mentor).get(reverse("community:mod-queue")).text

    from_api = [(item["kind"], (item["comment"] or item["thread"])["id"]) for item in api]
    on_page = [(kind, int(pk)) for kind, pk in re.findall(r'id="flagged-(thread|comment)-(\d+)"', page)]
    assert from_api == on_page == [("thread", first.pk), ("thread", busy.pk), ("comment", hidden_comment.pk)]


def test_the_audit_log_has_the_same_entries_in_the_same_order(mentor, admin_user, learner):
    thread = ThreadFactory()
    comment = CommentFactory(thread=thread)
    moderation.lock(moderator=mentor, thread=thread, reason="Reason 1")
    moderation.hide(moderator=admin_user, target=comment, reason="Reason 2")
    moderation.warn(moderator=mentor, user=learner, reason="Reason 3")
    moderation.suspend(
        moderator=admin_user, user=learner, until=timezone.now() + timedelta(days=1), reason="Reason 4"
    )

    for filters, page_filters in [
        ({}, {}),
        ({"moderator": "BOSS"}, {"moderator": "BOSS"}),
        ({"user": "learner"}, {"target": "learner"}),
    ]:
        api = token_client(mentor).get("/api/v1/mod/log/", filters).json()["results"]
        page = page_client(mentor).get(reverse("community:mod-log"), page_filters).text
        assert [entry["reason"] for entry in api] == re.findall(r"<td>(Reason \d)</td>", page)
    assert [entry["reason"] for entry in api] == ["Reason 4", "Reason 3"]


# --- My notifications and bookmarks ----------------------------------------------------


def test_my_notifications_are_the_same_in_the_same_order(learner):
    now = timezone.now()
    made = [
        NotificationFactory(recipient=learner, created_at=now - timedelta(minutes=n % 3)) for n in range(6)
    ]
    NotificationFactory(recipient=UserFactory())  # someone else's

    api = token_client(learner).get("/api/v1/me/notifications/").json()["results"]
    page = page_client(learner).get(reverse("community:notification-list")).text

    from_api = [item["id"] for item in api]
    assert from_api == [int(pk) for pk in re.findall(r'name="id" value="(\d+)"', page)]
    assert sorted(from_api) == sorted(notification.pk for notification in made)


def thread_ids_on(page: str) -> list[int]:
    return [
        int(pk)
        for pk in re.findall(r'<h3 class="thread-card-title">.*?<a href="/discussions/(\d+)/', page, re.S)
    ]


@pytest.fixture
def saved(learner):
    """What the viewers under test saved, and what each of them may still see of it."""
    others_hidden = ThreadFactory(status=Status.HIDDEN)
    own_hidden = ThreadFactory(author=learner, status=Status.HIDDEN)
    by_suspended = ThreadFactory(author=suspended(UserFactory()))
    removed = ThreadFactory(status=Status.REMOVED)
    published, tied = ThreadFactory(), ThreadFactory()
    return [published, tied, by_suspended, own_hidden, others_hidden, removed]


def save_all(user, threads):
    """Newest first in the order given; the first two saved at the same instant."""
    now = timezone.now()
    for position, thread in enumerate(threads):
        created_at = now - timedelta(minutes=max(position, 1))
        Bookmark.objects.create(user=user, thread=thread, created_at=created_at)


@pytest.mark.parametrize("viewer", ["learner", "mentor", "suspended mentor"])
def test_my_bookmarks_are_the_same_in_the_same_order(learner, saved, viewer):
    published, tied, by_suspended, own_hidden, others_hidden, _ = saved
    user = {"learner": learner, "mentor": MentorFactory(), "suspended mentor": suspended(MentorFactory())}[
        viewer
    ]
    save_all(user, saved)

    api = token_client(user).get("/api/v1/me/bookmarks/").json()["results"]
    page = page_client(user).get(reverse("community:bookmark-list")).text

    assert [thread["id"] for thread in api] == thread_ids_on(page)
    expected = {
        "learner": [tied, published, by_suspended, own_hidden],
        "mentor": [tied, published, by_suspended, own_hidden, others_hidden],
        "suspended mentor": [tied, published, by_suspended],
    }[viewer]
    assert thread_ids_on(page) == [thread.pk for thread in expected]


# --- A thread: its comments and what I did there ---------------------------------------


@pytest.mark.parametrize(
    "viewer", ["anonymous", "hidden comment's author", "learner", "mentor", "suspended mentor"]
)
def test_a_threads_comments_are_the_same_for_every_viewer(learner, viewer):
    thread = ThreadFactory()
    writer = UserFactory()
    shown = CommentFactory(thread=thread)
    hidden = CommentFactory(thread=thread, author=writer)
    moderation.hide(moderator=MentorFactory(), target=hidden, reason="Off topic")
    by_suspended = CommentFactory(thread=thread, author=suspended(UserFactory()))
    user = {
        "anonymous": None,
        "hidden comment's author": writer,
        "learner": learner,
        "mentor": MentorFactory(),
        "suspended mentor": suspended(MentorFactory()),
    }[viewer]

    api = token_client(user).get(f"/api/v1/threads/{thread.pk}/comments/").json()["results"]
    page = (page_client(user) if user else Client()).get(thread.get_absolute_url()).text

    on_page = [int(pk) for pk in re.findall(r'<article id="c(\d+)"', page)]
    assert [comment["id"] for comment in api] == on_page
    sees_hidden = viewer in {"hidden comment's author", "mentor"}
    assert on_page == [shown.pk, *([hidden.pk] if sees_hidden else []), by_suspended.pk]


@pytest.mark.parametrize("viewer", ["anonymous", "author", "learner", "mentor", "suspended mentor"])
def test_a_hidden_thread_answers_alike(viewer):
    author = UserFactory()
    thread = ThreadFactory(author=author, status=Status.HIDDEN)
    user = {
        "anonymous": None,
        "author": author,
        "learner": UserFactory(),
        "mentor": MentorFactory(),
        "suspended mentor": suspended(MentorFactory()),
    }[viewer]
    api = token_client(user).get(f"/api/v1/threads/{thread.pk}/")
    page = (page_client(user) if user else Client()).get(thread.get_absolute_url())
    assert api.status_code == page.status_code == (200 if viewer in {"author", "mentor"} else 404)


def state_on_page(page: str, thread) -> dict:
    buttons = reaction_buttons(page, thread)
    on = pressed_toggle(page)
    return {
        "reactions": sorted(kind for kind, button in buttons.items() if button["pressed"] == "true"),
        "is_following": "Watching" in on,
        "is_bookmarked": "Saved" in on,
    }


def state_from_api(client, thread) -> dict:
    viewer = client.get(f"/api/v1/threads/{thread.pk}/").json()["viewer"]
    return {name: viewer[name] for name in ("reactions", "is_following", "is_bookmarked")}


def test_what_i_did_on_a_thread_is_the_same_on_the_page_and_in_the_api(learner):
    thread = ThreadFactory()
    comment = CommentFactory(thread=thread)
    api, page = token_client(learner), page_client(learner)
    for url in ["reactions/like/", "reactions/insightful/", "follow/"]:
        api.post(f"/api/v1/threads/{thread.pk}/{url}")
    api.post(f"/api/v1/comments/{comment.pk}/reactions/helpful/")  # not the thread's

    expected = {"reactions": ["insightful", "like"], "is_following": True, "is_bookmarked": False}
    assert (
        state_from_api(api, thread)
        == state_on_page(page.get(thread.get_absolute_url()).text, thread)
        == expected
    )

    api.delete(f"/api/v1/threads/{thread.pk}/reactions/like/")
    api.post(f"/api/v1/threads/{thread.pk}/bookmark/")
    api.delete(f"/api/v1/threads/{thread.pk}/follow/")

    expected = {"reactions": ["insightful"], "is_following": False, "is_bookmarked": True}
    assert (
        state_from_api(api, thread)
        == state_on_page(page.get(thread.get_absolute_url()).text, thread)
        == expected
    )
