"""Sending one claimed email at most once: the protocol digests (community.digest.delivery) and
notification emails (community.notification_emails) share.

A sender first claims a row that records the email (DigestDelivery, NotificationEmail: both have
`status`, `attempts`, `will_retry`, `claimed_at`, `sending_at`, `sent_at`, `subject` and
`reason`); how it claims, and what it sends, is its own business. From the claim on:

- `sending_at` is set, in its own durable commit, at the moment of hand-over: after the
  message's content has gone to the SMTP server and just before the end of its data
  (config.mail). A worker that dies before then leaves a pending row without `sending_at`, and
  the server discards the unfinished message, so `sweep` has it retried.
- A row still pending with `sending_at` set was handed over when its worker died, and so is a
  send whose connection failed before the server answered the end of data: whether the server
  accepted that message is unknowable, so it is recorded as failed ("ambiguous"), logged and
  never resent.
- A server that refuses the message for good (5xx) fails it for good. A server that cannot be
  reached, or fails in a way that may pass, fails it with the sender's retry fields (whether,
  and when, it is tried again), and the run stops: its connection is no use.

Every write is checked against the claim (`status` pending, `attempts` unchanged): a claim taken
over meanwhile (by the sweep, a retry) is no longer the worker's to send or record.
"""

import logging
import smtplib
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation

from accounts.models import User
from config.mail import EmailBackend as HandOverEmailBackend

PENDING, SENT, SKIPPED, FAILED = "pending", "sent", "skipped", "failed"


class SmtpUnavailable(Exception):
    """The SMTP server could not take an email now (recorded, to be retried): the caller stops
    using the connection."""


class Outcome:
    SENT = "sent"
    SKIPPED = "skipped"
    TAKEN = "taken"
    FAILED = "failed"


def language_of(member: User) -> str:
    """The language a member's emails are written in: their saved choice, else the site's."""
    return member.language or settings.LANGUAGE_CODE


def in_language_of(member: User):
    """Build and render what is sent to `member` in their language, not the language of the
    request or worker that happens to send it."""
    return translation.override(language_of(member))


def reachable_members():
    """Members who can get emails: active, with their login address verified."""
    verified = EmailAddress.objects.filter(
        user=OuterRef("pk"), email__iexact=OuterRef("email"), verified=True
    )
    return User.objects.filter(is_active=True).filter(Exists(verified))


@contextmanager
def quick_commit():
    """A transaction whose commit does not wait for the disk (PostgreSQL: synchronous_commit
    off; elsewhere a plain transaction). Every write of a send uses it except the marks of a
    send started or failed: losing a claim or an outcome in a database crash is harmless (the
    row is missing, or left pending for the sweep), and the durable commit before each send
    flushes every earlier write to disk with it."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def is_permanent(error: Exception) -> bool:
    """The server refused this message for good (5xx for the recipient or the content)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


class Mailer:
    """One SMTP connection for a whole run, opened when the first message needs it."""

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


# Whether, and when, a failure that may pass is tried again: the fields it sets, given whether
# the server was reached (False: it could not be connected to, which says nothing of the message).
RetryFields = Callable[[bool], dict]


@dataclass(frozen=True)
class Claim:
    """A claimed row, as its worker holds it."""

    model: type[models.Model]
    pk: int
    attempts: int
    label: str  # how the log names it: "digest daily:2026-11-24 for user 7"
    logger: logging.Logger

    def still_ours(self):
        return self.model.objects.filter(pk=self.pk, status=PENDING, attempts=self.attempts)

    def row(self):
        return self.model.objects.filter(pk=self.pk)

    def update_if_ours(self, **fields) -> int:
        """Set plain values on the row while the claim holds; 1 if it did, 0 if it was taken
        over. `still_ours().update(...)` in one statement written here: it runs two or three
        times for every email, and compiling the ORM's UPDATE costs more than running it."""
        return self._update(fields, "AND status = %s AND attempts = %s", [PENDING, self.attempts])

    def update(self, **fields) -> int:
        """`row().update(...)` for plain values, written as update_if_ours is."""
        return self._update(fields, "", [])

    def record_quickly(self, *, only_if_ours: bool, **fields) -> None:
        """update_if_ours (or update) in a commit that does not wait for the disk
        (quick_commit), sent to PostgreSQL in one round trip instead of four (BEGIN, SET LOCAL,
        UPDATE, COMMIT): how the outcome of every email is recorded."""
        condition, params = (
            ("AND status = %s AND attempts = %s", [PENDING, self.attempts]) if only_if_ours else ("", [])
        )
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            with quick_commit():
                self._update(fields, condition, params)
            return
        self._update(
            fields, condition, params, before="BEGIN; SET LOCAL synchronous_commit TO OFF; ", after="; COMMIT"
        )

    def _update(
        self, fields: dict, condition: str, condition_params: list, *, before: str = "", after: str = ""
    ) -> int:
        meta, quote = self.model._meta, connection.ops.quote_name
        assignments, params = [], []
        for name, value in fields.items():
            model_field = meta.get_field(name)
            assignments.append(f"{quote(model_field.column)} = %s")
            params.append(model_field.get_db_prep_save(value, connection))
        with connection.cursor() as cursor:
            cursor.execute(
                f"{before}UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} "
                f"WHERE {quote(meta.pk.column)} = %s {condition}{after}",
                [*params, self.pk, *condition_params],
            )
            return cursor.rowcount


