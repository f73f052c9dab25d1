"""Where learners get stuck, per topic: the TopicInsight summary table, recomputed off the
request path by a periodic task (community.tasks.refresh_topic_insights) from the progress
history, the learners' current statuses, the threads and the review requests.

For each published topic: learners on it now (learning, with a change in the last STALL_DAYS
days), the median and 90th-percentile days from first starting it to last finishing it, how
many gave up (skipped it after learning it, or learning it with no change for STALL_DAYS days),
questions asked on it and those without an accepted answer, and review requests no mentor holds.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q
from django.utils import timezone

from community.models import ReviewRequest, Thread, TopicInsight
from roadmap.models import Progress, ProgressEvent, Topic

STALL_DAYS = 30
UPSERT_BATCH = 1000
UPDATED_FIELDS = [
    "learners_now",
    "finished",
    "median_days",
    "p90_days",
    "gave_up",
    "questions",
    "unanswered",
    "reviews_waiting",
    "computed_at",
]


def percentile(values: list[float], fraction: float) -> float | None:
    """The value below which `fraction` of the sorted `values` lie, interpolated between the two
    nearest (as PostgreSQL's percentile_cont); None without values."""
    if not values:
        return None
    position = (len(values) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (values[upper] - values[lower]) * (position - lower)


def _statuses(*, stalled_before: datetime) -> dict[int, dict]:
    """Learners on each topic now, and those who gave up: one query."""
    was_learning = ProgressEvent.objects.filter(
        user_id=OuterRef("user_id"), topic_id=OuterRef("topic_id"), kind=ProgressEvent.Kind.LEARNING
    )
    learning = Q(status=Progress.Status.LEARNING)
    rows = (
        Progress.objects.filter(status__in=[Progress.Status.LEARNING, Progress.Status.SKIPPED])
        .annotate(was_learning=Exists(was_learning))
        .values("topic_id")
        .annotate(
            learners_now=Count("pk", filter=learning & Q(updated_at__gte=stalled_before)),
            gave_up=Count(
                "pk",
                filter=(learning & Q(updated_at__lt=stalled_before))
                | Q(status=Progress.Status.SKIPPED, was_learning=True),
            ),
        )
        .values_list("topic_id", "learners_now", "gave_up")
        .order_by()
    )
    return {topic_id: {"learners_now": now, "gave_up": gave_up} for topic_id, now, gave_up in rows}


def _durations() -> dict[int, list[float]]:
    """Days from first starting to last finishing, per topic, for every learner who did both in
    that order, sorted: one query, one row per learner and topic."""
    rows = (
        ProgressEvent.objects.values("user_id", "topic_id")
        .annotate(
            started=Min("created_at", filter=Q(kind=ProgressEvent.Kind.LEARNING)),
            finished=Max("created_at", filter=Q(kind=ProgressEvent.Kind.DONE)),
        )
        .filter(started__isnull=False, finished__gt=F("started"))
        .values_list("topic_id", "started", "finished")
        .order_by()
    )
    durations: dict[int, list[float]] = defaultdict(list)
    for topic_id, started, finished in rows.iterator(chunk_size=5000):
        durations[topic_id].append((finished - started).total_seconds() / 86400)
    for values in durations.values():
        values.sort()
    return durations


def _questions() -> dict[int, tuple[int, int]]:
    rows = (
        Thread.objects.published()
        .filter(topic__isnull=False)
        .values("topic_id")
        .annotate(asked=Count("pk"), unanswered=Count("pk", filter=Q(accepted_comment__isnull=True)))
        .values_list("topic_id", "asked", "unanswered")
        .order_by()
    )
    return {topic_id: (asked, unanswered) for topic_id, asked, unanswered in rows}


def _reviews_waiting() -> dict[int, int]:
    return dict(
        ReviewRequest.objects.unclaimed()
        .values("topic_id")
        .annotate(count=Count("pk"))
        .values_list("topic_id", "count")
        .order_by()
    )


def refresh_topic_insights(*, now: datetime | None = None) -> int:
    """Recompute every published topic's row (and drop the rows of topics no longer published)
    in a fixed number of queries, whatever the number of learners. Safe to run twice. Returns
    the number of topics summarised."""
    now = now or timezone.now()
    topic_ids = list(Topic.objects.published().values_list("pk", flat=True))
    statuses = _statuses(stalled_before=now - timedelta(days=STALL_DAYS))
    durations = _durations()
    questions = _questions()
    reviews = _reviews_waiting()
    rows = []
    for topic_id in topic_ids:
        days = durations.get(topic_id, [])
        asked, unanswered = questions.get(topic_id, (0, 0))
        rows.append(
            TopicInsight(
                topic_id=topic_id,
                **statuses.get(topic_id, {"learners_now": 0, "gave_up": 0}),
                finished=len(days),
                median_days=percentile(days, 0.5),
                p90_days=percentile(days, 0.9),
                questions=asked,
                unanswered=unanswered,
                reviews_waiting=reviews.get(topic_id, 0),
                computed_at=now,
            )
        )
    with transaction.atomic():
        TopicInsight.objects.exclude(topic_id__in=topic_ids).delete()
        TopicInsight.objects.bulk_create(
            rows,
            batch_size=UPSERT_BATCH,
            update_conflicts=True,
            unique_fields=["topic"],
            update_fields=UPDATED_FIELDS,
        )
    return len(rows)
