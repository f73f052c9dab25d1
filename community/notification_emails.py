"""Notification emails: a reply, a mention, an accepted answer, a mentor's notice or a step of
a review request told by email, sent by the worker at most once, never in a request.

When the outbox writes a notification whose recipient wants its kind at once
(community.notification_kinds), it sets `email_due_at` NOTIFICATION_EMAIL_DELAY seconds ahead,
and asks for a run of `send_due` at that time once its transaction commits (beat runs it every
20 seconds too). A run:

1. settles the claims of workers that died (as the digest's sweep does);
2. retries the emails that failed whose `retry_at` has come;
3. for each member, thread (or review request) and kind with notifications due, either defers
   them to the end of the gathering window (an email about that thread went to that member less
   than NOTIFICATION_EMAIL_WINDOW seconds ago) or claims one `NotificationEmail` for all of them.
   So the first email about a thread goes within about a minute, gathering what came in
   meanwhile; after it, at most one more per window, gathering the rest;
4. reads what all its claims tell at once (a fixed number of queries, however many emails),
   and sends them over one SMTP connection.

Claiming ties the notifications to the row in the same transaction (their rows locked, skipping
those another run holds), so two runs never tell the same notification. Sending then follows
the protocol the digests use too (community.mail_delivery): `sending_at` is committed just
before the end of the message's data; a worker that dies before it leaves a claim that is
retried, after it an "ambiguous" row that is never resent. Right before sending, the email
leaves out what the member has read on the site meanwhile, posts hidden since, kinds turned off
since, replies in threads muted since and new threads in tags and topics no longer followed for
them; with nothing left it is skipped.

An SMTP server that is away, or answers "try later", delays an email and never loses it: a
failed email is tried again after NOTIFICATION_EMAIL_RETRY_DELAY, the wait doubling after each
try up to NOTIFICATION_EMAIL_RETRY_MAX_DELAY, for as long as the outage lasts, up to
NOTIFICATION_EMAIL_RETRY_FOR after its first try (a day: news that late is read on the site).
Only a server that was reached and refused it for now NOTIFICATION_EMAIL_MAX_ATTEMPTS times
gives up sooner. So `attempts` stays small whatever happens: about 30 in the day at most.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Concat, Left
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext, pgettext

from accounts.models import User
from community import mail_delivery, notification_kinds
from community.mail_delivery import Mailer, SmtpUnavailable, quick_commit, reachable_members
from community.models import Follow, Notification, NotificationEmail, Status, Thread, ThreadMute
from community.notification_unsubscribe import unsubscribe_url

logger = logging.getLogger("community.notification_emails")

State = NotificationEmail.State
Mode = notification_kinds.Mode
EXCERPT_CHARS = 280
MAX_SHOWN = 10  # notifications shown in one gathered email; the rest are counted


class Outcome(mail_delivery.Outcome):
    DEFERRED = "deferred"


# --- Scheduling (in the outbox's transaction) -------------------------------------------


def schedule(rows: list[Notification], *, now: datetime | None = None) -> bool:
    """Mark the unsaved notifications whose recipient wants their kind by email at once as due
    after NOTIFICATION_EMAIL_DELAY; True if any is. One query, for the recipients' settings."""
    recipients = {row.recipient_id for row in rows if notification_kinds.get(row.verb)}
    if not recipients:
        return False
    stored = notification_kinds.preferences_of(recipients)
    due_at = (now or timezone.now()) + timedelta(seconds=settings.NOTIFICATION_EMAIL_DELAY)
    scheduled = False
    for row in rows:
        if notification_kinds.mode(stored.get(row.recipient_id, {}), row.verb) == Mode.NOW:
            row.email_due_at = due_at
            scheduled = True
    return scheduled


def request_send() -> None:
    """Ask a worker for a run when the emails just scheduled are due; an unreachable broker
    only delays them until beat's next run."""
    from community.outbox import BROKER_ERRORS, KICK_RETRY_POLICY  # the outbox imports this module
    from community.tasks import send_notification_emails

    try:
        send_notification_emails.apply_async(
            countdown=settings.NOTIFICATION_EMAIL_DELAY, retry_policy=KICK_RETRY_POLICY
        )
    except BROKER_ERRORS as error:
        logger.warning("notification emails: could not ask for a run (%s); beat's next run sends them", error)


# --- The email ----------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


@dataclass
class Item:
    headline: str  # "Ann replied in “Why is my view slow?”"
    excerpt: str
    url: str  # through /notifications/<id>/: opening it marks the notification read


