"""Digest emails: who is due, what goes into each learner's digest, and sending it exactly once.

A digest covers one period in the learner's own timezone (`daily:2026-11-24`,
`weekly:2026-W48`). Before building it, the sender claims a `DigestDelivery` row for that
period; the unique constraint on (user, period_key) settles races between workers, retries
and redelivered messages, so a second claim for the same period finds the row taken and
sends nothing.

A claimed row moves pending -> sent, skipped (nothing new) or failed. `sending_at` is set, in
its own commit, at the moment of hand-over: after the message's content has gone to the SMTP
server and just before the end of its data (config.mail). A worker that dies before then leaves
a pending row without `sending_at`, and the server discards the unfinished message, so the
sweep retries it. A row still pending with `sending_at` set was handed over when its worker
died, and so is a send whose connection failed before the server answered the end of data:
whether the server accepted that message is unknowable, so it is recorded as failed
("ambiguous"), logged and not resent. A server that cannot be reached at all says nothing about
the message, so that is retried for as long as the period lasts; every other failure until
DIGEST_MAX_ATTEMPTS.

Learners due whose batch died before claiming them have no row, so the next schedule (every
15 minutes) queues them again; claims of a dead worker are retried by the sweep (every 5
minutes) once older than DIGEST_CLAIM_TIMEOUT (6 minutes). Everyone not handed over is thus
sent their digest within about 20 minutes of a crash.

A batch of digests reads everything it shows up front (DigestBuilder, a fixed number of
queries per batch), then writes three rows' worth per digest: the claim, the start of the send
(the only commit that waits for the disk) and the outcome.
"""

import logging
import smtplib
import zoneinfo
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property, lru_cache, reduce
from operator import or_
from typing import NamedTuple

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Exists, F, Max, OuterRef, Q, Value, When, Window
from django.db.models.functions import RowNumber
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from community.models import DigestDelivery, Follow, Notification, Status, Thread
from config.input_guard import database_id
from config.mail import EmailBackend as HandOverEmailBackend
from roadmap import selectors as roadmap_selectors
from roadmap.models import Progress, Roadmap

logger = logging.getLogger(__name__)

Frequency = User.DigestFrequency
State = DigestDelivery.State

UNSUBSCRIBE_SALT = "community.digest.unsubscribe"
PERIOD_LENGTH = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}
REPLY_VERBS = [Notification.Verb.REPLY, Notification.Verb.MENTION, Notification.Verb.ANSWER_ACCEPTED]
MAX_REPLIES = 8
MAX_COUNTED = 50  # replies and mentions counted for the subject; more reads "50+"
MAX_THREADS = 5
MAX_HELP = 3
MAX_NEXT_TOPICS = 3
THREAD_POOL = 2000  # most recently active threads a batch's thread sections choose from


class DigestSendError(Exception):
    """The SMTP server could not take a digest right now; the batch is retried later."""


# --- Periods and who is due ------------------------------------------------------------


@lru_cache(maxsize=1024)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    """The user's timezone; an unknown name (tzdata dropped it) counts as UTC."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def local_time(user, now: datetime) -> datetime:
    return now.astimezone(_zone(user.timezone))


def _period_keys(local: datetime) -> dict[str, str]:
    year, week, _ = local.isocalendar()
    return {
        Frequency.DAILY: f"daily:{local.date().isoformat()}",
        Frequency.WEEKLY: f"weekly:{year}-W{week:02d}",
    }


def period_key(user, now: datetime) -> str:
    """The user's current period: their local date for daily digests, ISO week for weekly."""
    if user.digest_frequency not in PERIOD_LENGTH:
        raise ValueError(f"{user} has digests turned off: no period.")
    return _period_keys(local_time(user, now))[user.digest_frequency]


def eligible_users(now: datetime):
    """Active users with digests on, not suspended, whose login address is verified."""
    verified = EmailAddress.objects.filter(
        user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
    )
    return (
        User.objects.filter(is_active=True, digest_frequency__in=list(PERIOD_LENGTH))
        .filter(Q(suspended_until__isnull=True) | Q(suspended_until__lte=now))
        .filter(Exists(verified))
    )


def is_due(user, now: datetime) -> bool:
    """Eligible, their local digest hour has come, and nothing is recorded for this period."""
    if not eligible_users(now).filter(pk=user.pk).exists():
        return False
    if local_time(user, now).hour < user.digest_hour:
        return False
    return not DigestDelivery.objects.filter(user=user, period_key=period_key(user, now)).exists()


