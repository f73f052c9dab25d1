"""Writes for roadmaps: a learner's progress and notes."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from roadmap import history, hooks
from roadmap.models import Note, Progress, ProgressEvent, Roadmap, Topic

CLEAR = "none"
STATUS_CHOICES = [*Progress.Status.values, CLEAR]


@transaction.atomic
def set_progress(*, user, topic: Topic, status: str) -> Progress | None:
    """Set the user's status on a topic; `none` clears it. Safe against double submits.

    A topic that stops being done loses its mentor's verification (the review request keeps
    the history) and closes any review request still open on it (roadmap.hooks)."""
    if status not in STATUS_CHOICES:
        raise ValidationError(
            f"Unknown status “{status}”. Choose one of: {', '.join(STATUS_CHOICES)}.", code="invalid_status"
        )
    if status != Progress.Status.DONE:
        hooks.progress_undone(user=user, topic_ids=[topic.pk])
    if status == CLEAR:
        Progress.objects.filter(user=user, topic=topic).delete()
        return None
    defaults = {"status": status}
    if status != Progress.Status.DONE:
        defaults.update(verified_by=None, verified_at=None)
    try:
        with transaction.atomic():
            progress, _ = Progress.objects.update_or_create(user=user, topic=topic, defaults=defaults)
    except IntegrityError:  # the same click twice at once: the other request created the row
        progress = Progress.objects.get(user=user, topic=topic)
        for name, value in defaults.items():
            setattr(progress, name, value)
        progress.save(update_fields=[*defaults, "updated_at"])
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


@transaction.atomic
def reset_progress(*, user, roadmap: Roadmap) -> int:
    """Clear the user's statuses on a roadmap; the history keeps them, with a reset appended
    for each topic in one insert."""
    rows = Progress.objects.filter(user=user, topic__roadmap=roadmap)
    topic_ids = list(rows.values_list("topic_id", flat=True))
    hooks.progress_undone(user=user, topic_ids=topic_ids)
    history.append(user_id=user.pk, topic_ids=topic_ids, kind=ProgressEvent.Kind.RESET)
    with history.recorded_by_caller():
        deleted, _ = rows.delete()
    return deleted