@dataclass
class NotificationMessage:
    recipient: User
    kind: notification_kinds.EmailKind
    title: str  # what it is about: the thread's title or the reviewed topic's; empty for the account
    items: list[Item]
    reply_url: str
    reply_label: str  # "Reply", or "Open" where there is nothing to answer (in the recipient's language)
    unsubscribe_url: str
    more: int = 0

    @property
    def subject(self) -> str:
        count = len(self.items) + self.more
        if count == 1:
            text = self.items[0].headline
        else:
            with mail_delivery.in_language_of(self.recipient):
                text = self.kind.many % {"count": count, "about": _about(self.title)}
        return text if len(text) <= 200 else text[:199] + "…"

    def render(self) -> tuple[str, str]:
        context = {
            "email": self,
            "name": self.recipient.public_name,
            "site_url": settings.SITE_URL,
            "settings_url": _absolute(reverse("community:notification-settings")),
        }
        with mail_delivery.in_language_of(self.recipient):
            return (
                render_to_string("email/notification.txt", context),
                render_to_string("email/notification.html", context),
            )

    def message(self) -> EmailMultiAlternatives:
        text, html = self.render()
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=text,
            to=[self.recipient.email],
            headers={
                "List-Unsubscribe": f"<{self.unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Auto-Submitted": "auto-generated",
                "Content-Language": mail_delivery.language_of(self.recipient),
            },
        )
        message.attach_alternative(html, "text/html")
        return message


def _is_shown(notification: Notification) -> bool:
    """Unread, and about posts still published (a mentor's notice is about the hidden post
    itself, so it is told whatever became of it)."""
    if notification.read_at is not None:
        return False
    if notification.verb == Notification.Verb.MODERATION:
        return True
    posts = [post for post in (notification.thread, notification.comment) if post is not None]
    return all(post.status == Status.PUBLISHED for post in posts)


class Interest:
    """Whether the member still wants to hear of what each notification tells, as the outbox
    would decide now: a reply, unless they muted its thread since (a mention is told whatever
    the thread's level); a new thread, while they follow one of its tags or its topic for new
    threads. Read for many notifications at once, in at most three queries."""

    def __init__(self, notifications: list[Notification]):
        replies = [row for row in notifications if row.verb == Notification.Verb.REPLY]
        new_threads = [row for row in notifications if row.verb == Notification.Verb.NEW_THREAD]
        self.muted = self._muted(replies) if replies else set()
        self.alerted = self._alerted(new_threads) if new_threads else set()

    @staticmethod
    def _muted(replies) -> set[tuple[int, int]]:
        mutes = ThreadMute.objects.filter(
            user_id__in={row.recipient_id for row in replies},
            thread_id__in={row.thread_id for row in replies},
        )
        return set(mutes.values_list("user_id", "thread_id"))

    @staticmethod
    def _alerted(new_threads) -> set[tuple[int, int]]:
        """(member, thread) pairs where the member follows one of the thread's tags or its topic
        for new threads."""
        thread_tags: dict[int, set[int]] = {}
        for thread_id, tag_id in Thread.tags.through.objects.filter(
            thread_id__in={row.thread_id for row in new_threads}
        ).values_list("thread_id", "tag_id"):
            thread_tags.setdefault(thread_id, set()).add(tag_id)
        told_of: dict[int, list[Notification]] = {}
        for row in new_threads:
            told_of.setdefault(row.recipient_id, []).append(row)
        follows = Follow.objects.filter(notify_new_threads=True, user_id__in=told_of).values_list(
            "user_id", "topic_id", "tag_id"
        )
        alerted = set()
        for user_id, topic_id, tag_id in follows:
            for row in told_of[user_id]:
                if (topic_id and topic_id == row.thread.topic_id) or tag_id in thread_tags.get(
                    row.thread_id, ()
                ):
                    alerted.add((user_id, row.thread_id))
        return alerted

    def holds(self, notification: Notification) -> bool:
        if notification.verb == Notification.Verb.REPLY:
            return (notification.recipient_id, notification.thread_id) not in self.muted
        if notification.verb == Notification.Verb.NEW_THREAD:
            return (notification.recipient_id, notification.thread_id) in self.alerted
        return True


def _about(title: str) -> str:
    return gettext("“%(title)s”") % {"title": title} if title else gettext("your account")


def _title(notification: Notification) -> str:
    if notification.thread is not None:
        return notification.thread.title
    return notification.review.subject_title if notification.review is not None else ""


