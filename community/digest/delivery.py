"""Sending digest emails exactly once: claiming, sending, and the sweep after a crash.

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
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Value, When
from django.utils import timezone

from accounts.models import User
from community.digest.content import DigestBuilder, digest_builder
from community.digest.periods import PERIOD_LENGTH, eligible_users, local_time, period_key
from community.models import DigestDelivery
from config.mail import EmailBackend as HandOverEmailBackend

# Every digest event logs under one name, whichever module of the package writes it.
logger = logging.getLogger("community.digest")

State = DigestDelivery.State


class DigestSendError(Exception):
    """The SMTP server could not take a digest right now; the batch is retried later."""


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
