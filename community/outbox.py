"""The outbox: follow-up work of a write (the notifications a post causes), done after commit.

A service records an OutboxEvent in its own transaction, so the event exists exactly when the
post does, and asks a worker to drain the outbox once the transaction commits. If the broker
is down that request is lost, and only that: the post is saved, the event waits in the
database, and beat's periodic drain_outbox carries it out when the broker is back.

A drain claims due events in batches (`SELECT … FOR UPDATE SKIP LOCKED`, so concurrent drains
take different events), writes their notifications with a fixed number of queries per batch
however many events and followers it holds, and marks them processed in the same transaction.
Notifications are unique per recipient and event key, so carrying an event out twice writes
nothing new. An event whose handler fails is retried alone with exponential backoff and does
not hold up the others; after OUTBOX_MAX_ATTEMPTS it is given up and stays visible.
"""

import logging
import traceback
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis.exceptions
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from accounts.models import User
from community import notification_emails
from community.models import (
    Comment,
    Follow,
    MentorSection,
    Notification,
    OutboxEvent,
    ReviewRequest,
    Status,
    Thread,
    ThreadMute,
)
from config.caching import touch
from config.observability import request_id_var

logger = logging.getLogger(__name__)

Kind = OutboxEvent.Kind
Verb = Notification.Verb

