"""An SMTP outage delays notification emails and loses none: failed emails are tried again
with a growing wait, on a fake clock (each run is given its `now`), however long the outage."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from community import notification_emails, outbox, services
from community.models import NotificationEmail
from tests.community.notification_mail import DELAY
from tests.factories import ThreadFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("notification_mail")]


class Outage:
    """An SMTP server that cannot be reached until `ends_at` on the fake clock."""

    def __init__(self, monkeypatch, *, ends_at):
        self.ends_at = ends_at
        self.now = None
        self.refused = 0
        original = notification_emails.Mailer.open
        outage = self

        def open_unless_down(mailer):
            if outage.now < outage.ends_at:
                outage.refused += 1
                raise ConnectionRefusedError("no SMTP server here")
            return original(mailer)

        monkeypatch.setattr(notification_emails.Mailer, "open", open_unless_down)

    def run(self, at):
        self.now = at
        return notification_emails.send_due(now=at)


def replies_to(author, threads: int):
    replier = UserFactory()
    for _ in range(threads):
        thread = ThreadFactory(author=author)
        services.follow_set(user=author, thread=thread)
        services.create_comment(thread=thread, author=replier, body="Have you tried an index?")
    outbox.drain()


def test_a_three_hour_outage_delays_every_email_and_loses_none(other_learner, monkeypatch):
    replies_to(other_learner, threads=3)
    start = timezone.now() + timedelta(seconds=DELAY + 1)
    outage = Outage(monkeypatch, ends_at=start + timedelta(hours=3))
    for minute in range(3 * 60):  # beat runs the sender every 20 s; once a minute is enough here
        outage.run(start + timedelta(minutes=minute))
    assert mail.outbox == []
    assert set(NotificationEmail.objects.values_list("status", "will_retry")) == {("failed", True)}

    for minute in range(3 * 60, 4 * 60 + 1):  # within an hour of its end, the waits are over
        outage.run(start + timedelta(minutes=minute))
    assert len(mail.outbox) == 3
    emails = NotificationEmail.objects.all()
    assert {email.status for email in emails} == {"sent"}
    assert max(email.attempts for email in emails) <= 12  # not one per run: 180 runs went by
    assert outage.refused < 3 * 12


def test_the_wait_between_tries_doubles_from_a_minute_up_to_an_hour(other_learner, monkeypatch):
    replies_to(other_learner, threads=1)
    start = timezone.now() + timedelta(seconds=DELAY + 1)
    outage = Outage(monkeypatch, ends_at=start + timedelta(days=1))
    outage.run(start)
    waits, moment = [], start
    for _ in range(9):
        email = NotificationEmail.objects.get()
        waits.append(round((email.retry_at - moment).total_seconds() / 60))
        assert outage.run(email.retry_at - timedelta(seconds=1)).counts == {}  # not yet
        moment = email.retry_at
        outage.run(moment)
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_an_email_failing_for_a_day_is_given_up_with_its_reason(other_learner, monkeypatch):
    replies_to(other_learner, threads=1)
    start = timezone.now() + timedelta(seconds=DELAY + 1)
    outage = Outage(monkeypatch, ends_at=start + timedelta(days=2))
    for minutes in range(0, 2 * 24 * 60, 5):
        outage.run(start + timedelta(minutes=minutes))
    email = NotificationEmail.objects.get()
    assert (email.status, email.will_retry) == ("failed", False)
    assert email.reason.startswith("given up after 24 hours; last: SMTP server unreachable")
    assert email.attempts < 40


def test_a_server_that_refuses_for_now_five_times_is_not_tried_again(other_learner, monkeypatch):
    replies_to(other_learner, threads=1)

    def try_later(mailer, message, *, before_handover):
        raise smtplib.SMTPDataError(451, b"try again later")

    monkeypatch.setattr(notification_emails.Mailer, "send", try_later)
    moment = timezone.now() + timedelta(seconds=DELAY + 1)
    for _ in range(8):
        notification_emails.send_due(now=moment)
        moment += timedelta(hours=1)
    email = NotificationEmail.objects.get()
    assert (email.status, email.will_retry, email.server_failures, email.attempts) == ("failed", False, 5, 5)
