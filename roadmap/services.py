"""Writes for roadmaps: a learner's progress, notes and quiz attempts."""

import time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from roadmap import caches, history, hooks, selectors
from roadmap.models import Note, Progress, ProgressEvent, QuizAttempt, Roadmap, Topic

QUIZ_ATTEMPTS_PER_MINUTE = 5


class TooManyAttempts(Exception):
    """A learner submitted quizzes faster than anyone reads the explanations."""

    retry_after = 60


CLEAR = "none"
STATUS_CHOICES = [*Progress.Status.values, CLEAR]


@transaction.atomic
def set_progress(*, user, topic: Topic, status: str) -> Progress | None:
    """Set the user's status on a topic; `none` clears it. Safe against double submits.

    A topic that stops being done loses its mentor's verification (the review request keeps
    the history) and closes any review request still open on it (roadmap.hooks)."""
    if status not in STATUS_CHOICES:
        raise ValidationError(
            gettext("Unknown status “%(status)s”. Choose one of: %(choices)s.")
            % {"status": status, "choices": ", ".join(STATUS_CHOICES)},
            code="invalid_status",
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
            gettext("Notes can be at most %(limit)s characters long; this one has %(length)s.")
            % {
                "limit": number_format(Note.MAX_LENGTH, force_grouping=True),
                "length": number_format(len(body), force_grouping=True),
            },
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


def submit_quiz_attempt(*, user, topic: Topic, answers: dict) -> QuizAttempt:
    """Mark a learner's answers to a topic's quiz and keep the attempt. `answers` maps each
    question's id to the keys of the options chosen for it; every question needs one.

    Passing (every question right) records the first pass on the learner's Progress: a topic
    they had not started becomes one they are learning, since they evidently are."""
    minute = int(time.time() // 60)
    if caches.QUIZ_ATTEMPTS.increment(user_id=user.pk, minute=minute) > QUIZ_ATTEMPTS_PER_MINUTE:
        raise TooManyAttempts(
            ngettext(
                "You have sent %(count)s quiz attempt within a minute. "
                "Take a moment with the explanations, then try again in a minute.",
                "You have sent %(count)s quiz attempts within a minute. "
                "Take a moment with the explanations, then try again in a minute.",
                QUIZ_ATTEMPTS_PER_MINUTE,
            )
            % {"count": QUIZ_ATTEMPTS_PER_MINUTE}
        )
    questions = selectors.quiz(roadmap_id=topic.roadmap_id, topic_id=topic.pk)
    if not questions:
        raise ValidationError(gettext("This topic has no quiz."), code="no_quiz")
    cleaned: dict[str, list[str]] = {}
    unanswered = 0
    for question in questions:
        given = answers.get(question.id, answers.get(str(question.id))) or []
        if isinstance(given, str):
            given = [given]
        keys = {option.key for option in question.options}
        chosen = sorted({key for key in given if isinstance(key, str) and key in keys})
        if len(chosen) != len(set(given)):
            raise ValidationError(
                gettext(
                    "An answer names an option that is not in its question; reload the quiz and try again."
                ),
                code="unknown_option",
            )
        if not chosen:
            unanswered += 1
        elif not question.is_multiple and len(chosen) > 1:
            raise ValidationError(
                gettext("Choose one option for a question that has one answer."), code="one_answer"
            )
        cleaned[str(question.id)] = chosen
    if unanswered:
        raise ValidationError(
            ngettext(
                "Answer every question: %(count)s of %(total)s is still open.",
                "Answer every question: %(count)s of %(total)s are still open.",
                unanswered,
            )
            % {"count": unanswered, "total": len(questions)},
            code="unanswered",
        )
    marked = selectors.mark(questions, cleaned)
    score = sum(question.is_right for question in marked)
    passed = score == len(questions)
    with transaction.atomic():
        attempt = QuizAttempt.objects.create(
            learner=user, topic=topic, answers=cleaned, score=score, total=len(questions), passed=passed
        )
        if passed:
            _record_quiz_pass(user=user, topic=topic, when=attempt.created_at)
    return attempt


def _record_quiz_pass(*, user, topic: Topic, when) -> None:
    progress = Progress.objects.select_for_update().filter(user=user, topic=topic).first()
    if progress is None:
        try:
            with transaction.atomic():
                Progress.objects.create(
                    user=user, topic=topic, status=Progress.Status.LEARNING, quiz_passed_at=when
                )
            return
        except IntegrityError:  # a status set at the same moment created the row
            progress = Progress.objects.select_for_update().get(user=user, topic=topic)
    if progress.quiz_passed_at is None:
        progress.quiz_passed_at = when
        progress.save(update_fields=["quiz_passed_at", "updated_at"])
