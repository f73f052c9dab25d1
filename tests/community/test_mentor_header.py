"""The mentors' header counts (posts flagged, review requests waiting): cached for every mentor,
and right on the next page whoever changed a flag or a request."""

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community import mentorship, moderation
from community.models import Flag, ReviewRequest
from tests.factories import AdminFactory, CommentFactory, ReviewRequestFactory, ThreadFactory, UserFactory
from tests.html import parse

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def header_count(client: Client, marker: str) -> str | None:
    """The number on the header icon marked with `marker`, on the home page, if any."""
    page = client.get(reverse("home"))
    assert page.status_code == 200
    badges = [span for span in parse(page.text).find_all("span") if marker in span.attrs]
    return badges[0].children[0].strip() if badges else None


def flagged(client):
    return header_count(client, "data-open-flags")


def waiting(client):
    return header_count(client, "data-waiting-reviews")


def test_a_flag_made_through_the_service_shows_on_the_mentors_next_page(mentor):
    client = signed_in(mentor)
    assert flagged(client) is None
    moderation.flag(reporter=UserFactory(), target=CommentFactory(), reason="spam")
    assert flagged(client) == "1"
    moderation.flag(reporter=UserFactory(), target=ThreadFactory(), reason="spam")
    assert flagged(client) == "2"


def test_a_flag_saved_from_the_shell_shows_on_the_mentors_next_page(mentor):
    client = signed_in(mentor)
    moderation.flag(reporter=UserFactory(), target=CommentFactory(), reason="spam")
    assert flagged(client) == "1"
    Flag.objects.create(reporter=UserFactory(), thread=ThreadFactory(), reason="abuse")
    assert flagged(client) == "2"
    Flag.objects.filter(thread__isnull=False).get().delete()
    assert flagged(client) == "1"


def test_a_second_flag_on_the_same_post_does_not_count_twice(mentor):
    client = signed_in(mentor)
    comment = CommentFactory()
    moderation.flag(reporter=UserFactory(), target=comment, reason="spam")
    assert flagged(client) == "1"
    moderation.flag(reporter=UserFactory(), target=comment, reason="abuse")
    assert flagged(client) == "1"


def test_a_flag_dismissed_in_the_admins_change_form_leaves_the_mentors_count(mentor):
    client = signed_in(mentor)
    comment = CommentFactory()
    moderation.flag(reporter=UserFactory(), target=comment, reason="spam")
    assert flagged(client) == "1"
    flag = Flag.objects.get()
    response = signed_in(AdminFactory()).post(
        reverse("admin:community_flag_change", args=[flag.pk]),
        {
            "reporter": flag.reporter_id,
            "comment": comment.pk,
            "reason": "spam",
            "note": "",
            "status": "dismissed",
        },
    )
    assert response.status_code == 302
    assert Flag.objects.get().status == Flag.State.DISMISSED
    assert flagged(client) is None


def test_a_new_review_request_and_a_claim_change_the_waiting_count(mentor):
    client = signed_in(mentor)
    assert waiting(client) is None
    review = ReviewRequestFactory()
    assert waiting(client) == "1"
    other_mentor = UserFactory()
    other_mentor.groups.add(*mentor.groups.all())
    mentorship.claim(mentor=other_mentor, review=review)
    assert waiting(client) is None


def test_a_claim_that_runs_out_puts_the_request_back_in_the_count_with_no_write(mentor):
    client = signed_in(mentor)
    other_mentor = UserFactory()
    other_mentor.groups.add(*mentor.groups.all())
    mentorship.claim(mentor=other_mentor, review=ReviewRequestFactory())
    assert waiting(client) is None
    ends = ReviewRequest.objects.get().claim_expires_at
    with mock.patch("django.utils.timezone.now", return_value=ends + timedelta(seconds=1)):
        assert waiting(client) == "1"
    assert ends > timezone.now()


def test_learners_see_no_mentor_counts(learner):
    moderation.flag(reporter=UserFactory(), target=CommentFactory(), reason="spam")
    ReviewRequestFactory()
    client = signed_in(learner)
    assert flagged(client) is None and waiting(client) is None
