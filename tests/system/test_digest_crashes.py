"""A worker killed again and again while 1,000 digests go out: the worker and its pool are
SIGKILLed 8 times, each time at a moment the SMTP server is busy with a message, and a new one
takes over. Nobody gets a digest twice; everyone not handed over gets one; each crash leaves at
most one ambiguous delivery, the message whose end of data had gone out.

The production timings are shortened here, one minute to 6 seconds: the schedule (every 15
minutes) runs every 90 s, the sweep (every 5 minutes) every 30 s, claims are abandoned after
36 s (6 minutes), and the broker hands a dead worker's messages on after 4 s. So "within 20
minutes of the crash" is 120 s here. The learners are not scaled: the 1,000 digests take about
as long as one schedule interval, as a large site's hour of digests may.
"""

import time

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from community.models import DigestDelivery
from roadmap.models import Progress
from tests.factories import PASSWORD, UserFactory, build_roadmap
from tests.integration.conftest import wait_for
from tests.integration.test_digest_worker import received_by_user

pytestmark = [pytest.mark.celery, pytest.mark.postgres]

LEARNERS = 1000
KILLS = 8
MINUTE = 6  # seconds of this test for a minute of production
SCHEDULE_EVERY = 15 * MINUTE
SWEEP_EVERY = 5 * MINUTE
CLAIM_TIMEOUT = 6 * MINUTE
RECOVERY = 20 * MINUTE


def due_learners(count: int) -> set[int]:
    """`count` learners due a daily digest now, each with a topic finished today (in bulk)."""
    _, topics = build_roadmap(topics=3, sections=1, with_resources=False)
    users = UserFactory._meta.model.objects.bulk_create(
        UserFactory._meta.model(
            email=f"crash{number}@example.com",
            username=f"crash{number}",
            digest_frequency="daily",
            digest_hour=0,
            timezone="UTC",
            password=PASSWORD,
        )
        for number in range(count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, primary=True, verified=True) for user in users
    )
    Progress.objects.bulk_create(
        Progress(user=user, topic=topics[0], status="done", updated_at=timezone.now()) for user in users
    )
    return {user.pk for user in users}


def test_a_worker_killed_eight_times_doubles_nothing_and_loses_only_what_smtp_cannot_tell(
    start_worker, smtp_sink, send_task, record_property
):
    expected = due_learners(LEARNERS)
    smtp_sink.reply_delay = 0.003  # every answer of the server takes a while: kills land mid-send
    settings = {"DIGEST_BATCH_SIZE": "25", "DIGEST_CLAIM_TIMEOUT": str(CLAIM_TIMEOUT)}
    worker = start_worker(concurrency=1, **settings)
    started = time.monotonic()
    send_task("community.tasks.schedule_digests")

    kills = []  # (monotonic time, user ids pending at the kill)
    next_schedule = next_sweep = time.monotonic()

    def play_beat():
        nonlocal next_schedule, next_sweep
        now = time.monotonic()
        if now >= next_schedule:
            send_task("community.tasks.schedule_digests")
            next_schedule = now + SCHEDULE_EVERY
        if now >= next_sweep:
            send_task("community.tasks.sweep_digest_claims")
            next_sweep = now + SWEEP_EVERY

    for kill in range(1, KILLS + 1):
        target = kill * LEARNERS // (KILLS + 2) + 13  # inside a batch of 25, not between two

        def busy(target=target):
            play_beat()
            return smtp_sink.count() >= target

        wait_for(busy, timeout=120, interval=0.02, what=f"{target} digests before kill {kill}")
        time.sleep(kill * 0.007 % 0.03)  # each kill at another point of a send, not always just after one
        worker.kill()
        killed_at = time.monotonic()
        pending = set(DigestDelivery.objects.filter(status="pending").values_list("user_id", flat=True))
        kills.append((killed_at, pending))
        worker = start_worker(concurrency=1, **settings)

    def all_settled():
        play_beat()
        rows = DigestDelivery.objects.filter(user_id__in=expected)
        return rows.filter(status__in=["sent", "failed"], will_retry=False).count() == len(expected)

    wait_for(all_settled, timeout=300, interval=0.1, what="every learner's digest to be settled")
    wait_for(worker.is_idle, timeout=30, what="the last batches to end")
    finished_at = time.monotonic()

    _, counts = received_by_user(smtp_sink, expected)
    doubled = {user_id: count for user_id, count in counts.items() if count > 1}
    ambiguous = set(
        DigestDelivery.objects.filter(user_id__in=expected, reason__startswith="ambiguous").values_list(
            "user_id", flat=True
        )
    )
    lost = {user_id for user_id in expected if counts[user_id] == 0} - ambiguous
    assert doubled == {}
    assert lost == set(), f"{len(lost)} learners not handed over never got their digest"
    assert len(ambiguous) <= KILLS, f"{len(ambiguous)} ambiguous deliveries for {KILLS} crashes"
    assert set(DigestDelivery.objects.filter(user_id__in=expected).values_list("status", flat=True)) <= {
        "sent",
        "failed",
    }
    assert DigestDelivery.objects.filter(user_id__in=expected, status="sent").count() == LEARNERS - len(
        ambiguous
    )

    # Those whose send a crash interrupted before hand-over got theirs soon after it.
    sent_at = dict(DigestDelivery.objects.filter(user_id__in=expected).values_list("user_id", "sent_at"))
    wall_clock_offset = timezone.now().timestamp() - time.monotonic()
    recoveries = [
        sent_at[user_id].timestamp() - wall_clock_offset - killed_at
        for killed_at, pending in kills
        for user_id in pending - ambiguous
    ]
    slowest = max(recoveries, default=0.0)
    record_property(
        "figures",
        f"digest crashes: {LEARNERS} digests, {KILLS} kills: {len(ambiguous)} ambiguous, 0 doubled, 0 lost; "
        f"{len(recoveries)} interrupted sends retried, the slowest {slowest:.1f}s after its crash "
        f"({slowest / MINUTE:.0f} production minutes); all done in {finished_at - started:.0f}s",
    )
    assert slowest <= RECOVERY, f"an interrupted send waited {slowest:.0f}s after its crash"
