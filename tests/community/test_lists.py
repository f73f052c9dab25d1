from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.models import Status
from tests.factories import CommentFactory, TagFactory, ThreadFactory, build_roadmap

pytestmark = pytest.mark.django_db


def titles(response):
    return [thread.title for thread in response.context["listing"].page.object_list]


def test_latest_orders_by_last_activity_with_pinned_first(client):
    now = timezone.now()
    old = ThreadFactory(title="Old but active thread here", last_activity_at=now)
    newer = ThreadFactory(title="Newer quiet thread here", last_activity_at=now - timedelta(hours=1))
    pinned = ThreadFactory(
        title="Pinned rules of the forum", last_activity_at=now - timedelta(days=9), is_pinned=True
    )
    assert titles(client.get(reverse("community:thread-list"))) == [pinned.title, old.title, newer.title]


def test_top_ranks_by_reactions_within_the_period(client):
    now = timezone.now()
    ThreadFactory(title="Last month favourite thread", reaction_count=50, created_at=now - timedelta(days=20))
    ThreadFactory(title="This week popular thread", reaction_count=5, created_at=now - timedelta(days=1))
    ThreadFactory(title="This week quiet thread", reaction_count=1, created_at=now)
    week = titles(client.get(reverse("community:thread-list"), {"tab": "top", "period": "week"}))
    assert week == ["This week popular thread", "This week quiet thread"]
    month = titles(client.get(reverse("community:thread-list"), {"tab": "top", "period": "month"}))
    assert month[0] == "Last month favourite thread"


def test_unanswered_lists_threads_without_an_accepted_answer(client):
    answered = ThreadFactory(title="A thread with an accepted answer")
    answered.accepted_comment = CommentFactory(thread=answered)
    answered.save()
    ThreadFactory(title="A thread still waiting for help")
    assert titles(client.get(reverse("community:thread-list"), {"tab": "unanswered"})) == [
        "A thread still waiting for help"
    ]


def test_filters_by_tag_and_topic(client):
    tag = TagFactory(slug="http")
    _, topics = build_roadmap(topics=2, sections=1)
    ThreadFactory(title="Tagged http thread here", tags=[tag])
    ThreadFactory(title="Thread on the first topic", topic=topics[0])
    ThreadFactory(title="Unrelated thread somewhere")
    assert titles(client.get(reverse("community:thread-list"), {"tag": "http"})) == [
        "Tagged http thread here"
    ]
    assert titles(client.get(reverse("community:thread-list"), {"topic": topics[0].pk})) == [
        "Thread on the first topic"
    ]
    assert titles(client.get(reverse("community:tag-detail", args=["http"]))) == ["Tagged http thread here"]


def test_hidden_and_removed_threads_are_not_listed(client):
    ThreadFactory(title="Hidden thread that is hidden", status=Status.HIDDEN)
    ThreadFactory(title="Removed thread that is gone", status=Status.REMOVED)
    ThreadFactory(title="Visible thread for everyone")
    assert titles(client.get(reverse("community:thread-list"))) == ["Visible thread for everyone"]


def test_lists_paginate(client):
    for number in range(35):
        ThreadFactory(title=f"Thread number {number:02d} in the list")
    first = client.get(reverse("community:thread-list"))
    second = client.get(reverse("community:thread-list"), {"page": 2})
    assert len(titles(first)) == 30 and len(titles(second)) == 5
    assert client.get(reverse("community:thread-list"), {"page": "abc"}).status_code == 200


def test_unknown_tag_page_is_404_and_odd_filters_are_ignored(client):
    assert client.get(reverse("community:tag-detail", args=["nope"])).status_code == 404
    assert (
        client.get(
            reverse("community:thread-list"), {"tab": "nonsense", "topic": "x", "period": "decade"}
        ).status_code
        == 200
    )