def due_user_ids(*, now: datetime, ignore_hour: bool = False, user_ids=None) -> list[int]:
    """Ids of the users `is_due` at `now`, in two queries whatever the number of users.

    Timezones that share the same local hour, date and ISO week right now are grouped, so
    the query holds one condition per distinct local clock (a few dozen), not per user.
    """
    users = eligible_users(now)
    if user_ids is not None:
        users = users.filter(pk__in=user_ids)
    groups: dict[tuple[int, str, str], list[str]] = {}
    for name in users.order_by().values_list("timezone", flat=True).distinct():
        local = now.astimezone(_zone(name))
        keys = _period_keys(local)
        groups.setdefault((local.hour, keys[Frequency.DAILY], keys[Frequency.WEEKLY]), []).append(name)
    if not groups:
        return []
    conditions = []
    for (hour, daily_key, weekly_key), names in groups.items():
        undelivered = Q()
        for frequency, key in ((Frequency.DAILY, daily_key), (Frequency.WEEKLY, weekly_key)):
            delivered = DigestDelivery.objects.filter(user=OuterRef("pk"), period_key=key)
            undelivered |= Q(digest_frequency=frequency) & ~Exists(delivered)
        condition = Q(timezone__in=names) & undelivered
        if not ignore_hour:
            condition &= Q(digest_hour__lte=hour)
        conditions.append(condition)
    return list(users.filter(reduce(or_, conditions)).order_by("pk").values_list("pk", flat=True))


def previous_digests(*, user_ids, now: datetime) -> dict[int, datetime]:
    """{user id: when their last digest was built (sent or skipped)}, in one query."""
    return dict(
        DigestDelivery.objects.filter(
            user_id__in=user_ids, status__in=[State.SENT, State.SKIPPED], claimed_at__lt=now
        )
        .values("user_id")
        .annotate(last=Max("claimed_at"))
        .values_list("user_id", "last")
    )


def news_start(*, frequency: str, now: datetime, previous: datetime | None) -> datetime:
    """Where a digest's news starts: the last digest built (sent or skipped), at most two
    periods back; a learner's first digest covers one period."""
    period = PERIOD_LENGTH.get(frequency, PERIOD_LENGTH[Frequency.WEEKLY])
    if previous is None:
        return now - period
    return max(previous, now - 2 * period)


def digest_since(*, user, now: datetime) -> datetime:
    previous = previous_digests(user_ids=[user.pk], now=now).get(user.pk)
    return news_start(frequency=user.digest_frequency, now=now, previous=previous)


# --- Content ---------------------------------------------------------------------------


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# Paths are reversed once per process: a batch links the same topics and threads many times.
@lru_cache(maxsize=8192)
def _path(name: str, **kwargs) -> str:
    return reverse(name, kwargs=kwargs)


def _thread_url(thread_id: int, slug: str) -> str:
    return absolute(_path("community:thread-detail", pk=thread_id, slug=slug or "thread"))


def _topic_url(roadmap_slug: str, topic_slug: str) -> str:
    return absolute(_path("roadmap:topic-detail", slug=roadmap_slug, topic=topic_slug))


def _plural(count: int, singular: str, plural: str = "") -> str:
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


@dataclass
class Link:
    title: str
    url: str
    detail: str = ""
    topic_id: int | None = None
    thread_id: int | None = None


@dataclass
class RoadmapProgress:
    title: str
    url: str
    done: int
    total: int
    finished_now: list[str]
    started_now: list[str]
    next_topics: list[Link]

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def has_changes(self) -> bool:
        return bool(self.finished_now or self.started_now)


@dataclass
class Reply:
    actor: str
    verb: str
    label: str
    thread_title: str
    url: str


