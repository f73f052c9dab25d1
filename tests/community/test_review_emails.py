"""Review requests told by email: a mentor claiming or answering the learner's request, the
learner replying to the mentor who holds it. Sent like the other notification emails
(tests/community/test_notification_emails.py), gathered per review request."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from community import mentorship, notification_emails, outbox, selectors, services
from community.models import Notification, NotificationEmail
from community.notification_unsubscribe import unsubscribe_url
from tests.community.notification_mail import DELAY, WINDOW
from tests.factories import MentorFactory, ReviewRequestFactory, TopicFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("notification_mail")]


@pytest.fixture
def review():
    return ReviewRequestFactory(topic=TopicFactory(title="Class-based views"))


def send(after: float = DELAY + 1):
    outbox.drain()
    return notification_emails.send_due(now=timezone.now() + timedelta(seconds=after))


def emails_to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


def test_a_mentor_claiming_the_request_sends_the_learner_one_email_naming_the_topic(review, mentor):
    mentorship.claim(mentor=mentor, review=review)
    send()
    send()
    [message] = mail.outbox
    assert message.to == [review.learner.email]
    assert message.subject == f"{mentor.public_name} is reviewing your work on “Class-based views”"
    assert (
        "You get this email because there is news of a review request you asked for or hold" in message.body
    )
    email = NotificationEmail.objects.get()
    assert (email.status, email.review_id, email.thread_id) == ("sent", review.pk, None)


@pytest.mark.parametrize(
    ("verdict", "says"), [("verified", "verified your work"), ("needs_work", "asked for more work")]
)
def test_the_mentors_decision_sends_the_learner_one_email(review, mentor, verdict, says):
    mentorship.claim(mentor=mentor, review=review)
    send()
    mentorship.decide(mentor=mentor, review=review, verdict=verdict, feedback="Read the notes.")
    send(after=2 * DELAY)
    assert len(emails_to(review.learner)) == 1  # the decision waits out the window the claim opened
    send(after=WINDOW + DELAY + 2)
    claimed, decided = emails_to(review.learner)
    assert decided.subject == f"{mentor.public_name} {says} on “Class-based views”"


def test_a_learners_reply_sends_the_mentor_holding_the_request_one_email(review, mentor):
    mentorship.claim(mentor=mentor, review=review)
    mentorship.reply(author=review.learner, review=review, body="Which part should I redo?")
    send()
    [message] = emails_to(mentor)
    assert (
        message.subject
        == f"{review.learner.public_name} replied on the review request on “Class-based views”"
    )
    assert len(emails_to(review.learner)) == 1  # the claim, told to the learner


def test_steps_of_one_request_are_gathered_and_other_requests_are_not_held_back(mentor):
    first = ReviewRequestFactory(topic=TopicFactory(title="Forms"))
    second = ReviewRequestFactory(learner=first.learner, topic=TopicFactory(title="Signals"))
    mentorship.claim(mentor=mentor, review=first)
    mentorship.claim(mentor=mentor, review=second)
    send()
    assert sorted(message.subject for message in emails_to(first.learner)) == [
        f"{mentor.public_name} is reviewing your work on “Forms”",
        f"{mentor.public_name} is reviewing your work on “Signals”",
    ]


def test_the_reply_link_opens_the_learners_reply_box_and_marks_the_notification_read(review, mentor):
    mentorship.claim(mentor=mentor, review=review)
    send()
    [message] = mail.outbox
    notification = Notification.objects.get(recipient=review.learner)
    reply_link = f"https://stepwise.example/notifications/{notification.pk}/?reply=1"
    assert f'href="{reply_link}"' in message.alternatives[0][0] and f"Reply: {reply_link}" in message.body
    client = Client()
    client.force_login(review.learner)
    response = client.get(urlsplit(reply_link).path + "?reply=1")
    assert response["Location"] == f"{review.get_absolute_url()}#reply"
    notification.refresh_from_db()
    assert notification.read_at is not None
    page = client.get(response["Location"]).content.decode()
    assert '<section class="card" id="reply"' in page and 'name="body"' in page


def test_the_mentors_reply_link_opens_their_part_of_the_review_page(review, mentor):
    mentorship.claim(mentor=mentor, review=review)
    mentorship.reply(author=review.learner, review=review, body="Which part should I redo?")
    send()
    notification = Notification.objects.get(recipient=mentor)
    client = Client()
    client.force_login(mentor)
    response = client.get(f"/notifications/{notification.pk}/?reply=1")
    assert response["Location"] == f"{review.get_absolute_url()}#your-review"
    page = client.get(response["Location"]).content.decode()
    assert 'id="your-review"' in page and "Send your answer" in page


def test_an_ended_review_is_only_opened_not_replied_to(review, mentor):
    mentorship.claim(mentor=mentor, review=review)
    mentorship.decide(mentor=mentor, review=review, verdict="verified", feedback="Solid.")
    outbox.drain()
    services.mark_notifications_read(user=review.learner, ids=[Notification.objects.earliest("pk").pk])
    send()
    [message] = mail.outbox
    decision = Notification.objects.filter(recipient=review.learner).latest("pk")
    assert f"Open: https://stepwise.example/notifications/{decision.pk}/\n" in message.body
    assert "?reply=1" not in message.body


def test_unsubscribing_from_review_emails_turns_off_that_kind_only(review, mentor):
    path = urlsplit(unsubscribe_url(review.learner, "review")).path
    response = Client(enforce_csrf_checks=True).post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    modes = selectors.email_modes(user=review.learner)
    assert modes.pop("review") == "off"
    assert set(modes.values()) == {"now"}
    mentorship.claim(mentor=mentor, review=review)
    send()
    assert mail.outbox == []


@pytest.mark.parametrize("mode", ["digest", "off"])
def test_review_emails_set_to_digest_only_or_off_are_not_sent(review, mode):
    services.set_email_preferences(user=review.learner, modes={"review": mode})
    mentorship.claim(mentor=MentorFactory(), review=review)
    send()
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=review.learner).count() == 1  # still on the site
