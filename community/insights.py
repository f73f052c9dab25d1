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
from django.db.models import Count, DurationField, Exists, F, Max, OuterRef, Q, Window
from django.db.models.functions import RowNumber, TruncWeek
from django.utils import timezone

from community.models import (
    InsightCheckpoint,
    LearnerJourney,
    ReviewRequest,
    SectionWeek,
    Thread,
    TopicInsight,
)
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
    it took in their last finished run: only the ones the percentiles are read from, sorted."""

    def __init__(self):
        self.started: dict[int, int] = defaultdict(int)
        self.finished: dict[int, int] = defaultdict(int)
        self.days: dict[int, dict[int, float]] = defaultdict(dict)

    def percentile(self, topic_id: int, fraction: float) -> float | None:
        """The value below which `fraction` of the topic's days lie, interpolated between the two
        nearest (as PostgreSQL's percentile_cont); None when no learner finished it."""
        count = self.finished.get(topic_id, 0)
        if not count:
            return None
        position = (count - 1) * fraction
        lower = int(position)
        upper = min(lower + 1, count - 1)
        days = self.days[topic_id]
        return days[lower] + (days[upper] - days[lower]) * (position - lower)


# A Journeys.percentile reads the days at the two positions around (finished - 1) * fraction.
FRACTIONS = (0.25, 0.5, 0.75, 0.9)


def _record_journeys(*, after: int | None, through: int) -> None:
    """Rewrite the LearnerJourney rows of the learners and topics with history events after
    `after` up to `through` (every learner's and topic's when `after` is None), from their
    whole history on those topics, in the database: one query to delete, one to insert.

    The history is numbered into runs per learner and topic (roadmap.selectors.RUN_ENDS); a
    journey took the time from its last finished run's first start to its finish. A learner who
    started a topic, reset it and came back months later took the days of the run that
    finished, not the months between."""
    events, journeys = ProgressEvent.objects.all(), LearnerJourney.objects.all()
    if after is not None:
        moved = ProgressEvent.objects.filter(pk__gt=after, pk__lte=through)
        same_pair = Exists(moved.filter(user_id=OuterRef("user_id"), topic_id=OuterRef("topic_id")))
        events = events.filter(same_pair, user_id__in=moved.values("user_id"))
        journeys = journeys.filter(same_pair, user_id__in=moved.values("user_id"))
    journeys.delete()
    runs = (
        events.annotate(run=run_number())
        .values("user_id", "topic_id", "kind", "created_at", "run")
        .order_by()
    )
    inner, params = runs.query.sql_with_params()
    took, took_params = connection.ops.subtract_temporals("DateTimeField", ("finished", []), ("started", []))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {LearnerJourney._meta.db_table} (user_id, topic_id, took)"
            f" SELECT user_id, topic_id, CASE WHEN finished > started THEN {took} END FROM ("
            "  SELECT user_id, topic_id, started, finished, ROW_NUMBER() OVER (PARTITION BY user_id, topic_id"
            "   ORDER BY CASE WHEN finished > started THEN run ELSE -1 END DESC) AS latest"
            "  FROM ("
            "   SELECT user_id, topic_id, COALESCE(run, 0) AS run,"
            "    MIN(created_at) FILTER (WHERE kind = %s) AS started,"
            "    MAX(created_at) FILTER (WHERE kind = %s) AS finished"
            f"   FROM ({inner}) AS events GROUP BY user_id, topic_id, COALESCE(run, 0)"
            "  ) AS runs WHERE started IS NOT NULL"
            " ) AS journeys WHERE latest = 1",
            [*took_params, ProgressEvent.Kind.LEARNING, ProgressEvent.Kind.DONE, *params],
        )


def _journeys(*, topic_ids: set[int] | None) -> Journeys:
    """The LearnerJourney rows of these topics (all when None) counted and ranked per topic in
    the database, which sends back only the starters and finishers per topic and the durations
    the percentiles interpolate between: a few rows per topic, however many learners."""
    ranked = (
        _only(LearnerJourney.objects, topic_ids)
        .filter(took__isnull=False)
        .annotate(
            position=Window(RowNumber(), partition_by=[F("topic_id")], order_by=[F("took").asc()]),
            total=Window(Count("pk"), partition_by=[F("topic_id")]),
        )
        .values("topic_id", "took", "position", "total")
        .order_by()
    )
    inner, params = ranked.query.sql_with_params()
    near = " OR ".join(f"ABS(position - 1 - (total - 1) * {fraction}) <= 1" for fraction in FRACTIONS)
    journeys = Journeys()
    for topic_id, started, finished in (
        _only(LearnerJourney.objects, topic_ids)
        .values("topic_id")
        .annotate(started=Count("pk"), finished=Count("took"))
        .values_list("topic_id", "started", "finished")
        .order_by()
    ):
        journeys.started[topic_id], journeys.finished[topic_id] = started, finished
    converters = DurationField().get_db_converters(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT topic_id, position - 1, took FROM ({inner}) AS ranked WHERE {near}", params)
        for topic_id, position, took in cursor:
            for converter in converters:
                took = converter(took, None, connection)
            journeys.days[topic_id][position] = took.total_seconds() / 86400
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
        _record_journeys(after=None, through=last_event_id)
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
        if changed:
            _record_journeys(after=checkpoint.last_event_id, through=last_event_id)
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
        asked, unanswered = questions.get(topic_id, (0, 0))
        rows.append(
            TopicInsight(
                topic_id=topic_id,
                **statuses.get(topic_id, {"learners_now": 0, "gave_up": 0}),
                started=journeys.started.get(topic_id, 0),
                finished=journeys.finished.get(topic_id, 0),
                p25_days=journeys.percentile(topic_id, 0.25),
                median_days=journeys.percentile(topic_id, 0.5),
                p75_days=journeys.percentile(topic_id, 0.75),
                p90_days=journeys.percentile(topic_id, 0.9),
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