@dataclass
class Digest:
    user: User
    since: datetime
    now: datetime
    roadmaps: list[RoadmapProgress] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    reply_counts: dict[str, int] = field(default_factory=dict)
    has_more_replies: bool = False
    threads: list[Link] = field(default_factory=list)
    help_threads: list[Link] = field(default_factory=list)

    @cached_property
    def unsubscribe_url(self) -> str:
        return unsubscribe_url(self.user)

    @property
    def next_topic(self) -> Link | None:
        for roadmap in self.roadmaps:
            if roadmap.next_topics:
                return roadmap.next_topics[0]
        return None

    @property
    def finished_count(self) -> int:
        return sum(len(roadmap.finished_now) for roadmap in self.roadmaps)

    @property
    def has_news(self) -> bool:
        return bool(
            self.replies
            or self.threads
            or self.help_threads
            or any(roadmap.has_changes for roadmap in self.roadmaps)
        )

    @property
    def subject(self) -> str:
        """What is new, most personal first, then the next topic: "3 replies and your next
        topic: Caching"."""
        counts = self.reply_counts
        parts = []
        if self.has_more_replies:
            parts.append(f"{MAX_COUNTED}+ replies and mentions")
        else:
            if counts.get(Notification.Verb.REPLY):
                parts.append(_plural(counts[Notification.Verb.REPLY], "reply", "replies"))
            if counts.get(Notification.Verb.MENTION):
                parts.append(_plural(counts[Notification.Verb.MENTION], "mention"))
            if counts.get(Notification.Verb.ANSWER_ACCEPTED):
                parts.append(_plural(counts[Notification.Verb.ANSWER_ACCEPTED], "accepted answer"))
        started_count = sum(len(roadmap.started_now) for roadmap in self.roadmaps)
        if not parts and self.finished_count:
            parts.append(f"{_plural(self.finished_count, 'topic')} finished")
        if not parts and started_count:
            parts.append(f"{_plural(started_count, 'topic')} started")
        if not parts and self.threads:
            parts.append(f"{_plural(len(self.threads), 'new thread')} on your topics")
        if not parts and self.help_threads:
            parts.append(f"{_plural(len(self.help_threads), 'question')} you could answer")
        next_topic = self.next_topic
        if next_topic is not None:
            parts.append(f"your next topic: {next_topic.title}")
        if not parts:
            parts.append("what is new on your roadmap")
        text = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
        text = text[0].upper() + text[1:]
        return text if len(text) <= 200 else text[:199] + "…"

    @property
    def preheader(self) -> str:
        """The line mail clients show after the subject."""
        roadmap = self.roadmaps[0] if self.roadmaps else None
        if roadmap is None:
            return "What happened on Stepwise since your last digest."
        return f"{roadmap.title}: {roadmap.done} of {roadmap.total} topics done."

    def render(self) -> tuple[str, str]:
        """The plain-text and HTML bodies."""
        is_weekly = self.user.digest_frequency != Frequency.DAILY
        context = {
            "digest": self,
            "name": self.user.public_name,
            "frequency": "weekly" if is_weekly else "daily",
            "site_url": settings.SITE_URL,
            "settings_url": absolute(reverse("accounts:settings")),
            "notifications_url": absolute(reverse("community:notification-list")),
            "unsubscribe_url": self.unsubscribe_url,
        }
        return render_to_string("email/digest.txt", context), render_to_string("email/digest.html", context)

    def message(self, *, connection=None) -> EmailMultiAlternatives:
        text, html = self.render()
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=text,
            to=[self.user.email],
            connection=connection,
            headers={
                "List-Unsubscribe": f"<{self.unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
            },
        )
        message.attach_alternative(html, "text/html")
        return message


def _roadmap_progress(
    roadmap: Roadmap, structure: list[dict], statuses: dict, updated: dict, since: datetime
) -> RoadmapProgress:
    """One roadmap's done of total, this period's changes and the next open topics."""
    topics = [topic for section in structure for topic in section["topics"]]
    finished = {topic_id for topic_id, status in statuses.items() if status in roadmap_selectors.FINISHED}
    finished_now, started_now, upcoming = [], [], []
    for topic in topics:
        status = statuses.get(topic["id"])
        if status and updated[topic["id"]] >= since:
            (started_now if status == Progress.Status.LEARNING else finished_now).append(topic["title"])
        is_open = topic["id"] not in finished and all(pk in finished for pk in topic["prerequisite_ids"])
        if is_open and len(upcoming) < MAX_NEXT_TOPICS:
            url = _topic_url(roadmap.slug, topic["slug"])
            upcoming.append(Link(title=topic["title"], url=url, topic_id=topic["id"]))
    return RoadmapProgress(
        title=roadmap.title,
        url=absolute(roadmap.get_absolute_url()),
        done=sum(1 for topic in topics if topic["id"] in finished),
        total=len(topics),
        finished_now=finished_now,
        started_now=started_now,
        next_topics=upcoming,
    )


