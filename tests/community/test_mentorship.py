"""Review requests through the services: asking, claiming, deciding, replying, expiring."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from community import mentorship, outbox
from community.models import ModerationAction, Notification, ReviewMessage, ReviewRequest
from config.errors import Conflict
from roadmap import services as roadmap_services
from roadmap.models import Progress
from tests.factories import MentorFactory, ProgressFactory, ReviewRequestFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

State = ReviewRequest.State


def _told(user) -> list[Notification]:
    """What `user` was told once the outbox is drained (a worker's job after the commit)."""
    outbox.drain()
    return list(Notification.objects.filter(recipient=user, verb=Notification.Verb.REVIEW))


@pytest.fixture
def done_topic(learner):
    topic = TopicFactory()
    ProgressFactory(user=learner, topic=topic, status="done")
    return topic


def _claimed(mentor, **fields):
    review = ReviewRequestFactory(**fields)
    return mentorship.claim(mentor=mentor, review=review)


def test_a_learner_asks_for_a_review_of_a_done_topic(learner, done_topic):
    review = mentorship.request_review(
        learner=learner, topic=done_topic, links=["https://github.com/me/api"], explanation="I *built* it."
    )
    assert review.state == State.OPEN
    assert review.links == ["https://github.com/me/api"]
    assert "<em>built</em>" in review.explanation_html
    assert review.messages.get().kind == ReviewMessage.Kind.SUBMITTED


def test_a_topic_not_done_cannot_be_reviewed(learner):
    topic = TopicFactory()
    ProgressFactory(user=learner, topic=topic, status="learning")
    with pytest.raises(Conflict, match="Mark the topic done first"):
        mentorship.request_review(learner=learner, topic=topic, explanation="Please look")


@pytest.mark.parametrize(
    ("links", "message"),
    [
        (["http://github.com/me/api"], "is not an https link"),
        (["https://example.com/" + "a" * 2000], "at most 2,000 characters"),
        ([f"https://example.com/{n}" for n in range(6)], "at most 5 links; you gave 6"),
        (["javascript:alert(1)"], "is not an https link"),
    ],
)
def test_bad_links_are_refused_with_a_clear_message(learner, done_topic, links, message):
    with pytest.raises(ValidationError, match=message):
        mentorship.request_review(learner=learner, topic=done_topic, links=links)
    assert not ReviewRequest.objects.exists()


def test_a_request_needs_a_link_or_an_explanation(learner, done_topic):
    with pytest.raises(ValidationError, match="link to your work or explain"):
        mentorship.request_review(learner=learner, topic=done_topic, links=["  "], explanation=" ")


def test_one_active_request_per_learner_and_topic(learner, done_topic):
    mentorship.request_review(learner=learner, topic=done_topic, explanation="First")
    with pytest.raises(Conflict, match="already have a review request open"):
        mentorship.request_review(learner=learner, topic=done_topic, explanation="Second")
    assert ReviewRequest.objects.count() == 1


def test_a_mentor_claims_and_the_learner_is_told():
    mentor = MentorFactory()
    review = _claimed(mentor)
    assert review.state == State.CLAIMED
    assert review.claimed_by == mentor
    assert timedelta(hours=47) < review.claim_expires_at - timezone.now() <= timedelta(hours=48)
    [notification] = _told(review.learner)
    assert notification.review_id == review.pk and "is reviewing your work" in notification.text
    assert ModerationAction.objects.get().action == ModerationAction.Action.REVIEW_CLAIM


def test_a_claim_held_by_another_mentor_says_who_and_until_when():
    first, second = MentorFactory(display_name="Mira"), MentorFactory()
    review = _claimed(first)
    with pytest.raises(Conflict, match=r"Mira holds this request until \d+ \w+ \d{4}, \d\d:\d\d"):
        mentorship.claim(mentor=second, review=review)
    review.refresh_from_db()
    assert review.claimed_by == first


def test_the_claim_length_is_a_setting(settings):
    settings.MENTOR_CLAIM_HOURS = 5
    review = _claimed(MentorFactory())
    assert timedelta(hours=4) < review.claim_expires_at - timezone.now() <= timedelta(hours=5)


def test_a_mentor_cannot_review_their_own_request():
    mentor = MentorFactory()
    review = ReviewRequestFactory(learner=mentor)
    with pytest.raises(PermissionDenied, match="your own request"):
        mentorship.claim(mentor=mentor, review=review)


def test_a_learner_cannot_claim(learner):
    review = ReviewRequestFactory()
    with pytest.raises(PermissionDenied):
        mentorship.claim(mentor=learner, review=review)


def test_extending_a_claim_holds_it_longer():
    mentor = MentorFactory()
    review = _claimed(mentor)
    before = review.claim_expires_at
    review = mentorship.extend(mentor=mentor, review=review)
    assert review.claim_expires_at > before


def test_releasing_puts_the_request_back_on_the_desk():
    mentor = MentorFactory()
    review = mentorship.release(mentor=mentor, review=_claimed(mentor))
    assert review.state == State.OPEN and review.claimed_by is None
    assert mentorship.claim(mentor=MentorFactory(), review=review).state == State.CLAIMED


def test_verifying_ticks_the_learners_topic_with_who_and_when():
    mentor = MentorFactory()
    review = mentorship.decide(
        mentor=mentor, review=_claimed(mentor), verdict="verified", feedback="Solid work."
    )
    progress = Progress.objects.get(user=review.learner, topic=review.topic)
    assert progress.verified_by == mentor
    assert progress.verified_at is not None
    assert review.state == State.VERIFIED
    assert review.messages.last().body == "Solid work."


def test_a_decision_needs_feedback():
    mentor = MentorFactory()
    review = _claimed(mentor)
    with pytest.raises(ValidationError, match="Write your feedback"):
        mentorship.decide(mentor=mentor, review=review, verdict="needs_work", feedback="  ")
    review.refresh_from_db()
    assert review.state == State.CLAIMED


def test_only_the_claim_holder_decides():
    holder, other = MentorFactory(), MentorFactory()
    review = _claimed(holder)
    with pytest.raises(Conflict, match="holds this request until"):
        mentorship.decide(mentor=other, review=review, verdict="verified", feedback="Looks fine")
    assert not Progress.objects.filter(verified_at__isnull=False).exists()


def test_needs_work_then_the_learner_replies_and_resubmits_to_the_same_mentor():
    mentor = MentorFactory()
    review = mentorship.decide(
        mentor=mentor, review=_claimed(mentor), verdict="needs_work", feedback="Add tests."
    )
    assert review.state == State.NEEDS_WORK
    mentorship.reply(author=review.learner, review=review, body="Added them.", resubmit=True)
    review.refresh_from_db()
    assert review.state == State.CLAIMED and review.claimed_by == mentor
    assert "resubmitted" in _told(mentor)[0].text
    review = mentorship.decide(mentor=mentor, review=review, verdict="verified", feedback="Great.")
    assert review.state == State.VERIFIED


def test_withdrawing_after_needs_work_tells_the_mentor_waiting_for_the_answer():
    mentor = MentorFactory()
    review = mentorship.decide(mentor=mentor, review=_claimed(mentor), verdict="needs_work", feedback="More")
    mentorship.withdraw(learner=review.learner, review=review)
    assert [notification.text for notification in _told(mentor)] == [
        f"{review.learner.public_name} withdrew the review request on “{review.topic.title}”."
    ]


def test_withdrawing_an_open_request_tells_no_mentor():
    mentor = MentorFactory()
    review = ReviewRequestFactory()
    mentorship.withdraw(learner=review.learner, review=review)
    assert _told(mentor) == []


def test_a_step_of_the_review_writes_only_its_own_fields():
    """A claim saves what it changes: an explanation edited meanwhile by an admin (here, the
    row itself) is not overwritten with the copy the claim loaded."""
    mentor = MentorFactory()
    review = ReviewRequestFactory(explanation="I *built* it.")
    ReviewRequest.objects.filter(pk=review.pk).update(explanation="Edited", explanation_html="<p>Edited</p>")
    mentorship.claim(mentor=mentor, review=review)
    review.refresh_from_db()
    assert (review.state, review.explanation_html) == (State.CLAIMED, "<p>Edited</p>")


def test_an_action_on_a_withdrawn_request_is_refused():
    mentor = MentorFactory()
    review = ReviewRequestFactory()
    mentorship.withdraw(learner=review.learner, review=review)
    with pytest.raises(Conflict, match="withdrawn"):
        mentorship.claim(mentor=mentor, review=review)
    assert ModerationAction.objects.get().action == ModerationAction.Action.REVIEW_WITHDRAW


def test_setting_the_topic_back_to_learning_closes_the_request():
    review = ReviewRequestFactory()
    roadmap_services.set_progress(user=review.learner, topic=review.topic, status="learning")
    review.refresh_from_db()
    assert review.state == State.CLOSED


def test_resetting_the_roadmap_closes_the_request():
    review = ReviewRequestFactory()
    roadmap_services.reset_progress(user=review.learner, roadmap=review.topic.roadmap)
    review.refresh_from_db()
    assert review.state == State.CLOSED


def test_setting_a_verified_topic_back_to_learning_keeps_the_history_but_removes_the_tick():
    mentor = MentorFactory()
    review = mentorship.decide(mentor=mentor, review=_claimed(mentor), verdict="verified", feedback="Yes.")
    roadmap_services.set_progress(user=review.learner, topic=review.topic, status="learning")
    progress = Progress.objects.get(user=review.learner, topic=review.topic)
    assert progress.verified_at is None and progress.verified_by is None
    review.refresh_from_db()
    assert review.state == State.VERIFIED and review.decided_by == mentor


def test_an_expired_claim_returns_the_request_to_the_queue():
    mentor = MentorFactory()
    review = _claimed(mentor)
    released, expired = mentorship.expire(now=timezone.now() + timedelta(hours=49))
    review.refresh_from_db()
    assert (released, expired) == (1, 0)
    assert review.state == State.OPEN and review.claimed_by is None


def test_a_request_unclaimed_for_a_week_expires_and_the_learner_is_told():
    review = ReviewRequestFactory()
    assert mentorship.expire(now=timezone.now() + timedelta(days=6)) == (0, 0)
    assert mentorship.expire(now=timezone.now() + timedelta(days=7, minutes=1)) == (0, 1)
    review.refresh_from_db()
    assert review.state == State.EXPIRED
    assert "within a week" in _told(review.learner)[0].text
    assert mentorship.expire(now=timezone.now() + timedelta(days=8)) == (0, 0)


def test_a_suspended_learner_cannot_ask(done_topic, learner):
    learner.suspended_until = timezone.now() + timedelta(days=1)
    learner.save()
    with pytest.raises(PermissionDenied, match="suspended"):
        mentorship.request_review(learner=learner, topic=done_topic, explanation="Please")


def test_another_learner_cannot_withdraw_or_reply():
    review = ReviewRequestFactory()
    other = UserFactory()
    with pytest.raises(PermissionDenied):
        mentorship.withdraw(learner=other, review=review)
    with pytest.raises(PermissionDenied):
        mentorship.reply(author=other, review=review, body="Hi")


def test_deleting_a_mentor_who_holds_a_claim_returns_the_request_to_the_desk():
    mentor = MentorFactory()
    review = _claimed(mentor)
    mentor.delete()
    review.refresh_from_db()
    assert review.claimed_by is None and not review.claim_holds()
    assert mentorship.claim(mentor=MentorFactory(), review=review).state == State.CLAIMED


def test_the_account_export_carries_the_learners_requests_and_conversation():
    from accounts.services import export_user_data

    mentor = MentorFactory()
    review = mentorship.decide(mentor=mentor, review=_claimed(mentor), verdict="needs_work", feedback="More")
    exported = export_user_data(user=review.learner)["community"]["review_requests"]
    assert [(item["topic"], item["state"]) for item in exported] == [(review.topic.slug, "needs_work")]
    assert [(message["kind"], message["by_me"]) for message in exported[0]["conversation"]] == [
        ("needs_work", False)
    ]