RETRY_DELAY_MAX = timedelta(hours=1)
ERROR_MAX = 4000
# What a publish raises when the broker cannot be reached (kombu wraps most of them).
BROKER_ERRORS = (BrokerError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
# A kick is a hint (beat drains anyway): one try, where the default policy makes three more.
KICK_RETRY_POLICY = {"max_retries": 0}


# --- Recording (in the services' transactions) -----------------------------------------


def record(kind: str, **payload) -> OutboxEvent:
    """Record follow-up work in the current transaction; a drain is requested once it commits."""
    event = OutboxEvent.objects.create(kind=kind, payload=payload)
    transaction.on_commit(request_drain, robust=True)
    return event


def request_drain() -> None:
    """Ask a worker to drain the outbox now (in development, with eager tasks: drain here).

    Never raises for an unreachable broker: the post is committed, its event is safe in the
    database, and beat's next drain_outbox carries it out. It gives up at once rather than
    keeping the request waiting (the broker's socket timeouts bound a broker that hangs).
    """
    from community.tasks import drain_outbox  # community.tasks imports this module

    try:
        drain_outbox.apply_async(retry_policy=KICK_RETRY_POLICY)
    except BROKER_ERRORS as error:
        logger.warning(
            "outbox: could not ask for a drain (broker unreachable: %s); the event waits for beat's "
            "periodic drain_outbox",
            error,
            extra={"request_id": request_id_var.get()},  # also for handlers without RequestIdFilter
        )


# --- Draining ---------------------------------------------------------------------------


@dataclass
class DrainResult:
    processed: int = 0
    failed: int = 0  # failed this time, to be retried
    given_up: int = 0  # failed for the last time

    def add(self, other: "DrainResult") -> None:
        self.processed += other.processed
        self.failed += other.failed
        self.given_up += other.given_up

    def __str__(self):
        return f"{self.processed} processed, {self.failed} failed (will retry), {self.given_up} given up"


def drain(*, batch_size: int | None = None, max_batches: int | None = None, on_batch=None) -> DrainResult:
    """Carry out every due event, a batch per transaction, until none is due (or `max_batches`).

    A row deleted between a batch's reads and its commit (an account deleted that very moment)
    fails that commit on PostgreSQL's deferred foreign keys; nothing is marked, and the next
    drain finds the row gone.
    """
    batch_size = batch_size or settings.OUTBOX_BATCH_SIZE
    total = DrainResult()
    batches = 0
    while max_batches is None or batches < max_batches:
        result = drain_batch(batch_size=batch_size)
        if result is None:
            break
        batches += 1
        total.add(result)
        if on_batch:
            on_batch(result, total)
    return total


def drain_batch(*, batch_size: int) -> DrainResult | None:
    """Claim up to `batch_size` due events and carry them out; None when nothing is due."""
    now = timezone.now()
    with transaction.atomic():
        # SQLite has no row locks and ignores this; it serialises writers instead.
        events = list(OutboxEvent.objects.due(now).select_for_update(skip_locked=True)[:batch_size])
        if not events:
            return None
        result = DrainResult()
        try:
            with transaction.atomic():
                deliver(events)
            done = events
        except Exception:
            # Some event in the batch is broken: carry them out one by one to find it.
            done = []
            for event in events:
                try:
                    with transaction.atomic():
                        deliver([event])
                    done.append(event)
                except Exception as error:
                    _record_failure(event, error, now=now, result=result)
        OutboxEvent.objects.filter(pk__in=[event.pk for event in done]).update(
            processed_at=now, attempts=F("attempts") + 1
        )
        result.processed = len(done)
    return result


def _record_failure(event: OutboxEvent, error: Exception, *, now: datetime, result: DrainResult) -> None:
    event.attempts += 1
    event.last_error = "".join(traceback.format_exception(error))[-ERROR_MAX:]
    if event.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        event.failed_at = now
        result.given_up += 1
        logger.error(
            "outbox event %s (%s) failed %d times and is given up: %r",
            event.pk,
            event.kind,
            event.attempts,
            error,
            exc_info=error,
        )
    else:
        event.next_attempt_at = now + retry_delay(event.attempts)
        result.failed += 1
        logger.warning(
            "outbox event %s (%s) failed (attempt %d), retrying at %s: %r",
            event.pk,
            event.kind,
            event.attempts,
            event.next_attempt_at.isoformat(),
            error,
            exc_info=error,
        )
    event.save(update_fields=["attempts", "last_error", "next_attempt_at", "failed_at"])


def retry_delay(attempts: int) -> timedelta:
    """OUTBOX_RETRY_DELAY after the first failure, doubling with each one, at most an hour."""
    seconds = settings.OUTBOX_RETRY_DELAY * 2 ** min(attempts - 1, 20)
    return min(timedelta(seconds=seconds), RETRY_DELAY_MAX)


def retry_failed() -> int:
    """Make every given-up event, and every one waiting out a backoff, due now with fresh attempts."""
    tried = Q(failed_at__isnull=False) | Q(attempts__gt=0)
    return OutboxEvent.objects.filter(tried, processed_at__isnull=True).update(
        failed_at=None, attempts=0, next_attempt_at=timezone.now()
    )


def prune(*, now: datetime | None = None) -> int:
    """Delete events processed more than OUTBOX_RETENTION_DAYS ago; failed ones stay."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    deleted, _ = OutboxEvent.objects.filter(processed_at__lt=cutoff).delete()
    return deleted


# --- Handlers: what each kind of event does ---------------------------------------------


class Lookups:
    """What the handlers of a batch read, loaded in a fixed number of queries: which users,
    threads, comments and review requests still exist, the comments' reply targets and their
    threads' followers and mutes, who hears of new threads, and the mentors watching the
    sections of new threads and requests.
    """

    def __init__(self, events: list[OutboxEvent]):
        payloads = [event.payload for event in events]
        comment_ids = {payload["comment_id"] for payload in payloads if payload.get("comment_id")}
        self.comments = {
            row["pk"]: row
            for row in Comment.objects.filter(pk__in=comment_ids).values(
                "pk", "thread_id", "reply_to_id", "parent__author_id", "created_at"
            )
        }
        thread_ids = {payload["thread_id"] for payload in payloads if payload.get("thread_id")}
        self.threads = set(Thread.objects.filter(pk__in=thread_ids).values_list("pk", flat=True))
        self.threads.update(comment["thread_id"] for comment in self.comments.values())
        replied_threads = {
            self.comments[event.payload["comment_id"]]["thread_id"]
            for event in events
            if event.kind == Kind.COMMENT_POSTED and event.payload["comment_id"] in self.comments
        }
        self._follows = defaultdict(list)
        follows = Follow.objects.filter(thread_id__in=replied_threads)
        for thread_id, user_id, since in follows.values_list("thread_id", "user_id", "created_at"):
            self._follows[thread_id].append((user_id, since))
        mutes = ThreadMute.objects.filter(thread_id__in=replied_threads)
        self._mutes = set(mutes.values_list("thread_id", "user_id"))
        review_ids = {payload["review_id"] for payload in payloads if payload.get("review_id")}
        self.reviews = {
            row["pk"]: row
            for row in ReviewRequest.objects.filter(pk__in=review_ids)
            .with_section()
            .values("pk", "state", "work_section_id")
        }
        new_threads = self._new_threads(
            {event.payload["thread_id"] for event in events if event.kind == Kind.THREAD_POSTED}
        )
        requested = {
            self.reviews[event.payload["review_id"]]["work_section_id"]
            for event in events
            if event.kind == Kind.REVIEW_REQUESTED and event.payload["review_id"] in self.reviews
        }
        self._watchers = self._section_watchers(
            requested | {thread["topic__section_id"] for thread in new_threads.values()}
        )
        self._alerts = self._new_thread_alerts(new_threads)
        user_ids = set()
        for payload in payloads:
            user_ids.update(payload.get("mentioned_ids", ()))
            user_ids.update(payload[key] for key in ("actor_id", "recipient_id") if payload.get(key))
        self.users = set(User.objects.filter(pk__in=user_ids).values_list("pk", flat=True))

    @staticmethod
    def _new_threads(thread_ids: set[int]) -> dict[int, dict]:
        """The new threads still published, with their topic and its section."""
        if not thread_ids:
            return {}
        rows = Thread.objects.filter(pk__in=thread_ids, status=Status.PUBLISHED).values(
            "pk", "topic_id", "topic__section_id", "created_at"
        )
        return {row["pk"]: row for row in rows}

    @staticmethod
    def _section_watchers(section_ids: set[int | None]) -> dict[int, list[int]]:
        """The mentors watching each of these sections (MentorSection.objects.watched)."""
        watchers: dict[int, list[int]] = defaultdict(list)
        section_ids.discard(None)
        if section_ids:
            rows = MentorSection.objects.watched().filter(section_id__in=section_ids)
            for section_id, mentor_id in rows.values_list("section_id", "mentor_id"):
                watchers[section_id].append(mentor_id)
        return watchers

    def section_watchers(self, section_id: int | None) -> list[int]:
        return self._watchers.get(section_id, [])

    def _new_thread_alerts(self, threads: dict[int, dict]) -> dict[int, list[int]]:
        """Who asked to hear about each of these new threads: those following one of its tags
        or its topic with notify_new_threads, since before it was posted, and the mentors
        watching its topic's section."""
        alerts: dict[int, list[int]] = defaultdict(list)
        if not threads:
            return alerts
        for thread_id, thread in threads.items():
            alerts[thread_id].extend(self.section_watchers(thread["topic__section_id"]))
        tags = defaultdict(set)
        for thread_id, tag_id in Thread.tags.through.objects.filter(thread_id__in=threads).values_list(
            "thread_id", "tag_id"
        ):
            tags[thread_id].add(tag_id)
        topic_ids = {row["topic_id"] for row in threads.values() if row["topic_id"]}
        tag_ids = set().union(*tags.values())
        if not topic_ids and not tag_ids:
            return alerts
        follows = Follow.objects.filter(notify_new_threads=True).filter(
            Q(topic_id__in=topic_ids) | Q(tag_id__in=tag_ids)
        )
        rows = list(follows.values_list("user_id", "topic_id", "tag_id", "created_at"))
        for thread_id, thread in threads.items():
            for user_id, topic_id, tag_id, since in rows:
                matches = (topic_id and topic_id == thread["topic_id"]) or (
                    tag_id and tag_id in tags[thread_id]
                )
                if matches and since <= thread["created_at"]:
                    alerts[thread_id].append(user_id)
        return alerts

    def new_thread_audience(self, thread_id: int) -> list[int]:
        return self._alerts.get(thread_id, [])

    def user(self, user_id: int | None) -> int | None:
        return user_id if user_id in self.users else None

    def has_muted(self, user_id: int | None, comment: dict) -> bool:
        return (comment["thread_id"], user_id) in self._mutes

    def followers(self, comment: dict) -> list[int]:
        """Who followed the comment's thread when it was posted (and still does): a late drain
        does not tell people about comments from before they joined."""
        follows = self._follows[comment["thread_id"]]
        return [user_id for user_id, since in follows if since <= comment["created_at"]]


def _notifications(
    lookups: Lookups,
    *,
    recipients,
    actor_id,
    verb,
    event_key,
    thread_id=None,
    comment_id=None,
    review_id=None,
    message="",
    notice="",
    notice_params=None,
) -> list[Notification]:
    """One notification per recipient and event, never to the actor themself."""
    actor_id = lookups.user(actor_id)
    return [
        Notification(
            recipient_id=recipient_id,
            actor_id=actor_id,
            verb=verb,
            thread_id=thread_id,
            comment_id=comment_id,
            review_id=review_id,
            message=message,
            notice=notice,
            notice_params=notice_params or {},
            event_key=event_key,
        )
        for recipient_id in dict.fromkeys(recipients)
        if recipient_id and recipient_id != actor_id
    ]


def _about_comment(lookups: Lookups, comment: dict, **fields) -> list[Notification]:
    """_notifications about one comment, linked to it and its thread."""
    return _notifications(lookups, thread_id=comment["thread_id"], comment_id=comment["pk"], **fields)


def _mentions_in_thread(event: OutboxEvent, lookups: Lookups) -> list[Notification]:
    """A thread posted or edited: whoever it mentions (once per thread, however often edited)."""
    payload = event.payload
    if payload["thread_id"] not in lookups.threads:
        return []
    return _notifications(
        lookups,
        recipients=[user_id for user_id in payload["mentioned_ids"] if user_id in lookups.users],
        actor_id=payload["actor_id"],
        verb=Verb.MENTION,
        event_key=f"thread:{payload['thread_id']}",
        thread_id=payload["thread_id"],
    )


def _thread_posted(event: OutboxEvent, lookups: Lookups) -> list[Notification]:
    """The people it mentions, then those who asked to hear about new threads in its tags or
    topic."""
    rows = _mentions_in_thread(event, lookups)
    mentioned = {row.recipient_id for row in rows}
    thread_id = event.payload["thread_id"]
    return rows + _notifications(
        lookups,
        recipients=[
            user_id for user_id in lookups.new_thread_audience(thread_id) if user_id not in mentioned
        ],
        actor_id=event.payload["actor_id"],
        verb=Verb.NEW_THREAD,
        event_key=f"new_thread:{thread_id}",
        thread_id=thread_id,
    )


def _comment_posted(event: OutboxEvent, lookups: Lookups) -> list[Notification]:
    """The people it mentions, then, as replies, the author of the comment it answers, the one
    it replies to, and the thread's followers (those watching it); not those who muted it."""
    rows = _mentions_in_comment(event, lookups)
    comment = lookups.comments.get(event.payload["comment_id"])
    if comment is None:
        return rows
    mentioned = {row.recipient_id for row in rows}
    direct = [comment["parent__author_id"], comment["reply_to_id"]]
    return rows + _about_comment(
        lookups,
        comment,
        recipients=[
            user_id
            for user_id in [*direct, *lookups.followers(comment)]
            if user_id not in mentioned and not lookups.has_muted(user_id, comment)
        ],
        actor_id=event.payload["actor_id"],
        verb=Verb.REPLY,
        event_key=f"comment:{comment['pk']}",
    )


def _mentions_in_comment(event: OutboxEvent, lookups: Lookups) -> list[Notification]:
    """A comment posted or edited: whoever it mentions (once per comment)."""
    comment = lookups.comments.get(event.payload["comment_id"])
    if comment is None:
        return []
    return _about_comment(
        lookups,
        comment,
        recipients=[user_id for user_id in event.payload["mentioned_ids"] if user_id in lookups.users],
        actor_id=event.payload["actor_id"],
        verb=Verb.MENTION,
        event_key=f"comment:{comment['pk']}",
    )


def _answer_accepted(event: OutboxEvent, lookups: Lookups) -> list[Notification]:
    comment = lookups.comments.get(event.payload["comment_id"])
    if comment is None:
        return []
    return _about_comment(
        lookups,
        comment,
        recipients=[lookups.user(event.payload["recipient_id"])],
        actor_id=event.payload["actor_id"],
        verb=Verb.ANSWER_ACCEPTED,
        event_key=f"accepted:{comment['pk']}",
    )


def _moderation_notice(event: OutboxEvent, lookups: Lookups) -> list[Notification]:
    """A mentor's act told to the member concerned: the code of its sentence, or the text the act wrote."""
    payload = event.payload
    thread_id, comment_id = payload.get("thread_id"), payload.get("comment_id")
    if (thread_id and thread_id not in lookups.threads) or (
        comment_id and comment_id not in lookups.comments
    ):
        return []
    if payload.get("notice"):
        said = {"notice": payload["notice"], "notice_params": payload.get("notice_params", {})}
    else:  # worded when the act was done (a warning, a suspension), or recorded before the codes
        message_max = Notification._meta.get_field("message").max_length
        message = payload["message"]
        if len(message) > message_max:
            message = message[: message_max - 1] + "…"
        said = {"message": message}
    return _notifications(
        lookups,
        recipients=[lookups.user(payload["recipient_id"])],
        actor_id=payload.get("actor_id"),
        verb=Verb.MODERATION,
        event_key=payload["event_key"],
        thread_id=thread_id,
        comment_id=comment_id,
        **said,
    )


def _said(payload: dict) -> dict:
    """What a review event says: the code of the app's sentence and its parameters (events
    recorded before the codes carry their English text as `message`)."""
    if payload.get("notice"):
        return {"notice": payload["notice"], "notice_params": payload.get("notice_params", {})}
    return {"message": payload.get("message", "")[: Notification._meta.get_field("message").max_length]}


def _review_notice(event: OutboxEvent, lookups: Lookups) -> list[Notification]:
    """A step of a review request told to the learner or the mentor (community.mentorship)."""
    payload = event.payload
    if payload["review_id"] not in lookups.reviews:
        return []
    return _notifications(
        lookups,
        recipients=[lookups.user(payload["recipient_id"])],
        actor_id=payload.get("actor_id"),
        verb=Verb.REVIEW,
        event_key=payload["event_key"],
        review_id=payload["review_id"],
        **_said(payload),
    )


def _review_requested(event: OutboxEvent, lookups: Lookups) -> list[Notification]:
    """A request submitted or resubmitted to the desk: the mentors watching its section, while
    it still waits unclaimed (never the learner, who is the actor)."""
    payload = event.payload
    review = lookups.reviews.get(payload["review_id"])
    if review is None or review["state"] != ReviewRequest.State.OPEN:
        return []
    return _notifications(
        lookups,
        recipients=lookups.section_watchers(review["work_section_id"]),
        actor_id=payload["actor_id"],
        verb=Verb.REVIEW,
        event_key=payload["event_key"],
        review_id=review["pk"],
        **_said(payload),
    )


HANDLERS: dict[str, Callable[[OutboxEvent, Lookups], list[Notification]]] = {
    Kind.THREAD_POSTED: _thread_posted,
    Kind.THREAD_EDITED: _mentions_in_thread,
    Kind.COMMENT_POSTED: _comment_posted,
    Kind.COMMENT_EDITED: _mentions_in_comment,
    Kind.ANSWER_ACCEPTED: _answer_accepted,
    Kind.MODERATION_NOTICE: _moderation_notice,
    Kind.REVIEW_NOTICE: _review_notice,
    Kind.REVIEW_REQUESTED: _review_requested,
}


def deliver(events: list[OutboxEvent]) -> None:
    """Write the notifications of these events: their reads, then one insert. Those whose
    recipient wants that kind by email at once are marked due for an email (one more query)."""
    lookups = Lookups(events)
    rows = [row for event in events for row in HANDLERS[event.kind](event, lookups)]
    if rows and notification_emails.schedule(rows):
        transaction.on_commit(notification_emails.request_send, robust=True)
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:  # bulk_create sends no signal
        touch(*rows)
