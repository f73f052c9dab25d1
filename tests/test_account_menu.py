"""The account menu of a page shared by signed-in visitors (config.slots.account_menu): rendered
once per member until one of their tokens changes, and right on the next request after any
change it shows, whoever made it."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from community import mentorship, services
from community.models import ReviewRequest
from tests.factories import ReviewRequestFactory, ThreadFactory, UserFactory
from tests.html import parse

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def menu(client: Client, thread) -> dict:
    """What the header's account menu shows on the thread's page (a page with a shell)."""
    page = client.get(thread.get_absolute_url())
    assert page.status_code == 200
    html = parse(page.text)
    counts = {
        marker: span.children[0].strip()
        for span in html.find_all("span")
        for marker in ("data-unread-count", "data-waiting-reviews")
        if marker in span.attrs
    }
    return {
        "name": html.find("details", class_="account-menu").find("summary").text.split()[-1],
        "moderates": bool(html.find_all("a", class_="nav-mod")),
        **counts,
    }


def test_a_notification_shows_in_the_menu_of_a_page_already_served(
    learner, django_capture_on_commit_callbacks
):
    thread = ThreadFactory(author=learner)
    services.follow_set(user=learner, thread=thread)
    client = signed_in(learner)
    assert "data-unread-count" not in menu(client, thread)
    with django_capture_on_commit_callbacks(execute=True):  # the outbox is drained after commit
        services.create_comment(thread=thread, author=UserFactory(), body="A first reply")
    assert menu(client, thread)["data-unread-count"] == "1"


def test_a_rename_and_a_role_show_in_the_menu_of_a_page_already_served(learner):
    thread = ThreadFactory()
    client = signed_in(learner)
    assert menu(client, thread) == {"name": "learner", "moderates": False}
    learner.username = "renamed"
    learner.save()
    learner.groups.add(Group.objects.get(name="Mentors"))
    assert menu(client, thread) == {"name": "renamed", "moderates": True}
    learner.groups.clear()
    assert menu(client, thread) == {"name": "renamed", "moderates": False}


def test_a_mentors_menu_counts_a_claim_that_ran_out_with_no_write(mentor):
    thread = ThreadFactory()
    client = signed_in(mentor)
    other_mentor = UserFactory()
    other_mentor.groups.add(*mentor.groups.all())
    mentorship.claim(mentor=other_mentor, review=ReviewRequestFactory())
    assert "data-waiting-reviews" not in menu(client, thread)
    ends = ReviewRequest.objects.get().claim_expires_at
    with mock.patch("django.utils.timezone.now", return_value=ends + timedelta(seconds=1)):
        assert menu(client, thread)["data-waiting-reviews"] == "1"