def _headline(notification: Notification, kind: notification_kinds.EmailKind) -> str:
    """The line naming who did what: a review's step is its own message ("Ann verified your
    work on “Forms”."), the rest the actor, the kind's words and the title."""
    if not kind.one:
        return notification.text.rstrip(".")
    actor = notification.actor.public_name if notification.actor else gettext("A former member")
    return kind.one % {"actor": actor, "about": _about(_title(notification))}


def _excerpt(notification: Notification) -> str:
    if notification.review_id is not None:  # its message is the headline
        return ""
    if notification.notice or notification.message or notification.comment:
        text = notification.text or notification.comment.body
    else:  # a new thread: its opening
        text = notification.thread.body if notification.verb == Notification.Verb.NEW_THREAD else ""
    return Truncator(" ".join(text.split())).chars(EXCERPT_CHARS)


def _open_url(notification: Notification, *, reply: bool = False) -> str:
    path = reverse("community:notification-open", kwargs={"pk": notification.pk})
    return _absolute(path + ("?reply=1" if reply else ""))


def _can_answer(notification: Notification) -> bool:
    """Whether the email's button opens a reply box: under a post, or on a review request still
    going on; a notice, or a review that ended, is only opened."""
    if notification.review is not None:
        return notification.review.is_active
    return notification.verb != Notification.Verb.MODERATION


def build_messages(emails: list[NotificationEmail]) -> dict[int, NotificationMessage | None]:
    """The email of each claim (by its id), from what is still to tell: None when nothing is
    (all read, hidden, no longer wanted, or the kind turned off), or the recipient can no longer
    get emails. Reads everything for all of them at once: at most six queries, however many."""
    if not emails:
        return {}
    recipient_ids = {email.recipient_id for email in emails}
    recipients = {member.pk: member for member in reachable_members().filter(pk__in=recipient_ids)}
    stored = notification_kinds.preferences_of(recipient_ids)
    told: dict[int, list[Notification]] = {email.pk: [] for email in emails}
    for notification in (
        Notification.objects.filter(email_id__in=told)
        .select_related("actor", "thread", "comment", "review__topic", "review__project")
        .order_by("pk")
    ):
        if _is_shown(notification):
            told[notification.email_id].append(notification)
    interest = Interest([notification for rows in told.values() for notification in rows])
    messages = {}
    for email in emails:
        recipient = recipients.get(email.recipient_id)
        wanted = notification_kinds.mode(stored.get(email.recipient_id, {}), email.kind) == Mode.NOW
        rows = [notification for notification in told[email.pk] if interest.holds(notification)]
        messages[email.pk] = _message(email, recipient, rows) if recipient and wanted and rows else None
    return messages


def _message(
    email: NotificationEmail, recipient: User, notifications: list[Notification]
) -> NotificationMessage:
    kind = notification_kinds.get(email.kind)
    shown = notifications[-MAX_SHOWN:]
    last = notifications[-1]
    answerable = _can_answer(last)
    with mail_delivery.in_language_of(recipient):  # the headlines and the button's label
        return NotificationMessage(
            recipient=recipient,
            kind=kind,
            title=_title(last),
            items=[
                Item(
                    headline=_headline(notification, kind),
                    excerpt=_excerpt(notification),
                    url=_open_url(notification),
                )
                for notification in shown
            ],
            reply_url=_open_url(last, reply=answerable),
            reply_label=pgettext("button", "Reply") if answerable else pgettext("button", "Open"),
            unsubscribe_url=unsubscribe_url(recipient, email.kind),
            more=len(notifications) - len(shown),
        )


# --- Claiming and sending -------------------------------------------------------------------


def _waiting(recipient_id: int, thread_id: int | None, review_id: int | None, kind: str):
    """Every notification of this kind about this thread (or review request) waiting for an
    email to this member: once the first of them is due, the email gathers them all."""
    return Notification.objects.filter(
        recipient_id=recipient_id,
        thread_id=thread_id,
        review_id=review_id,
        verb=kind,
        email__isnull=True,
        email_due_at__isnull=False,
    )


def _window_ends(groups, *, now: datetime) -> dict[tuple[int, int | None, int | None], datetime]:
    """For each (member, thread, review request) of these groups still inside a gathering
    window, when it ends: the window opened by the last email about it (skipped ones sent
    nothing and open none). One query for all of them."""
    window = timedelta(seconds=settings.NOTIFICATION_EMAIL_WINDOW)
    recent = (
        NotificationEmail.objects.filter(
            recipient_id__in={recipient_id for recipient_id, *_ in groups}, claimed_at__gt=now - window
        )
        .exclude(status=State.SKIPPED)
        .values_list("recipient_id", "thread_id", "review_id")
        .annotate(last=Max("claimed_at"))
        .order_by()
    )
    return {
        (recipient_id, thread_id, review_id): last + window
        for recipient_id, thread_id, review_id, last in recent
    }