class _ThreadRow(NamedTuple):
    pk: int
    title: str
    slug: str
    topic_id: int | None
    topic_title: str | None
    author_id: int | None
    created_at: datetime
    last_activity_at: datetime
    comment_count: int
    reaction_count: int
    accepted_comment_id: int | None
    is_locked: bool


_THREAD_COLUMNS = [name if name != "topic_title" else "topic__title" for name in _ThreadRow._fields]


def _thread_link(thread: _ThreadRow, *, since: datetime) -> Link:
    details = [thread.topic_title] if thread.topic_title else []
    if thread.created_at >= since:
        details.append("new")
    if thread.comment_count:
        details.append(_plural(thread.comment_count, "reply", "replies"))
    if thread.reaction_count:
        details.append(_plural(thread.reaction_count, "reaction"))
    url = _thread_url(thread.pk, thread.slug)
    return Link(title=thread.title, url=url, detail=" · ".join(details), thread_id=thread.pk)


def _reply(notification: Notification) -> Reply:
    if notification.comment_id:
        url = absolute(_path("community:comment-link", pk=notification.comment_id))
    else:
        url = _thread_url(notification.thread_id, notification.thread.slug)
    return Reply(
        actor=notification.actor.public_name if notification.actor else "A former member",
        verb=notification.verb,
        label=notification.get_verb_display(),
        thread_title=notification.thread.title,
        url=url,
    )


@dataclass
class _Learner:
    roadmaps: list[RoadmapProgress] = field(default_factory=list)
    watched_topic_ids: set[int] = field(default_factory=set)  # learning, next up, followed
    done_topic_ids: set[int] = field(default_factory=set)
    followed_tag_ids: set[int] = field(default_factory=set)


