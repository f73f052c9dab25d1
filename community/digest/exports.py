"""A learner's digest deliveries in their account export (registered in community.apps)."""

from community.models import DigestDelivery


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
