"""Digest emails: who is due (periods), what goes into each learner's digest (content), sending
it exactly once (delivery), unsubscribe links (unsubscribe) and the account export (exports).

The names the rest of the project uses are importable from here."""

from community.digest.content import Digest, DigestBuilder, build_digest, digest_builder
from community.digest.delivery import (
    BatchResult,
    DigestSendError,
    Mailer,
    Outcome,
    SweepResult,
    claim_delivery,
    deliver_digest,
    send_digests,
    sweep_stale_claims,
)
from community.digest.exports import export_deliveries
from community.digest.periods import (
    PERIOD_LENGTH,
    Frequency,
    State,
    digest_since,
    due_user_ids,
    eligible_users,
    is_due,
    local_time,
    news_start,
    period_key,
    previous_digests,
)
from community.digest.unsubscribe import (
    masked_email,
    unsubscribe_token,
    unsubscribe_url,
    user_for_unsubscribe_token,
)

__all__ = [
    "PERIOD_LENGTH",
    "BatchResult",
    "Digest",
    "DigestBuilder",
    "DigestSendError",
    "Frequency",
    "Mailer",
    "Outcome",
    "State",
    "SweepResult",
    "build_digest",
    "claim_delivery",
    "deliver_digest",
    "digest_builder",
    "digest_since",
    "due_user_ids",
    "eligible_users",
    "export_deliveries",
    "is_due",
    "local_time",
    "masked_email",
    "news_start",
    "period_key",
    "previous_digests",
    "send_digests",
    "sweep_stale_claims",
    "unsubscribe_token",
    "unsubscribe_url",
    "user_for_unsubscribe_token",
]
