"""Sending digest emails exactly once: claiming, sending, and the sweep after a crash.

A digest covers one period in the learner's own timezone (`daily:2026-11-24`,
`weekly:2026-W48`). Before building it, the sender claims a `DigestDelivery` row for that
period; the unique constraint on (user, period_key) settles races between workers, retries
and redelivered messages, so a second claim for the same period finds the row taken and
sends nothing.

A claimed row moves pending -> sent, skipped (nothing new) or failed, by the protocol every
email of the site follows (community.mail_delivery): `sending_at` is committed just before the
end of the message's data, and a send that may have been accepted is never repeated. A server
that cannot be reached at all says nothing about the message, so that is retried for as long as
the period lasts; every other failure until DIGEST_MAX_ATTEMPTS.

Learners due whose batch died before claiming them have no row, so the next schedule (every
15 minutes) queues them again; claims of a dead worker are retried by the sweep (every 5
minutes) once older than DIGEST_CLAIM_TIMEOUT (6 minutes). Everyone not handed over is thus
sent their digest within about 20 minutes of a crash.

A batch of digests reads everything it shows up front (DigestBuilder, a fixed number of
queries per batch) and claims them all in one INSERT, then writes two rows' worth per digest:
the start of the send (the only commit that waits for the disk) and the outcome. Claims the
batch does not reach (the SMTP server failed it) are given back for its retry.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection
from django.db.models import Case, Value, When
from django.utils import timezone

from accounts.models import User
from community import mail_delivery
from community.digest.content import DigestBuilder, digest_builder
from community.digest.periods import PERIOD_LENGTH, eligible_users, local_time, period_key
from community.mail_delivery import Mailer, SmtpUnavailable, quick_commit
from community.models import DigestDelivery

# Every digest event logs under one name, whichever module of the package writes it.
logger = logging.getLogger("community.digest")

State = DigestDelivery.State


class DigestSendError(SmtpUnavailable):
    """The SMTP server could not take a digest right now; the batch is retried later."""


def claim_new_deliveries(*, users, now: datetime) -> dict[int, int]:
    """Claim the delivery of each of these users for their period at `now`, all in one INSERT
    in its own transaction; {user id: delivery id} for the rows it created. A user whose row
    exists already (another worker's claim, a delivery finished or failed) is left out, for
    claim_delivery to take over if it is due a retry. The claims a batch does not reach are
    released (release_unsent_claims) or, if its worker dies, swept like any other."""
    if not users:
        return {}
    table = connection.ops.quote_name(DigestDelivery._meta.db_table)
    claimed_at = connection.ops.adapt_datetimefield_value(timezone.now())
    rows, params = [], []
    for user in users:
        rows.append("(%s, %s, %s, '', '', 1, %s, %s, %s)")
        params += [user.pk, period_key(user, now), State.PENDING, False, claimed_at, claimed_at]
    with quick_commit(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, period_key, status, reason, subject, attempts, will_retry, "
            f"claimed_at, created_at) VALUES {', '.join(rows)} "
            "ON CONFLICT (user_id, period_key) DO NOTHING RETURNING id, user_id",
            params,
        )
        return {user_id: pk for pk, user_id in cursor.fetchall()}


def release_unsent_claims(delivery_ids) -> None:
    """Give up claims made for a batch that stopped before reaching them (their send never
    started), so that the batch's retry claims them afresh instead of waiting for the sweep."""
    if delivery_ids:
        with quick_commit():
            DigestDelivery.objects.filter(
                pk__in=list(delivery_ids), status=State.PENDING, attempts=1, sending_at__isnull=True
            ).delete()


def claim_delivery(*, user, key: str) -> DigestDelivery | None:
    """Claim the user's delivery for this period, in its own transaction; None when another
    worker holds it or it is finished. A failed delivery due another try is taken over
    (compare-and-set on `attempts`, which also fences out the worker that held it before)."""
    try:
        with quick_commit():
            return DigestDelivery.objects.create(user=user, period_key=key, claimed_at=timezone.now())
    except IntegrityError:
        pass
    retryable = DigestDelivery.objects.filter(user=user, period_key=key, status=State.FAILED, will_retry=True)
    row = retryable.values("pk", "attempts").first()
    if row is None:
        return None
    with quick_commit():
        taken = retryable.filter(pk=row["pk"], attempts=row["attempts"]).update(
            status=State.PENDING,
            will_retry=False,
            attempts=row["attempts"] + 1,
            reason="",
            claimed_at=timezone.now(),
        )
    return DigestDelivery.objects.get(pk=row["pk"]) if taken else None


class Outcome(mail_delivery.Outcome):
    NOT_DUE = "not_due"


def deliver_digest(*, user, builder: DigestBuilder, mailer: Mailer, claimed: int | None = None) -> str:
    """Build, send and record one user's digest for the period of `builder.now`, under the
    delivery `claimed` for it (claim_new_deliveries) or else a claim made now; an Outcome.
    Raises DigestSendError after recording a failure that may pass, so that the caller stops
    using a broken connection and retries later."""
    key = period_key(user, builder.now)
    if claimed is not None:
        pk, attempts = claimed, 1
    else:
        delivery = claim_delivery(user=user, key=key)
        if delivery is None:
            return Outcome.TAKEN
        pk, attempts = delivery.pk, delivery.attempts
    claim = mail_delivery.Claim(
        model=DigestDelivery,
        pk=pk,
        attempts=attempts,
        label=f"digest {key} for user {user.pk}",
        logger=logger,
    )
    digest = builder.build(user)
    if digest is None:
        return mail_delivery.skip(claim, f"nothing new since {builder.since[user.pk]:%Y-%m-%d %H:%M} UTC")
    try:
        return mail_delivery.send_claimed(
            claim, digest.message(), mailer=mailer, retry_fields=_retry_fields(attempts)
        )
    except SmtpUnavailable as error:
        raise DigestSendError(str(error)) from error


def _retry_fields(attempts: int):
    """An unreachable server is waited out however many attempts that takes, while the period
    lasts (the sweep queues it again); a failure of the send itself, until DIGEST_MAX_ATTEMPTS."""

    def fields(reached_server: bool) -> dict:
        return {"will_retry": not reached_server or attempts < settings.DIGEST_MAX_ATTEMPTS}

    return fields


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
    Reads take a fixed number of queries for the whole batch, and so do the claims of the
    digests never claimed before (one INSERT); each digest then writes the start of its send
    and its outcome.
    """
    now = now or timezone.now()
    result = BatchResult()
    users = list(eligible_users(now).filter(pk__in=list(user_ids)).order_by("pk"))
    due = [user for user in users if ignore_hour or local_time(user, now).hour >= user.digest_hour]
    outcomes = {user.pk: Outcome.NOT_DUE for user in users}
    builder = digest_builder(due, now=now)
    unsent = claim_new_deliveries(users=due, now=now)
    mailer = Mailer()
    try:
        for user in users:
            if user.pk in builder.users:
                claimed = unsent.pop(user.pk, None)
                outcomes[user.pk] = deliver_digest(user=user, builder=builder, mailer=mailer, claimed=claimed)
            result.add(outcomes[user.pk])
            if on_result is not None:
                on_result(user, outcomes[user.pk])
    finally:
        mailer.close()
        release_unsent_claims(unsent.values())
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
    ambiguous = mail_delivery.sweep(
        DigestDelivery,
        cutoff=cutoff,
        label=lambda row: f"digest delivery {row.pk} ({row.period_key} for user {row.user_id})",
        logger=logger,
        retry_fields={
            "will_retry": Case(
                When(attempts__lt=settings.DIGEST_MAX_ATTEMPTS, then=Value(True)), default=Value(False)
            )
        },
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
            "digest sweep: %d to retry, %d ambiguous, %d abandoned", len(requeue), ambiguous, abandoned
        )
    return SweepResult(requeue_user_ids=requeue, ambiguous=ambiguous, abandoned=abandoned)
