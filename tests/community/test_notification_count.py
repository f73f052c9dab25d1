"""The unread count in the header: cached per user, and right after every change."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import services
from tests.factories import ThreadFactory, UserFactory


def unread_badge(html: str) -> int:
    found = re.search(r"data-unread-count>(\d+)<", html)
    return int(found.group(1)) if found else 0


def test_the_header_count_is_cached_and_follows_new_and_read_notifications(
    client, learner, django_capture_on_commit_callbacks
):
    client.force_login(learner)
    thread = ThreadFactory(author=learner)
    services.follow_set(user=learner, thread=thread)
    page = reverse("community:thread-list")
    assert unread_badge(client.get(page).text) == 0

    with django_capture_on_commit_callbacks(execute=True):  # the outbox is drained after commit
        services.create_comment(thread=thread, author=UserFactory(), body="A first reply")
    assert unread_badge(client.get(page).text) == 1
    with CaptureQueriesContext(connection) as queries:
        assert unread_badge(client.get(page).text) == 1
    assert not [query for query in queries.captured_queries if "community_notification" in query["sql"]]

    services.mark_notifications_read(user=learner)
    assert unread_badge(client.get(page).text) == 0
