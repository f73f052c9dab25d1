"""The mail server is down while digests go out: a real worker fails to connect, records each
failure for a retry and sends nothing; once the server is back, the task's own retries send
every due learner exactly one digest (no new schedule, no sweep)."""

import math
import re
import time

import pytest

from community.models import DigestDelivery
from tests.integration.conftest import wait_for
from tests.integration.smtp_sink import SmtpSink, free_port
from tests.integration.test_digest_worker import finished, learners, received_by_user

pytestmark = [pytest.mark.celery, pytest.mark.postgres]

LEARNERS = 12
BATCH_SIZE = 5
RETRIED = re.compile(r"Task community\.tasks\.send_digest_batch\[[0-9a-f-]+\] retry: Retry in \d+s")
SCHEDULED = re.compile(r"Task community\.tasks\.schedule_digests\[[0-9a-f-]+\] received")
SWEPT = re.compile(r"Task community\.tasks\.sweep_digest_claims\[[0-9a-f-]+\] received")


def test_digests_wait_while_smtp_is_down_and_go_out_once_when_it_is_back(start_worker, send_task):
    expected = learners(LEARNERS)
    batches = math.ceil(LEARNERS / BATCH_SIZE)
    port = free_port()  # the mail server's port, where nothing listens yet
    worker = start_worker(
        EMAIL_URL=f"smtp://127.0.0.1:{port}", DIGEST_BATCH_SIZE=str(BATCH_SIZE), DIGEST_RETRY_DELAY="1"
    )

    send_task("community.tasks.schedule_digests")
    # A batch stops at its first learner: that claim is recorded as failed, to retry, and the
    # whole batch is retried (the learners after it are not claimed until then).
    seen = []

    def every_batch_failed_and_waits_to_retry():
        seen[:] = DigestDelivery.objects.values_list("status", "will_retry", "reason")
        return [(status, will_retry) for status, will_retry, _ in seen] == [("failed", True)] * batches

    wait_for(every_batch_failed_and_waits_to_retry, timeout=20, what="each batch to fail once")
    assert {reason for _, _, reason in seen} == {"SMTP server unreachable: [Errno 111] Connection refused"}
    worker.wait_for_output(RETRIED, count=batches, timeout=20)  # logged after the failure is saved

    with SmtpSink(port=port) as sink:  # the mail server is back
        back_at = time.monotonic()
        wait_for(finished(expected, set()), timeout=30, what="every due digest to be sent")
        recovered_in = time.monotonic() - back_at
        wait_for(worker.is_idle, timeout=30, what="every batch to end")  # nothing can be sent after

    _, counts = received_by_user(sink, expected)
    assert {user_id: counts[user_id] for user_id in expected} == dict.fromkeys(expected, 1)
    assert sum(counts.values()) == len(expected)
    deliveries = DigestDelivery.objects.filter(user_id__in=expected)
    assert set(deliveries.values_list("status", flat=True)) == {"sent"}
    assert deliveries.filter(attempts__gt=1).count() == batches  # each batch's first learner
    assert deliveries.count() == len(expected)
    # The retries did it: beat's schedule ran once and the sweep never.
    assert len(SCHEDULED.findall(worker.output())) == 1
    assert SWEPT.findall(worker.output()) == []
    print(f"\nSMTP back: {len(expected)} digests sent in {recovered_in:.1f}s, none doubled")
