"""Notification emails through real processes: posts made here publish to the broker, a Celery
worker drains the outbox and sends into an SMTP sink on loopback. The gathering times are
shortened: the first email about a thread waits 2 s (30 s in production), the next one about it
waits out a window of 8 s (10 minutes)."""

import re
import time

import pytest
from django.test import Client
from django.utils import timezone

from community import mentorship, services, tasks
from community.models import Notification, NotificationEmail
from tests.factories import MentorFactory, ReviewRequestFactory, ThreadFactory, TopicFactory, UserFactory
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.celery, pytest.mark.postgres]

DELAY, WINDOW = 2, 8
TIMES = {"NOTIFICATION_EMAIL_DELAY": str(DELAY), "NOTIFICATION_EMAIL_WINDOW": str(WINDOW)}
RUN_ENDED = re.compile(r"Task community\.tasks\.send_notification_emails\[[0-9a-f-]+\] succeeded")
UNSUBSCRIBE = re.compile(r"^<https://stepwise\.example(?P<path>/notifications/unsubscribe/[^>]+/)>$")


@pytest.fixture
def worker(start_worker, broker_url, publish_to):
    publish_to(broker_url)  # posts made in the test ask this worker for drains
    return start_worker(**TIMES)


def received(sink, user) -> list:
    return [message.parse() for message in sink.messages if message.recipients == [user.email]]


def settle(worker, *, runs: int = 2):
    """Wait for the worker's runs of the sender to end, and for `runs` more (as beat would
    start them), so that what was due has gone out and nothing more is coming."""
    wait_for(worker.is_idle, timeout=30, what="the worker to finish its runs")
    before = len(RUN_ENDED.findall(worker.output()))
    for _ in range(runs):
        tasks.send_notification_emails.delay()
    worker.wait_for_output(RUN_ENDED, count=before + runs, timeout=30)
    wait_for(worker.is_idle, timeout=30, what="the worker to finish its runs")


def assert_well_formed(parsed, *, kind: str, user):
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = UNSUBSCRIBE.match(parsed["List-Unsubscribe"].strip())["path"]
    assert f"/{user.pk}.{kind}:" in path


def wait_for_notifications(count: int):
    wait_for(lambda: Notification.objects.count() >= count, timeout=20, what=f"{count} notification(s)")


def test_a_reply_emails_the_threads_author_and_a_mention_the_mentioned(worker, smtp_sink):
    author, replier, mentioned = UserFactory(), UserFactory(), UserFactory(username="mentioned")
    thread = ThreadFactory(author=author, title="Where do Celery tasks go?")
    services.follow_set(user=author, thread=thread)
    services.create_comment(thread=thread, author=replier, body="In tasks.py, @mentioned knows more")
    wait_for(lambda: smtp_sink.count() >= 2, timeout=30, what="two emails")
    settle(worker)

    [to_author] = received(smtp_sink, author)
    [to_mentioned] = received(smtp_sink, mentioned)
    assert smtp_sink.count() == 2
    assert to_author["Subject"].strip() == f"{replier.public_name} replied in “Where do Celery tasks go?”"
    assert (
        to_mentioned["Subject"].strip()
        == f"{replier.public_name} mentioned you in “Where do Celery tasks go?”"
    )
    assert_well_formed(to_author, kind="reply", user=author)
    assert_well_formed(to_mentioned, kind="mention", user=mentioned)
    assert "In tasks.py" in to_author.get_body(("plain",)).get_content()
    assert set(NotificationEmail.objects.values_list("status", flat=True)) == {"sent"}


def test_ten_replies_in_a_minute_send_one_gathered_email_and_later_ones_wait_for_the_window(
    start_worker, smtp_sink, settings, publish_to, broker_url
):
    """The ten replies are drained here, before the worker starts, and fall due together once
    all ten are written: on a busy machine, writing them took longer than the delay, and the
    runs their drains ask for (here, eagerly) sent the first few before the tenth came in."""
    settings.NOTIFICATION_EMAIL_DELAY = 3600  # none falls due while the ten are written
    author, replier = UserFactory(), UserFactory()
    thread = ThreadFactory(author=author, title="Indexes for a busy list")
    services.follow_set(user=author, thread=thread)
    for number in range(10):  # by ten people: one person's replies are rate limited
        services.create_comment(thread=thread, author=UserFactory(), body=f"Reply number {number}")
    waiting = Notification.objects.filter(recipient=author, email_due_at__isnull=False)
    assert waiting.count() == 10
    assert not received(smtp_sink, author)
    waiting.update(email_due_at=timezone.now())  # as if the delay had passed for all ten at once
    settings.NOTIFICATION_EMAIL_DELAY = DELAY
    publish_to(broker_url)
    worker = start_worker(**TIMES)
    # Asks for runs (as beat would) until the email arrives: a busy machine may start the worker late.
    wait_for(
        lambda: tasks.send_notification_emails.delay() and received(smtp_sink, author),
        timeout=30,
        interval=1,
        what="the gathered email",
    )
    settle(worker)
    [gathered] = received(smtp_sink, author)
    assert gathered["Subject"].strip() == "10 new replies in “Indexes for a busy list”"
    assert_well_formed(gathered, kind="reply", user=author)

    services.create_comment(thread=thread, author=replier, body="An eleventh, inside the window")
    wait_for(
        lambda: Notification.objects.filter(recipient=author, email_due_at__isnull=False).count() == 11,
        timeout=30,
        what="the eleventh reply's notification",
    )
    time.sleep(DELAY + 0.5)  # its first moment to go out has passed: only the window holds it
    settle(worker)
    assert len(received(smtp_sink, author)) == 1, "a second email inside the window"
    wait_for(
        lambda: tasks.send_notification_emails.delay() and len(received(smtp_sink, author)) >= 2,
        timeout=WINDOW + 20,
        interval=1,
        what="the email after the window",
    )
    first, second = NotificationEmail.objects.filter(recipient=author).order_by("sent_at")
    assert (second.sent_at - first.sent_at).total_seconds() >= WINDOW - 1
    assert received(smtp_sink, author)[1]["Subject"].strip().startswith(f"{replier.public_name} replied in")