def claim(
    *, recipient_id: int, thread_id: int | None, kind: str, review_id: int | None = None
) -> NotificationEmail | None:
    """Claim one email for this member's waiting notifications of a kind about a thread (or a
    review request), tying them to it in the same transaction; None when another run holds or
    took them. It gathers those not due yet too: they came in while the first waited."""
    about = f"review-{review_id}" if review_id else (thread_id or "-")
    with quick_commit():
        rows = list(
            _waiting(recipient_id, thread_id, review_id, kind)
            .order_by("pk")
            .select_for_update(skip_locked=True)
        )
        if not rows:
            return None
        try:
            with transaction.atomic():
                email = NotificationEmail.objects.create(
                    recipient_id=recipient_id,
                    thread_id=thread_id,
                    review_id=review_id,
                    kind=kind,
                    key=f"{about}:{rows[0].pk}",
                    claimed_at=timezone.now(),  # not the run's start: the sweep measures from here
                )
        except IntegrityError:
            return None
        Notification.objects.filter(pk__in=[row.pk for row in rows]).update(email=email)
    return email


def _retake(email: NotificationEmail) -> NotificationEmail | None:
    """Take over a failed email due another try (compare-and-set on `attempts`)."""
    taken = {
        "status": State.PENDING,
        "will_retry": False,
        "attempts": email.attempts + 1,
        "reason": "",
        "claimed_at": timezone.now(),
    }
    with quick_commit():
        if not NotificationEmail.objects.filter(
            pk=email.pk, status=State.FAILED, will_retry=True, attempts=email.attempts
        ).update(**taken):
            return None
    for name, value in taken.items():
        setattr(email, name, value)
    return email


def _claim_of(email: NotificationEmail) -> mail_delivery.Claim:
    return mail_delivery.Claim(
        model=NotificationEmail,
        pk=email.pk,
        attempts=email.attempts,
        label=f"notification email {email.pk} for user {email.recipient_id}",
        logger=logger,
    )


def retry_delay(attempts: int) -> timedelta:
    """The wait before the next try of an email tried `attempts` times: a minute, doubling, at
    most an hour."""
    doubled = settings.NOTIFICATION_EMAIL_RETRY_DELAY * 2 ** min(max(attempts - 1, 0), 16)
    return timedelta(seconds=min(doubled, settings.NOTIFICATION_EMAIL_RETRY_MAX_DELAY))


def _retry_fields(email: NotificationEmail, *, now: datetime):
    """Tried again after the backoff; an unreachable server is waited out, a server that was
    reached and refused it for now counts towards NOTIFICATION_EMAIL_MAX_ATTEMPTS."""

    def fields(reached_server: bool) -> dict:
        failures = email.server_failures + reached_server
        return {
            "will_retry": failures < settings.NOTIFICATION_EMAIL_MAX_ATTEMPTS,
            "server_failures": failures,
            "retry_at": now + retry_delay(email.attempts),
        }

    return fields


def deliver(email: NotificationEmail, *, mailer: Mailer, now: datetime | None = None) -> str:
    """Build, send and record one claimed email; an Outcome. Raises SmtpUnavailable after
    recording a failure that may pass, so that the run stops using a broken connection."""
    return _send(email, build_messages([email])[email.pk], mailer=mailer, now=now or timezone.now())


def _send(
    email: NotificationEmail, built: NotificationMessage | None, *, mailer: Mailer, now: datetime
) -> str:
    claim = _claim_of(email)
    if built is None:
        return mail_delivery.skip(claim, "nothing left to tell")
    retry_fields = _retry_fields(email, now=now)
    return mail_delivery.send_claimed(claim, built.message(), mailer=mailer, retry_fields=retry_fields)


def _postpone(emails: list[NotificationEmail], *, now: datetime) -> None:
    """Claims the run did not get to try once the SMTP server failed: each waits its turn as
    if the server had been away for it too (an update per number of attempts among them)."""
    for attempts in sorted({email.attempts for email in emails}):
        NotificationEmail.objects.filter(
            pk__in=[email.pk for email in emails if email.attempts == attempts],
            status=State.PENDING,
            attempts=attempts,
        ).update(
            status=State.FAILED,
            will_retry=True,
            retry_at=now + retry_delay(attempts),
            reason="not tried: the SMTP server failed on an earlier email of the run",
        )


