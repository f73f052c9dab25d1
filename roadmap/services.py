"""Writes for roadmaps: a learner's progress and notes."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from roadmap.models import Note, Progress, Roadmap, Topic

CLEAR = "none"
STATUS_CHOICES = [*Progress.Status.values, CLEAR]


def set_progress(*, user, topic: Topic, status: str) -> Progress | None:
    """Set the user's status on a topic; `none` clears it. Safe against double submits."""
    if status not in STATUS_CHOICES:
        raise ValidationError(
            f"Unknown status “{status}”. Choose one of: {', '.join(STATUS_CHOICES)}.", code="invalid_status"
        )
    if status == CLEAR:
        Progress.objects.filter(user=user, topic=topic).delete()
        return None
    try:
        with transaction.atomic():
            progress, _ = Progress.objects.update_or_create(
                user=user, topic=topic, defaults={"status": status}
            )
    except IntegrityError:  # the same click twice at once: the other request created the row
        progress = Progress.objects.get(user=user, topic=topic)
        progress.status = status
        progress.save(update_fields=["status", "updated_at"])
    return progress


def save_note(*, user, topic: Topic, body: str) -> Note | None:
    """Save the user's private note on a topic; an empty note is removed."""
    body = body.strip()
    if len(body) > Note.MAX_LENGTH:
        raise ValidationError(
            f"Notes can be at most {Note.MAX_LENGTH:,} characters long; this one has {len(body):,}.",
            code="too_long",
        )
    if not body:
        Note.objects.filter(user=user, topic=topic).delete()
        return None
    note = Note.objects.filter(user=user, topic=topic).first() or Note(user=user, topic=topic)
    note.body = body
    note.save()
    return note


def reset_progress(*, user, roadmap: Roadmap) -> int:
    deleted, _ = Progress.objects.filter(user=user, topic__roadmap=roadmap).delete()
    return deleted