class DigestBuilder:
    """Builds the digests of a batch of learners from their activity, read up front in at most
    five queries however many learners, topics, follows, threads or notifications there are
    (roadmap structures come from the cache, once per roadmap).

    `since` gives each learner's start of news (news_start). Threads are considered among the
    THREAD_POOL most recently active ones on the topics and tags the batch watches.
    """

    def __init__(self, users, *, since: dict[int, datetime], now: datetime):
        self.now = now
        self.since = since
        self.users = {user.pk: user for user in users}
        self.learners = {pk: _Learner() for pk in self.users}
        self.notifications: dict[int, list[Notification]] = {pk: [] for pk in self.users}
        self.threads: list[_ThreadRow] = []
        self.thread_tags: dict[int, set[int]] = {}
        if self.users:
            self._read_progress()
            self._read_follows()
            self._read_notifications()
            self._read_threads()

    def _read_progress(self) -> None:
        rows = (
            Progress.objects.filter(
                user_id__in=self.users, topic__is_published=True, topic__roadmap__is_published=True
            )
            .order_by("-updated_at")
            .values_list(
                "user_id",
                "topic_id",
                "status",
                "updated_at",
                "topic__roadmap_id",
                "topic__roadmap__slug",
                "topic__roadmap__title",
            )
        )
        per_user: dict[int, list] = {}
        roadmaps: dict[int, Roadmap] = {}  # id, slug and title: all a structure and a link need
        for row in rows:
            per_user.setdefault(row[0], []).append(row)
            roadmaps.setdefault(row[4], Roadmap(pk=row[4], slug=row[5], title=row[6]))
        structures = {pk: roadmap_selectors.roadmap_structure(roadmap) for pk, roadmap in roadmaps.items()}
        for user_id, user_rows in per_user.items():
            learner = self.learners[user_id]
            statuses = {row[1]: row[2] for row in user_rows}
            updated = {row[1]: row[3] for row in user_rows}
            for roadmap_id in dict.fromkeys(row[4] for row in user_rows):  # most recently active first
                learner.roadmaps.append(
                    _roadmap_progress(
                        roadmaps[roadmap_id], structures[roadmap_id], statuses, updated, self.since[user_id]
                    )
                )
            learner.watched_topic_ids |= {
                pk for pk, status in statuses.items() if status == Progress.Status.LEARNING
            }
            learner.watched_topic_ids |= {
                roadmap.next_topics[0].topic_id for roadmap in learner.roadmaps if roadmap.next_topics
            }
            learner.done_topic_ids = {pk for pk, status in statuses.items() if status == Progress.Status.DONE}

    def _read_follows(self) -> None:
        follows = (
            Follow.objects.filter(user_id__in=self.users)
            .filter(Q(topic__isnull=False) | Q(tag__isnull=False))
            .values_list("user_id", "topic_id", "tag_id")
        )
        for user_id, topic_id, tag_id in follows:
            if topic_id:
                self.learners[user_id].watched_topic_ids.add(topic_id)
            if tag_id:
                self.learners[user_id].followed_tag_ids.add(tag_id)

    def _read_notifications(self) -> None:
        """Replies and mentions on published posts since each learner's start, newest first,
        at most MAX_COUNTED per learner."""
        since = reduce(or_, (Q(recipient_id=pk, created_at__gte=self.since[pk]) for pk in self.users))
        newest_first = Window(RowNumber(), partition_by=[F("recipient_id")], order_by=F("created_at").desc())
        notifications = (
            Notification.objects.filter(since, verb__in=REPLY_VERBS, created_at__lt=self.now)
            .filter(thread__status=Status.PUBLISHED)
            .filter(Q(comment__isnull=True) | Q(comment__status=Status.PUBLISHED))
            .select_related("actor", "thread")
            .only(
                "recipient_id",
                "verb",
                "comment",
                "created_at",
                "actor__username",
                "actor__display_name",
                "thread__title",
                "thread__slug",
            )
            .annotate(rank=newest_first)
            .filter(rank__lte=MAX_COUNTED)
            .order_by("recipient_id", "-created_at")
        )
        for notification in notifications:
            self.notifications[notification.recipient_id].append(notification)

    def _read_threads(self) -> None:
        topic_ids = set().union(
            *(learner.watched_topic_ids | learner.done_topic_ids for learner in self.learners.values())
        )
        tag_ids = set().union(*(learner.followed_tag_ids for learner in self.learners.values()))
        if not (topic_ids or tag_ids):
            return
        watched = Q(topic_id__in=topic_ids) if topic_ids else Q()
        if tag_ids:
            tagged = Thread.tags.through.objects.filter(thread_id=OuterRef("pk"), tag_id__in=tag_ids)
            watched |= Q(Exists(tagged))
        rows = (
            Thread.objects.published()
            .filter(watched, last_activity_at__gte=min(self.since.values()), last_activity_at__lt=self.now)
            .order_by("-last_activity_at")
            .values_list(*_THREAD_COLUMNS)
        )
        self.threads = [_ThreadRow(*row) for row in rows[:THREAD_POOL]]
        if tag_ids and self.threads:
            for thread_id, tag_id in Thread.tags.through.objects.filter(
                thread_id__in=[thread.pk for thread in self.threads], tag_id__in=tag_ids
            ).values_list("thread_id", "tag_id"):
                self.thread_tags.setdefault(thread_id, set()).add(tag_id)

    def build(self, user) -> Digest | None:
        """The learner's digest, or None when nothing is new."""
        since = self.since[user.pk]
        learner = self.learners[user.pk]
        digest = Digest(user=user, since=since, now=self.now, roadmaps=learner.roadmaps)

        notifications = self.notifications[user.pk]
        for notification in notifications:
            digest.reply_counts[notification.verb] = digest.reply_counts.get(notification.verb, 0) + 1
        digest.has_more_replies = len(notifications) >= MAX_COUNTED
        digest.replies = [_reply(notification) for notification in notifications[:MAX_REPLIES]]

        recent = [
            thread
            for thread in self.threads
            if thread.last_activity_at >= since and (thread.author_id is None or thread.author_id != user.pk)
        ]
        popular = [
            thread
            for thread in recent
            if thread.topic_id in learner.watched_topic_ids
            or self.thread_tags.get(thread.pk, set()) & learner.followed_tag_ids
        ]
        popular.sort(
            key=lambda thread: (thread.reaction_count, thread.comment_count, thread.last_activity_at),
            reverse=True,
        )
        digest.threads = [_thread_link(thread, since=since) for thread in popular[:MAX_THREADS]]

        shown = {link.thread_id for link in digest.threads}
        unanswered = [
            thread
            for thread in recent
            if thread.topic_id in learner.done_topic_ids
            and thread.accepted_comment_id is None
            and not thread.is_locked
            and thread.created_at >= since
            and thread.pk not in shown
        ]
        unanswered.sort(key=lambda thread: (thread.comment_count, -thread.created_at.timestamp()))
        digest.help_threads = [_thread_link(thread, since=since) for thread in unanswered[:MAX_HELP]]

        return digest if digest.has_news else None