@dataclass
class RunResult:
    counts: dict[str, int] = field(default_factory=dict)
    stopped: str = ""

    def add(self, outcome: str) -> None:
        self.counts[outcome] = self.counts.get(outcome, 0) + 1

    def __str__(self):
        text = ", ".join(f"{count} {outcome}" for outcome, count in sorted(self.counts.items())) or "nothing"
        return f"{text}; stopped: {self.stopped}" if self.stopped else text


def send_due(*, now: datetime | None = None) -> RunResult:
    """One run: settle dead workers' claims, take the failed emails due another try, defer or
    claim every group of notifications due (at most NOTIFICATION_EMAIL_GROUPS_PER_RUN each),
    then read what all the claims tell at once and send them over one connection. Its reads
    are a fixed number of queries; each email adds only its own writes."""
    now = now or timezone.now()
    result = RunResult()
    sweep(now=now)
    _give_up_old(now=now)
    claimed = _retake_due(now=now, result=result) + _claim_due(now=now, result=result)
    messages = build_messages(claimed)
    mailer = Mailer()
    tried = 0
    try:
        for email in claimed:
            tried += 1
            result.add(_send(email, messages[email.pk], mailer=mailer, now=now))
    except SmtpUnavailable as error:
        _postpone(claimed[tried:], now=now)
        result.stopped = str(error)[:200]
        logger.warning("notification emails: the SMTP server failed (%s); it is tried again later", error)
    finally:
        mailer.close()
    return result


def _retake_due(*, now: datetime, result: RunResult) -> list[NotificationEmail]:
    due = NotificationEmail.objects.filter(status=State.FAILED, will_retry=True, retry_at__lte=now)
    retaken = []
    for email in due.order_by("retry_at", "pk")[: settings.NOTIFICATION_EMAIL_GROUPS_PER_RUN]:
        if _retake(email) is None:
            result.add(Outcome.TAKEN)
        else:
            retaken.append(email)
    return retaken


def _claim_due(*, now: datetime, result: RunResult) -> list[NotificationEmail]:
    """Claim an email for each group of notifications due, or defer the group to the end of
    its gathering window."""
    groups = list(
        Notification.objects.filter(email__isnull=True, email_due_at__lte=now)
        .values_list("recipient_id", "thread_id", "review_id", "verb")
        .distinct()
        .order_by()[: settings.NOTIFICATION_EMAIL_GROUPS_PER_RUN]
    )
    window_ends = _window_ends(groups, now=now) if groups else {}
    claimed, claimed_about = [], set()
    for recipient_id, thread_id, review_id, kind in groups:
        about = (recipient_id, thread_id, review_id)
        if about in claimed_about:
            # Another kind about the same thread, claimed just now: the next run defers this
            # to the end of the window that email opens, or claims it if that one was skipped.
            result.add(Outcome.DEFERRED)
            continue
        window_end = window_ends.get(about)
        if window_end is not None and window_end > now:
            _waiting(recipient_id, thread_id, review_id, kind).update(email_due_at=window_end)
            result.add(Outcome.DEFERRED)
            continue
        email = claim(recipient_id=recipient_id, thread_id=thread_id, review_id=review_id, kind=kind)
        if email is None:
            result.add(Outcome.TAKEN)
            continue
        claimed.append(email)
        claimed_about.add(about)
    return claimed


def sweep(*, now: datetime) -> None:
    """Settle the claims of workers that died: retried if their send had not started,
    "ambiguous" (logged, never resent) if it had."""
    mail_delivery.sweep(
        NotificationEmail,
        cutoff=now - timedelta(seconds=settings.NOTIFICATION_EMAIL_CLAIM_TIMEOUT),
        label=lambda email: f"notification email {email.pk} for user {email.recipient_id}",
        logger=logger,
        retry_fields={"will_retry": True, "retry_at": now},
    )


def _give_up_old(*, now: datetime) -> None:
    """Failed emails first tried more than NOTIFICATION_EMAIL_RETRY_FOR ago are not tried again:
    what they tell waits on the site (and in the digest)."""
    hours = settings.NOTIFICATION_EMAIL_RETRY_FOR // 3600
    NotificationEmail.objects.filter(
        will_retry=True, created_at__lt=now - timedelta(seconds=settings.NOTIFICATION_EMAIL_RETRY_FOR)
    ).update(
        will_retry=False,
        reason=Left(Concat(Value(f"given up after {hours} hours; last: "), F("reason")), 300),
    )
