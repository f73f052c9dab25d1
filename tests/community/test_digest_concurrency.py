"""Two workers running the same digest task at the same moment send one email (PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from community import tasks
from community.digest import delivery
from community.models import DigestDelivery
from tests.concurrency import run_at_once
from tests.factories import NotificationFactory, ThreadFactory, UserFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_digest_task_in_two_threads_at_once_sends_one_email(monkeypatch):
    learners = []
    for _ in range(3):
        learner = UserFactory(digest_hour=0)
        someone = UserFactory(digest_frequency="off")
        NotificationFactory(
            recipient=learner,
            actor=someone,
            thread=ThreadFactory(author=someone),
            created_at=timezone.now() - timedelta(hours=1),
        )
        learners.append(learner)
    user_ids = [learner.pk for learner in learners]

    # Both workers reach the batch's claims together, so their INSERTs really race.
    barrier = threading.Barrier(2, timeout=10)
    claim = delivery.claim_new_deliveries

    def claim_together(**kwargs):
        barrier.wait()
        return claim(**kwargs)

    monkeypatch.setattr(delivery, "claim_new_deliveries", claim_together)
    results, errors = run_at_once(lambda: tasks.send_digest_batch.run(user_ids))

    assert errors == [] and len(results) == 2
    assert sorted(message.to[0] for message in mail.outbox) == sorted(learner.email for learner in learners)
    assert list(DigestDelivery.objects.values_list("status", flat=True).distinct()) == ["sent"]
    assert DigestDelivery.objects.count() == 3
