"""The desk and /mentors/ run the same number of queries at 10 and at 200 requests."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import mentorship
from community.models import MentorSection, ReviewRequest
from tests.factories import MentorFactory, ReviewRequestFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def _requests(count, mentors):
    """`count` requests on as many topics and learners; a third claimed, a third decided."""
    for index in range(count):
        review = ReviewRequestFactory(learner=UserFactory(), topic=TopicFactory())
        mentor = mentors[index % len(mentors)]
        MentorSection.objects.get_or_create(mentor=mentor, section=review.topic.section)
        if index % 3:
            mentorship.claim(mentor=mentor, review=review)
        if index % 3 == 2:
            mentorship.decide(mentor=mentor, review=review, verdict="verified", feedback="Good")


def _queries(client, url) -> int:
    client.get(url)  # caches warm: the user, their permissions
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [reverse("community:mentor-desk"), reverse("community:mentor-list")])
def test_queries_do_not_grow_with_requests(client, url):
    mentors = [MentorFactory() for _ in range(3)]
    client.force_login(mentors[0])
    _requests(10, mentors)
    small = _queries(client, url)
    _requests(190, mentors)
    assert ReviewRequest.objects.count() == 200
    assert _queries(client, url) == small
