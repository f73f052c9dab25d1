"""Two mentors claiming the same request at the same moment, on PostgreSQL: exactly one holds it."""

import threading

import pytest

from community import mentorship
from community.models import ModerationAction, ReviewRequest
from config.errors import Conflict
from tests.concurrency import meeting_at_first_use_of, run_at_once, run_one_inside_the_other
from tests.factories import MentorFactory, ReviewRequestFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _claims(mentors, review_id, barrier=None):
    """A claim by the next of `mentors` each time it is called (one per thread)."""
    pool = iter(mentors)

    def work():
        mentor = next(pool)
        review = ReviewRequest.objects.get(pk=review_id)
        if barrier is None:
            return mentorship.claim(mentor=mentor, review=review).claimed_by_id
        with meeting_at_first_use_of("community_reviewrequest", barrier):
            return mentorship.claim(mentor=mentor, review=review).claimed_by_id

    return work


def _one_holds(review, mentors, results, errors):
    review.refresh_from_db()
    assert review.state == ReviewRequest.State.CLAIMED
    assert results == [review.claimed_by_id]
    assert review.claimed_by_id in {mentor.pk for mentor in mentors}
    assert len(errors) == 1 and isinstance(errors[0], Conflict)
    assert "holds this request until" in errors[0].messages[0]
    assert ModerationAction.objects.filter(action=ModerationAction.Action.REVIEW_CLAIM).count() == 1


def test_two_mentors_claiming_at_once_leave_exactly_one_holding_it():
    review = ReviewRequestFactory()
    mentors = [MentorFactory(), MentorFactory()]
    barrier = threading.Barrier(2, timeout=10)
    results, errors = run_at_once(_claims(mentors, review.pk, barrier))
    _one_holds(review, mentors, results, errors)


def test_a_claim_read_before_another_commits_still_loses():
    """The worst interleaving for a check-then-write: the second claim reads the request,
    the first claims it and commits, then the second goes on."""
    review = ReviewRequestFactory()
    mentors = [MentorFactory(), MentorFactory()]
    results, errors = run_one_inside_the_other(_claims(mentors, review.pk), table="community_reviewrequest")
    _one_holds(review, mentors, results, errors)
