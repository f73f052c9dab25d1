"""A worker killed again and again while 500 notification emails go out: the worker and its
pool are SIGKILLed 8 times, each time while the SMTP server is busy with a message, and a new
one takes over. Nobody gets an email twice; everyone gets theirs except, at most, the one
message per crash whose end of data had gone out ("ambiguous": logged and never resent).

Timings are shortened: beat's run every 20 s is played every second, a claim is abandoned
after 2 s (6 minutes), and the broker hands a dead worker's messages on after 4 s.
"""

import time
from collections import Counter

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from community.models import Notification, NotificationEmail
from tests.factories import PASSWORD, ThreadFactory, UserFactory
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.celery, pytest.mark.postgres]

EMAILS = 500
KILLS = 8
RUN_EVERY = 1.0
SETTINGS = {"NOTIFICATION_EMAIL_CLAIM_TIMEOUT": "2", "NOTIFICATION_EMAIL_DELAY": "1"}


def due_notifications(count: int) -> dict[str, int]:
    """`count` members, each with one reply notification due for an email now; {email: id}."""
    User = UserFactory._meta.model
    thread = ThreadFactory()
    users = User.objects.bulk_create(
        User(email=f"told{number}@example.com", username=f"told{number}", password=PASSWORD)
        for number in range(count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in users
    )
    Notification.objects.bulk_create(
        Notification(
            recipient=user,
            actor=thread.author,
            verb="reply",
            thread=thread,
            event_key=f"crash:{user.pk}",
            email_due_at=timezone.now(),
        )
        for user in users
    )
    return {user.email: user.pk for user in users}


def test_a_worker_killed_eight_times_sends_no_notification_email_twice_and_loses_none(
    start_worker, smtp_sink, send_task, record_property
):
    expected = due_notifications(EMAILS)
    smtp_sink.reply_delay = 0.003  # every answer of the server takes a while: kills land mid-send
    worker = start_worker(concurrency=1, **SETTINGS)
    started = time.monotonic()
    next_run = time.monotonic()

    def play_beat():
        nonlocal next_run
        if time.monotonic() >= next_run:
            send_task("community.tasks.send_notification_emails")
            next_run = time.monotonic() + RUN_EVERY

    for kill in range(1, KILLS + 1):
        target = kill * EMAILS // (KILLS + 2) + 7

        def busy(target=target):
            play_beat()
            return smtp_sink.count() >= target

        wait_for(busy, timeout=60, interval=0.02, what=f"{target} emails before kill {kill}")
        time.sleep(kill * 0.007 % 0.03)  # each kill at another point of a send
        worker.kill()
        worker = start_worker(concurrency=1, **SETTINGS)

    def all_settled():
        play_beat()
        rows = NotificationEmail.objects.filter(recipient_id__in=expected.values())
        waiting = Notification.objects.filter(email__isnull=True, email_due_at__isnull=False).exists()
        settled = rows.filter(status__in=["sent", "failed"], will_retry=False).count()
        return (
            not waiting
            and not rows.exclude(status__in=["sent", "failed"]).exists()
            and settled == rows.count()
        )

    wait_for(all_settled, timeout=120, interval=0.1, what="every email to be settled")
    wait_for(worker.is_idle, timeout=30, what="the last runs to end")
    finished_at = time.monotonic()

    counts = Counter()
    for message in smtp_sink.messages:
        counts[expected[message.recipients[0]]] += 1
    doubled = {user_id: count for user_id, count in counts.items() if count > 1}
    ambiguous = set(
        NotificationEmail.objects.filter(reason__startswith="ambiguous").values_list(
            "recipient_id", flat=True
        )
    )
    not_received = {user_id for user_id in expected.values() if counts[user_id] == 0}
    assert doubled == {}
    assert not_received <= ambiguous, f"{len(not_received - ambiguous)} emails lost"
    assert len(ambiguous) <= KILLS
    assert NotificationEmail.objects.filter(status="sent").count() == EMAILS - len(ambiguous)
    figures = (
        f"notification email crashes: {EMAILS} emails, {KILLS} kills: 0 doubled, 0 lost, "
        f"{len(ambiguous)} ambiguous ({len(not_received)} of them not received); "
        f"all done in {finished_at - started:.0f}s"
    )
    record_property("figures", figures)
    print(f"\n{figures}")