def build_digest(user, *, since: datetime, now: datetime) -> Digest | None:
    """The learner's digest for news between `since` and `now`, or None when nothing is new."""
    return DigestBuilder([user], since={user.pk: since}, now=now).build(user)


# --- Unsubscribe -----------------------------------------------------------------------


def _signer(user) -> signing.Signer:
    """Bound to the user's unsubscribe_salt: changing it revokes every link sent so far."""
    return signing.Signer(salt=f"{UNSUBSCRIBE_SALT}:{user.unsubscribe_salt}")


def unsubscribe_token(user) -> str:
    return _signer(user).sign(str(user.pk))


def unsubscribe_url(user) -> str:
    return absolute(reverse("community:digest-unsubscribe", kwargs={"token": unsubscribe_token(user)}))


def user_for_unsubscribe_token(token: str) -> User | None:
    """The user a valid token was made for, or None for a forged or tampered one."""
    user_id, _, _ = token.partition(":")
    if database_id(user_id) is None:
        return None
    user = User.objects.filter(pk=database_id(user_id)).first()
    if user is None:
        return None
    try:
        _signer(user).unsign(token)
    except signing.BadSignature:
        return None
    return user


def turn_off_digests(*, user) -> None:
    user.digest_frequency = Frequency.OFF
    user.save(update_fields=["digest_frequency"])
    logger.info("digests turned off by unsubscribe link for user %s", user.pk)


# --- Claiming and sending --------------------------------------------------------------


def claim_delivery(*, user, key: str) -> DigestDelivery | None:
    """Claim the user's delivery for this period, in its own transaction; None when another
    worker holds it or it is finished. A failed delivery due another try is taken over
    (compare-and-set on `attempts`, which also fences out the worker that held it before)."""
    try:
        with _quick_commit():
            return DigestDelivery.objects.create(user=user, period_key=key, claimed_at=timezone.now())
    except IntegrityError:
        pass
    retryable = DigestDelivery.objects.filter(user=user, period_key=key, status=State.FAILED, will_retry=True)
    row = retryable.values("pk", "attempts").first()
    if row is None:
        return None
    with _quick_commit():
        taken = retryable.filter(pk=row["pk"], attempts=row["attempts"]).update(
            status=State.PENDING,
            will_retry=False,
            attempts=row["attempts"] + 1,
            reason="",
            claimed_at=timezone.now(),
        )
    return DigestDelivery.objects.get(pk=row["pk"]) if taken else None


@contextmanager
def _quick_commit():
    """A transaction whose commit does not wait for the disk (PostgreSQL: synchronous_commit
    off; elsewhere a plain transaction). Every write here uses it except the marks of a send
    started or failed: losing a claim or an outcome in a database crash is harmless (the row
    is missing, or left pending for the sweep), and the durable commit before each send
    flushes every earlier write to disk with it."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def _still_ours(delivery: DigestDelivery):
    return DigestDelivery.objects.filter(pk=delivery.pk, status=State.PENDING, attempts=delivery.attempts)


def _is_permanent(error: Exception) -> bool:
    """The server refused this message for good (5xx for the recipient or the content)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


class _NoLongerOurs(Exception):
    """The claim was taken over (the sweep, a retry) before the message was handed over."""


class Mailer:
    """One SMTP connection for a whole batch, opened when the first message needs it."""

    def __init__(self):
        self.connection = None

    def open(self) -> None:
        """Connect (and log in) unless connected; raises OSError or SMTPException when the
        server cannot be reached, before any message is handed over."""
        if self.connection is not None:
            return
        connection = get_connection(timeout=settings.DIGEST_SMTP_TIMEOUT)
        try:
            connection.open()
        except BaseException:
            with suppress(smtplib.SMTPException, OSError):
                connection.close()
            raise
        self.connection = connection

    def send(self, message: EmailMultiAlternatives, *, before_handover: Callable[[], None]) -> None:
        """Send one message; `before_handover` runs just before the server is given its end of
        data (config.mail), or before the send with a backend that cannot say when that is."""
        self.open()
        if not self.marks_end_of_data:
            before_handover()
            self.connection.send_messages([message])
            return
        self.connection.before_end_of_data = before_handover
        try:
            self.connection.send_messages([message])
        finally:
            self.connection.before_end_of_data = None

    @property
    def marks_end_of_data(self) -> bool:
        """True when `before_handover` runs at the end of data, so that a failure after it
        may be a message the server accepted (the SMTP backend, not console or memory ones)."""
        return isinstance(self.connection, HandOverEmailBackend)

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            finally:
                self.connection = None