def test_a_notification_read_before_its_email_goes_out_sends_none(
    start_worker, smtp_sink, settings, publish_to, broker_url
):
    """The drain runs here, so the test can read the notification before any worker exists;
    a second follower, who did not read theirs, shows the worker would have sent it."""
    settings.NOTIFICATION_EMAIL_DELAY = DELAY
    author, replier, watcher = UserFactory(), UserFactory(), UserFactory()
    thread = ThreadFactory(author=author)
    services.follow_set(user=author, thread=thread)
    services.follow_set(user=watcher, thread=thread)
    services.create_comment(thread=thread, author=replier, body="Read this on the site")
    assert Notification.objects.filter(email_due_at__isnull=False).count() == 2
    services.mark_notifications_read(user=author)
    publish_to(broker_url)
    worker = start_worker(**TIMES)
    time.sleep(DELAY + 0.5)
    settle(worker)
    assert len(received(smtp_sink, watcher)) == 1
    assert received(smtp_sink, author) == []


def test_the_unsubscribe_link_turns_off_that_kind_only(worker, smtp_sink):
    author, replier = UserFactory(), UserFactory()
    thread = ThreadFactory(author=author)
    services.follow_set(user=author, thread=thread)
    services.create_comment(thread=thread, author=replier, body="First reply")
    wait_for(lambda: smtp_sink.count() >= 1, timeout=30, what="the first email")
    [first] = received(smtp_sink, author)
    path = UNSUBSCRIBE.match(first["List-Unsubscribe"].strip())["path"]
    response = Client(enforce_csrf_checks=True).post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200

    other_thread = ThreadFactory(author=author)
    services.follow_set(user=author, thread=other_thread)
    services.create_comment(thread=other_thread, author=replier, body="A reply: no email any more")
    services.create_comment(thread=other_thread, author=replier, body=f"@{author.username} a mention still")
    wait_for_notifications(3)
    wait_for(lambda: smtp_sink.count() >= 2, timeout=30, what="the mention's email")
    settle(worker)
    subjects = [message["Subject"] for message in received(smtp_sink, author)]
    assert len(subjects) == 2 and "mentioned you" in subjects[1]


def test_a_muted_thread_sends_none(worker, smtp_sink):
    author, replier, muter = UserFactory(), UserFactory(), UserFactory()
    thread = ThreadFactory(author=author)
    services.follow_set(user=author, thread=thread)
    comment = services.create_comment(thread=thread, author=muter, body="I asked something too")
    services.watch_level_set(user=muter, thread=thread, level="muted")
    services.create_comment(thread=thread, author=replier, body="An answer to you both", parent=comment)
    wait_for(lambda: received(smtp_sink, author), timeout=30, what="the author's email")
    settle(worker)
    assert received(smtp_sink, muter) == []
    assert not Notification.objects.filter(recipient=muter).exists()


def test_a_mentor_claiming_a_review_request_emails_the_learner(worker, smtp_sink):
    learner, mentor = UserFactory(), MentorFactory()
    review = ReviewRequestFactory(learner=learner, topic=TopicFactory(title="Query counts"))
    mentorship.claim(mentor=mentor, review=review)
    wait_for(lambda: received(smtp_sink, learner), timeout=30, what="the learner's email")
    settle(worker)
    [message] = received(smtp_sink, learner)
    assert message["Subject"].strip() == f"{mentor.public_name} is reviewing your work on “Query counts”"
    assert_well_formed(message, kind="review", user=learner)
    assert smtp_sink.count() == 1
    assert NotificationEmail.objects.get().review_id == review.pk
