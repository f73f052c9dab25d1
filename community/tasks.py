"""Celery tasks of the community: digest emails, the outbox, notification emails and the topic
insights. Thin: they take ids and call community.digest, community.outbox,
community.notification_emails or community.insights.

Every task is safe to run twice (the DigestDelivery claim makes a second run send nothing; an
outbox event is claimed under a row lock and its notifications are unique per event), so a
message redelivered after a worker died, or a retry racing the sweep, is harmless.
"""

import logging
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from community import digest, insights, mentorship, notification_emails, outbox

logger = logging.getLogger(__name__)


def enqueue_digest_batches(user_ids: list[int], *, ignore_hour: bool = False) -> int:
    """Queue send_digest_batch over chunks of user ids once the current transaction commits."""
    size = settings.DIGEST_BATCH_SIZE
    chunks = [user_ids[start : start + size] for start in range(0, len(user_ids), size)]
    for chunk in chunks:
        transaction.on_commit(partial(send_digest_batch.delay, chunk, ignore_hour=ignore_hour))
    return len(chunks)


@shared_task
def schedule_digests() -> int:
    """Run by beat every 15 minutes: queue the digests of everyone whose local hour has come."""
    user_ids = digest.due_user_ids(now=timezone.now())
    batches = enqueue_digest_batches(user_ids)
    logger.info("digests scheduled: %d users in %d batches", len(user_ids), batches)
    return len(user_ids)


@shared_task(
    autoretry_for=(digest.DigestSendError,),
    retry_backoff=settings.DIGEST_RETRY_DELAY,
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=settings.DIGEST_MAX_ATTEMPTS,
)
def send_digest_batch(user_ids: list[int], ignore_hour: bool = False) -> str:
    """Send the due digests of these users over one SMTP connection; SMTP trouble retries the
    batch with exponential backoff (users already served are skipped by their claims)."""
    result = digest.send_digests(user_ids=user_ids, ignore_hour=ignore_hour)
    logger.info("digest batch of %d users: %s", len(user_ids), result)
    return str(result)


@shared_task
def sweep_digest_claims() -> int:
    """Run by beat every 5 minutes: settle claims of dead workers and queue their retries."""
    swept = digest.sweep_stale_claims()
    enqueue_digest_batches(swept.requeue_user_ids)
    return len(swept.requeue_user_ids)


# At most this many batches per run, to stay well inside the task time limit; beat runs again.
OUTBOX_BATCHES_PER_DRAIN = 50


@shared_task
def drain_outbox() -> str:
    """Asked for after each post's commit, and run by beat every 30 seconds as the safety net:
    carry out the due outbox events (their notifications). Concurrent runs share the work."""
    result = outbox.drain(max_batches=OUTBOX_BATCHES_PER_DRAIN)
    if result.processed or result.failed or result.given_up:
        logger.info("outbox drained: %s", result)
    return str(result)


@shared_task
def prune_outbox() -> int:
    """Run by beat hourly: delete outbox events processed longer ago than the retention."""
    deleted = outbox.prune()
    logger.info("outbox pruned: %d processed events deleted", deleted)
    return deleted


@shared_task
def expire_reviews() -> str:
    """Run by beat every 10 minutes: claims past their time return to the queue, requests
    unclaimed for a week expire (community.mentorship.expire)."""
    released, expired = mentorship.expire()
    if released or expired:
        logger.info("reviews: %d claims ran out, %d requests expired unclaimed", released, expired)
    return f"{released} released, {expired} expired"


@shared_task
def send_notification_emails() -> str:
    """Asked for when notifications become due for an email, and run by beat every 20 seconds:
    send the notification emails due (community.notification_emails). Concurrent runs share
    the work; an email is never sent twice."""
    result = notification_emails.send_due()
    if result.counts or result.stopped:
        logger.info("notification emails: %s", result)
    return str(result)


@shared_task
def refresh_topic_insights() -> int:
    """Run by beat every hour: recompute where learners get stuck on each topic
    (community.insights). A second run writes the same rows."""
    topics = insights.refresh_topic_insights()
    logger.info("topic insights: %d topics summarised", topics)
    return topics


@shared_task
def refresh_changed_topic_insights() -> int:
    """Run by beat every five minutes: recompute the topics whose progress history moved since
    the last run (community.insights), so the figures follow within minutes between full runs."""
    topics = insights.refresh_changed_topic_insights()
    if topics:
        logger.info("topic insights: %d changed topics summarised", topics)
    return topics