class _NoLongerOurs(Exception):
    """The claim was taken over (the sweep, a retry) before the message was handed over."""


def skip(claim: Claim, reason: str) -> str:
    """Nothing to send after all: the claim ends as skipped."""
    claim.record_quickly(only_if_ours=True, status=SKIPPED, reason=reason[:300])
    return Outcome.SKIPPED


def send_claimed(
    claim: Claim, message: EmailMultiAlternatives, *, mailer: Mailer, retry_fields: RetryFields
) -> str:
    """Send one claimed message and record how it went; an Outcome. Raises SmtpUnavailable
    after recording a failure that may pass, so that the run stops using a broken connection."""
    try:
        mailer.open()
    except (smtplib.SMTPException, OSError) as error:
        claim.still_ours().update(
            status=FAILED, reason=f"SMTP server unreachable: {error}"[:300], **retry_fields(False)
        )
        raise SmtpUnavailable(f"{claim.label}: SMTP server unreachable: {error}") from error
    handed_over = False

    def record_handover():
        """The one durable commit, just before the end of the message's data."""
        nonlocal handed_over
        if not claim.update_if_ours(sending_at=timezone.now(), subject=message.subject[:200]):
            raise _NoLongerOurs
        handed_over = True

    try:
        mailer.send(message, before_handover=record_handover)
    except _NoLongerOurs:
        mailer.close()
        return Outcome.TAKEN
    except (smtplib.SMTPException, OSError) as error:
        if handed_over and mailer.marks_end_of_data and not isinstance(error, smtplib.SMTPResponseException):
            _record_ambiguous(claim, error)
            mailer.close()
            raise SmtpUnavailable(f"{claim.label}: {error}") from error
        if is_permanent(error):
            claim.row().update(
                status=FAILED, will_retry=False, sending_at=None, reason=str(error)[:300] or repr(error)
            )
            claim.logger.warning("%s refused for good: %s", claim.label, error)
            return Outcome.FAILED
        claim.row().update(
            status=FAILED, sending_at=None, reason=str(error)[:300] or repr(error), **retry_fields(True)
        )
        mailer.close()
        raise SmtpUnavailable(f"{claim.label}: {error}") from error
    claim.record_quickly(only_if_ours=False, status=SENT, sent_at=timezone.now(), reason="", will_retry=False)
    return Outcome.SENT


def _record_ambiguous(claim: Claim, error: Exception) -> None:
    """The end of data went out and no answer came back: accepted or not, nobody can tell."""
    claim.row().update(
        status=FAILED, will_retry=False, reason=f"ambiguous: {error or repr(error)}; not resent"[:300]
    )
    claim.logger.warning(
        "%s is ambiguous: the connection failed after the end of its data (%s), so it may or may "
        "not have been accepted; it is not resent",
        claim.label,
        error or repr(error),
    )


def sweep(
    model: type[models.Model],
    *,
    cutoff: datetime,
    label: Callable[[models.Model], str],
    logger: logging.Logger,
    retry_fields: dict,
) -> int:
    """Settle the claims of workers that died (pending, claimed before `cutoff`): "ambiguous"
    (logged, never resent) if their send had started, else failed with `retry_fields` (which
    may hold expressions over the row). Returns how many were ambiguous."""
    stale = model.objects.filter(status=PENDING, claimed_at__lt=cutoff)
    ambiguous = list(stale.filter(sending_at__isnull=False))
    for row in ambiguous:
        settled = stale.filter(pk=row.pk, sending_at__isnull=False).update(
            status=FAILED,
            will_retry=False,
            reason="ambiguous: the worker stopped during the SMTP send; not resent",
        )
        if settled:
            logger.warning(
                "%s is ambiguous: its worker stopped during the SMTP send started at %s, so the "
                "email may or may not have gone out; it is not resent",
                label(row),
                row.sending_at.isoformat(),
            )
    stale.filter(sending_at__isnull=True).update(
        status=FAILED, reason="the worker stopped before sending", **retry_fields
    )
    return len(ambiguous)
