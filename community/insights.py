"""Where learners get stuck, per topic: the TopicInsight summary table, recomputed off the
request path by a periodic task (community.tasks.refresh_topic_insights) from the progress
history, the learners' current statuses, the threads and the review requests.

For each published topic: learners on it now (learning, with a change in the last STALL_DAYS
days), learners who ever started it, the quartiles and 90th-percentile days from starting it to
finishing it (each learner's last finished run: from its first start to its finish), how many
gave up (skipped it after learning it, or learning it with no change for STALL_DAYS days),
questions asked on it and those without an accepted answer, and review requests no mentor holds.
For each section, the topics started and finished in each of the last TREND_WEEKS weeks
(SectionWeek), for the trends on /insights/.

A full run recomputes everything (hourly); an incremental run, between them, only the topics
with ProgressEvent rows after the checkpoint the last run left (InsightCheckpoint).
"""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from community.models import InsightCheckpoint, ReviewRequest, SectionWeek, Thread, TopicInsight
from config.caching import touch
from roadmap.models import Progress, ProgressEvent, Topic
from roadmap.selectors import run_number

STALL_DAYS = 30
# A figure drawn from a topic's learners, shown to everyone (its page) or acted on (the digest's
# stall nudge), stands on at least this many: no one learner's pace can be read from it, and a
# median of fewer says little.
MIN_LEARNERS = 5
TREND_WEEKS = 12
UPSERT_BATCH = 1000
UPDATED_FIELDS = [
    "learners_now",
    "started",
    "finished",
    "p25_days",
    "median_days",
    "p75_days",
    "p90_days",
    "gave_up",
    "questions",
    "unanswered",
    "reviews_waiting",
    "computed_at",
]
SHOWN_FIELDS = frozenset(UPDATED_FIELDS) - {"computed_at"}