class Outcome:
    SENT = "sent"
    SKIPPED = "skipped"
    TAKEN = "taken"
    NOT_DUE = "not_due"
    FAILED = "failed"


def deliver_digest(*, user, builder: DigestBuilder, mailer: Mailer) -> str:
    """Claim, build, send and record one user's digest for the period of `builder.now`; an
    Outcome. Raises DigestSendError after recording a transient SMTP failure, so that the
    caller stops using a broken connection and retries later."""
    key = period_key(user, builder.now)
    delivery = claim_delivery(user=user, key=key)
    if delivery is None:
        return Outcome.TAKEN
    digest = builder.build(user)
    if digest is None:
        since = builder.since[user.pk]
        with _quick_commit():
            _still_ours(delivery).update(
                status=State.SKIPPED, reason=f"nothing new since {since:%Y-%m-%d %H:%M} UTC"
            )
        return Outcome.SKIPPED
    message = digest.message()
    try:
        mailer.open()
    except (smtplib.SMTPException, OSError) as error:
        # Nothing was handed over and the message is not at fault: retried however many
        # attempts an outage takes, while the period lasts.
        _still_ours(delivery).update(
            status=State.FAILED, will_retry=True, reason=f"SMTP server unreachable: {error}"[:300]
        )
        raise DigestSendError(f"digest {key} for user {user.pk}: SMTP server unreachable: {error}") from error
    handed_over = False

    def record_handover():
        """The one durable commit, just before the end of the message's data: a worker that
        dies before it leaves a claim that the sweep retries (the server discards a message
        whose data never ended); after it, an "ambiguous" row, never a resend."""
        nonlocal handed_over
        if not _still_ours(delivery).update(sending_at=timezone.now(), subject=message.subject[:200]):
            raise _NoLongerOurs
        handed_over = True

    try:
        mailer.send(message, before_handover=record_handover)
    except _NoLongerOurs:
        mailer.close()
        return Outcome.TAKEN
    except (smtplib.SMTPException, OSError) as error:
        if handed_over and mailer.marks_end_of_data and not isinstance(error, smtplib.SMTPResponseException):
            # The end of data went out and no answer came back: accepted or not, nobody can tell.
            DigestDelivery.objects.filter(pk=delivery.pk).update(
                status=State.FAILED,
                will_retry=False,
                reason=f"ambiguous: {error or repr(error)}; not resent"[:300],
            )
            logger.warning(
                "digest %s for user %s is ambiguous: the connection failed after the end of its data "
                "(%s), so it may or may not have been accepted; it is not resent",
                key,
                user.pk,
                error or repr(error),
            )
            mailer.close()
            raise DigestSendError(f"digest {key} for user {user.pk}: {error}") from error
        permanent = _is_permanent(error)
        will_retry = not permanent and delivery.attempts < settings.DIGEST_MAX_ATTEMPTS
        DigestDelivery.objects.filter(pk=delivery.pk).update(
            status=State.FAILED,
            will_retry=will_retry,
            sending_at=None,
            reason=str(error)[:300] or repr(error),
        )
        if permanent:
            logger.warning("digest %s for user %s refused for good: %s", key, user.pk, error)
            return Outcome.FAILED
        mailer.close()
        raise DigestSendError(f"digest {key} for user {user.pk}: {error}") from error
    with _quick_commit():
        DigestDelivery.objects.filter(pk=delivery.pk).update(
            status=State.SENT, sent_at=timezone.now(), reason="", will_retry=False
        )
    return Outcome.SENT


@dataclass
class BatchResult:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    def __str__(self):
        return ", ".join(f"{count} {outcome}" for outcome, count in sorted(self.counts.items())) or "nothing"


def digest_builder(users, *, now: datetime) -> DigestBuilder:
    """A builder for these users' digests at `now`, each starting where their last one ended."""
    previous = previous_digests(user_ids=[user.pk for user in users], now=now) if users else {}
    since = {
        user.pk: news_start(frequency=user.digest_frequency, now=now, previous=previous.get(user.pk))
        for user in users
    }
    return DigestBuilder(users, since=since, now=now)