def percentile(values: list[float], fraction: float) -> float | None:
    """The value below which `fraction` of the sorted `values` lie, interpolated between the two
    nearest (as PostgreSQL's percentile_cont); None without values."""
    if not values:
        return None
    position = (len(values) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (values[upper] - values[lower]) * (position - lower)


# What a topic's public figures are made of (`figures`): a change elsewhere in its row leaves
# its page as it was.
FIGURE_FIELDS = frozenset({"finished", "p25_days", "p75_days", "learners_now"})


def _middle_half(low: float | None, high: float | None) -> str:
    """ ", half of them in 3–6 days", from the quartiles in days; "" without them."""
    if low is None or high is None:
        return ""
    low_days, high_days = round(low), round(high)
    if high_days < 1:
        return ", half of them in under a day"
    if low_days == high_days:
        return f", half of them in about {high_days} day{'s' if high_days != 1 else ''}"
    if low_days < 1:
        return f", half of them within {high_days} day{'s' if high_days != 1 else ''}"
    return f", half of them in {low_days}–{high_days} days"


def figures(insight: TopicInsight | None) -> list[str]:
    """The sentences a topic's page shows about its learners, each only where MIN_LEARNERS
    learners or more stand behind it."""
    if insight is None:
        return []
    shown = []
    if insight.finished >= MIN_LEARNERS:
        shown.append(
            f"{insight.finished} learners finished this{_middle_half(insight.p25_days, insight.p75_days)}."
        )
    if insight.learners_now >= MIN_LEARNERS:
        shown.append(f"{insight.learners_now} learners are on it now.")
    return shown


def _only(queryset, topic_ids: set[int] | None, field: str = "topic_id"):
    """The queryset, restricted to these topics when an incremental run names them."""
    return queryset.all() if topic_ids is None else queryset.filter(**{f"{field}__in": topic_ids})


def _statuses(*, stalled_before: datetime, topic_ids: set[int] | None) -> dict[int, dict]:
    """Learners on each topic now, and those who gave up: one query."""
    was_learning = ProgressEvent.objects.filter(
        user_id=OuterRef("user_id"), topic_id=OuterRef("topic_id"), kind=ProgressEvent.Kind.LEARNING
    )
    learning = Q(status=Progress.Status.LEARNING)
    rows = (
        _only(Progress.objects, topic_ids)
        .filter(status__in=[Progress.Status.LEARNING, Progress.Status.SKIPPED])
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


class Journeys:
    """Per topic, how many learners ever started it, and the days each who went on to finish
    it took in their last finished run, sorted."""

    def __init__(self):
        self.started: dict[int, int] = defaultdict(int)
        self.durations: dict[int, list[float]] = defaultdict(list)


def _journeys(*, topic_ids: set[int] | None) -> Journeys:
    """Two passes of one query: the history numbered into runs per learner and topic
    (roadmap.selectors.RUN_ENDS), then each run's first start and its finish. A learner who
    started a topic, reset it and came back months later took the days of the run that
    finished, not the months between."""
    runs = (
        _only(ProgressEvent.objects, topic_ids)
        .annotate(run=run_number())
        .values("user_id", "topic_id", "kind", "created_at", "run")
        .order_by()
    )
    inner, params = runs.query.sql_with_params()
    last_finished: dict[tuple[int, int], tuple[int, float]] = {}
    starters: set[tuple[int, int]] = set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT topic_id, user_id, COALESCE(run, 0),"
            " MIN(created_at) FILTER (WHERE kind = %s), MAX(created_at) FILTER (WHERE kind = %s)"
            f" FROM ({inner}) AS events GROUP BY 1, 2, 3",
            [ProgressEvent.Kind.LEARNING, ProgressEvent.Kind.DONE, *params],
        )
        for topic_id, user_id, run, started, finished in cursor:
            if started is None:
                continue
            starters.add((topic_id, user_id))
            if finished is not None and finished > started:
                if last_finished.get((topic_id, user_id), (-1, 0.0))[0] < run:
                    last_finished[topic_id, user_id] = (run, (finished - started).total_seconds() / 86400)
    journeys = Journeys()
    for topic_id, _user_id in starters:
        journeys.started[topic_id] += 1
    for (topic_id, _user_id), (_run, days) in last_finished.items():
        journeys.durations[topic_id].append(days)
    for values in journeys.durations.values():
        values.sort()
    return journeys


def _questions(*, topic_ids: set[int] | None) -> dict[int, tuple[int, int]]:
    rows = (
        _only(Thread.objects.published(), topic_ids)
        .filter(topic__isnull=False)
        .values("topic_id")
        .annotate(asked=Count("pk"), unanswered=Count("pk", filter=Q(accepted_comment__isnull=True)))
        .values_list("topic_id", "asked", "unanswered")
        .order_by()
    )
    return {topic_id: (asked, unanswered) for topic_id, asked, unanswered in rows}


def _reviews_waiting(*, topic_ids: set[int] | None) -> dict[int, int]:
    return dict(
        _only(ReviewRequest.objects.unclaimed(), topic_ids)
        .values("topic_id")
        .annotate(count=Count("pk"))
        .values_list("topic_id", "count")
        .order_by()
    )


def _checkpoint() -> tuple[InsightCheckpoint, bool]:
    """The one checkpoint row, locked until the transaction ends so that two runs never
    interleave, and whether this call wrote it (no run before this one)."""
    _row, created = InsightCheckpoint.objects.get_or_create(pk=1, defaults={"refreshed_at": timezone.now()})
    return InsightCheckpoint.objects.select_for_update().get(pk=1), created


def _last_event_id() -> int:
    return ProgressEvent.objects.aggregate(last=Max("pk"))["last"] or 0


def refresh_topic_insights(*, now: datetime | None = None) -> int:
    """Recompute every published topic's row (and drop the rows of topics no longer published)
    and every section's weeks, in a fixed number of queries, whatever the number of learners.
    Safe to run twice. Returns the number of topics summarised."""
    now = now or timezone.now()
    with transaction.atomic():
        checkpoint, _created = _checkpoint()
        last_event_id = _last_event_id()
        count = _refresh(now=now, topic_ids=None)
        checkpoint.last_event_id, checkpoint.refreshed_at = last_event_id, now
        checkpoint.save()
    return count


def refresh_changed_topic_insights(*, now: datetime | None = None) -> int:
    """Recompute the rows of the topics whose history moved since the last run, full or
    incremental (their ProgressEvent rows after the checkpoint), and their sections' weeks; the
    first run ever recomputes everything. What moves without an event (a thread asked, a review
    claimed, a learner going quiet for STALL_DAYS) waits for the hourly full run, as does an
    event committed after a later one was read. Returns the number of topics summarised."""
    now = now or timezone.now()
    with transaction.atomic():
        checkpoint, is_first_run = _checkpoint()
        if is_first_run:
            return refresh_topic_insights(now=now)
        last_event_id = _last_event_id()
        changed = set(
            ProgressEvent.objects.filter(pk__gt=checkpoint.last_event_id, pk__lte=last_event_id)
            .values_list("topic_id", flat=True)
            .distinct()
            .order_by()
        )
        count = _refresh(now=now, topic_ids=changed) if changed else 0
        checkpoint.last_event_id, checkpoint.refreshed_at = last_event_id, now
        checkpoint.save()
    return count


def _refresh(*, now: datetime, topic_ids: set[int] | None) -> int:
    """Recompute the rows of these topics (all when None): those published are written, the
    others dropped. Inside the caller's transaction."""
    published = list(_only(Topic.objects.published(), topic_ids, field="pk").values_list("pk", flat=True))
    before = {row.topic_id: row for row in TopicInsight.objects.filter(topic_id__in=published)}
    statuses = _statuses(stalled_before=now - timedelta(days=STALL_DAYS), topic_ids=topic_ids)
    journeys = _journeys(topic_ids=topic_ids)
    questions = _questions(topic_ids=topic_ids)
    reviews = _reviews_waiting(topic_ids=topic_ids)
    rows = []
    for topic_id in published:
        days = journeys.durations.get(topic_id, [])
        asked, unanswered = questions.get(topic_id, (0, 0))
        rows.append(
            TopicInsight(
                topic_id=topic_id,
                **statuses.get(topic_id, {"learners_now": 0, "gave_up": 0}),
                started=journeys.started.get(topic_id, 0),
                finished=len(days),
                p25_days=percentile(days, 0.25),
                median_days=percentile(days, 0.5),
                p75_days=percentile(days, 0.75),
                p90_days=percentile(days, 0.9),
                questions=asked,
                unanswered=unanswered,
                reviews_waiting=reviews.get(topic_id, 0),
                computed_at=now,
            )
        )
    _only(TopicInsight.objects, topic_ids).exclude(topic_id__in=published).delete()
    TopicInsight.objects.bulk_create(
        rows,
        batch_size=UPSERT_BATCH,
        update_conflicts=True,
        unique_fields=["topic"],
        update_fields=UPDATED_FIELDS,
    )
    _touch_changed(before, rows)
    sections = (
        None
        if topic_ids is None
        else set(Topic.objects.filter(pk__in=topic_ids).values_list("section_id", flat=True))
    )
    _refresh_section_weeks(now=now, section_ids=sections)
    return len(rows)


def _touch_changed(before: dict[int, TopicInsight], rows: list[TopicInsight]) -> None:
    """Retire what shows the rows this run changed (the bulk upsert sends no signal): the pages
    of the topics whose figures changed, and what shows any other figure of a changed row.
    Rows deleted retire theirs by their signals."""
    figures_changed, others_changed = [], []
    for row in rows:
        old = before.get(row.topic_id)
        if figures(old) != figures(row):
            figures_changed.append(row.topic_id)
        elif old is None or any(getattr(old, name) != getattr(row, name) for name in SHOWN_FIELDS):
            others_changed.append(row.topic_id)
    if figures_changed:
        touch(
            TopicInsight.objects.filter(pk__in=figures_changed).select_related("topic"), fields=FIGURE_FIELDS
        )
    if others_changed:
        touch(TopicInsight, *others_changed, fields=SHOWN_FIELDS - FIGURE_FIELDS)


def trend_start(today: date) -> date:
    """The Monday of the first week the trends show: TREND_WEEKS weeks, this one the last."""
    return today - timedelta(days=today.weekday(), weeks=TREND_WEEKS - 1)


def _refresh_section_weeks(*, now: datetime, section_ids: set[int] | None) -> None:
    """Replace the trend rows of these sections (all when None) with their topics started and
    finished per week, from the history of the last TREND_WEEKS weeks: one query to read, one
    to delete, one insert. The run's checkpoint, saved after, retires what shows them."""
    first = trend_start(now.date())
    rows = (
        _only(ProgressEvent.objects, section_ids, field="topic__section_id")
        .filter(
            created_at__gte=datetime.combine(first, time.min, tzinfo=UTC),
            kind__in=[ProgressEvent.Kind.LEARNING, ProgressEvent.Kind.DONE],
        )
        .annotate(week=TruncWeek("created_at"))
        .values("topic__section_id", "week")
        .annotate(
            started=Count("pk", filter=Q(kind=ProgressEvent.Kind.LEARNING)),
            finished=Count("pk", filter=Q(kind=ProgressEvent.Kind.DONE)),
        )
        .values_list("topic__section_id", "week", "started", "finished")
        .order_by()
    )
    weeks = [
        SectionWeek(section_id=section_id, week=week.date(), started=started, finished=finished)
        for section_id, week, started, finished in rows
    ]
    _only(SectionWeek.objects, section_ids, field="section_id").delete()
    SectionWeek.objects.bulk_create(weeks, batch_size=UPSERT_BATCH)