def send_digests(
    *,
    user_ids,
    now: datetime | None = None,
    ignore_hour: bool = False,
    on_result: Callable[[User, str], None] | None = None,
) -> BatchResult:
    """Send the digests of these users that are due, over one SMTP connection.

    Users who are no longer eligible (deleted, unsubscribed, suspended) are left out; unless
    `ignore_hour`, so is anyone whose local hour has not come yet (the schedule picks them up).
    Reads take a fixed number of queries for the whole batch; each digest then writes its
    claim, the start of its send and its outcome.
    """
    now = now or timezone.now()
    result = BatchResult()
    users = list(eligible_users(now).filter(pk__in=list(user_ids)).order_by("pk"))
    due = [user for user in users if ignore_hour or local_time(user, now).hour >= user.digest_hour]
    outcomes = {user.pk: Outcome.NOT_DUE for user in users}
    builder = digest_builder(due, now=now)
    mailer = Mailer()
    try:
        for user in users:
            if user.pk in builder.users:
                outcomes[user.pk] = deliver_digest(user=user, builder=builder, mailer=mailer)
            result.add(outcomes[user.pk])
            if on_result is not None:
                on_result(user, outcomes[user.pk])
    finally:
        mailer.close()
    return result


# --- Recovering from workers that died -------------------------------------------------


@dataclass
class SweepResult:
    requeue_user_ids: list[int]
    ambiguous: int
    abandoned: int


def sweep_stale_claims(*, now: datetime | None = None) -> SweepResult:
    """Settle deliveries whose worker is gone, and say which users to queue again.

    A claim left pending longer than DIGEST_CLAIM_TIMEOUT without a send started is retried;
    one whose send had started is ambiguous: logged and not resent. Failed deliveries whose
    retry never came are queued again while their period lasts.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.DIGEST_CLAIM_TIMEOUT)
    stale = DigestDelivery.objects.filter(status=State.PENDING, claimed_at__lt=cutoff)

    ambiguous = list(
        stale.filter(sending_at__isnull=False).values_list("pk", "user_id", "period_key", "sending_at")
    )
    for pk, user_id, key, sending_at in ambiguous:
        settled = stale.filter(pk=pk, sending_at__isnull=False).update(
            status=State.FAILED,
            will_retry=False,
            reason="ambiguous: the worker stopped during the SMTP send; not resent",
        )
        if settled:
            logger.warning(
                "digest delivery %s (%s for user %s) is ambiguous: its worker stopped during the SMTP "
                "send started at %s, so the email may or may not have gone out; it is not resent",
                pk,
                key,
                user_id,
                sending_at.isoformat(),
            )

    stale.filter(sending_at__isnull=True).update(
        status=State.FAILED,
        will_retry=Case(
            When(attempts__lt=settings.DIGEST_MAX_ATTEMPTS, then=Value(True)), default=Value(False)
        ),
        reason="the worker stopped before sending",
    )

    requeue, abandoned = [], 0
    retryable = DigestDelivery.objects.filter(status=State.FAILED, will_retry=True, claimed_at__lt=cutoff)
    for delivery in retryable.select_related("user"):
        user = delivery.user
        is_current = user.digest_frequency in PERIOD_LENGTH and period_key(user, now) == delivery.period_key
        if is_current:
            requeue.append(user.pk)
        else:
            abandoned += DigestDelivery.objects.filter(pk=delivery.pk, will_retry=True).update(
                will_retry=False, reason=f"{delivery.reason}; not retried: the period is over"[:300]
            )
    if requeue or ambiguous or abandoned:
        logger.info(
            "digest sweep: %d to retry, %d ambiguous, %d abandoned", len(requeue), len(ambiguous), abandoned
        )
    return SweepResult(requeue_user_ids=requeue, ambiguous=len(ambiguous), abandoned=abandoned)


# --- Account export --------------------------------------------------------------------


def export_deliveries(user) -> list[dict]:
    """The user's digest deliveries, for the account export."""
    return [
        {
            "period": row["period_key"],
            "status": row["status"],
            "reason": row["reason"],
            "subject": row["subject"],
            "created_at": row["created_at"].isoformat(),
            "sent_at": row["sent_at"].isoformat() if row["sent_at"] else None,
        }
        for row in DigestDelivery.objects.filter(user=user)
        .order_by("created_at")
        .values("period_key", "status", "reason", "subject", "created_at", "sent_at")
    ]


def masked_email(email: str) -> str:
    """ "ada@example.com" -> "a•••a@example.com": enough to recognise, little to leak."""
    local, _, domain = email.partition("@")
    shown = local[0] + "•••" + local[-1] if len(local) > 2 else local[:1] + "•••"
    return f"{shown}@{domain}"
