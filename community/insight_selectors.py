"""Reads for /insights/, where learners get stuck: the per-topic table, the funnel per section
and the weekly trends, each from the summary tables community.insights keeps (TopicInsight,
SectionWeek), never from the history; each in one query, whatever the number of learners."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet, Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext_lazy

from community.insights import TREND_WEEKS, figures, trend_start
from community.models import SectionWeek, TopicInsight

INSIGHTS_PER_PAGE = 50

# The table's columns, by the name the `sort` parameter gives them: (heading, ordering field).
COLUMNS = {
    "topic": (pgettext_lazy("insights column", "Topic"), "topic__title"),
    "learners_now": (pgettext_lazy("insights column", "On it now"), "learners_now"),
    "started": (pgettext_lazy("insights column", "Started"), "started"),
    "finished": (pgettext_lazy("insights column", "Finished"), "finished"),
    "median_days": (pgettext_lazy("insights column", "Median days"), "median_days"),
    "p90_days": (pgettext_lazy("insights column", "90th percentile days"), "p90_days"),
    "gave_up": (pgettext_lazy("insights column", "Gave up"), "gave_up"),
    "questions": (pgettext_lazy("insights column", "Questions"), "questions"),
    "unanswered": (pgettext_lazy("insights column", "Unanswered"), "unanswered"),
    "reviews_waiting": (pgettext_lazy("insights column", "Reviews waiting"), "reviews_waiting"),
}
DEFAULT_SORT = "-gave_up"


def _published(queryset: QuerySet, *, roadmap=None, section=None) -> QuerySet:
    """TopicInsight rows of published topics, in the roadmap and section asked for."""
    queryset = queryset.filter(topic__is_published=True, topic__roadmap__is_published=True)
    if roadmap is not None:
        queryset = queryset.filter(topic__roadmap=roadmap)
    if section is not None:
        queryset = queryset.filter(topic__section=section)
    return queryset


def _published_weeks(queryset: QuerySet, *, roadmap=None, section=None) -> QuerySet:
    """SectionWeek rows of published roadmaps, in the roadmap and section asked for."""
    queryset = queryset.filter(section__roadmap__is_published=True)
    if roadmap is not None:
        queryset = queryset.filter(section__roadmap=roadmap)
    if section is not None:
        queryset = queryset.filter(section=section)
    return queryset


def topic_insights(*, roadmap=None, section=None, sort: str = DEFAULT_SORT) -> QuerySet:
    """Published topics' rows with their roadmap and section, ordered by `sort` (a COLUMNS name,
    "-" first for descending); empty values (no one finished, so no median) always last."""
    descending = sort.startswith("-")
    field = F(COLUMNS[sort.removeprefix("-")][1])
    ordering = field.desc(nulls_last=True) if descending else field.asc(nulls_last=True)
    return (
        _published(TopicInsight.objects, roadmap=roadmap, section=section)
        .select_related("topic__roadmap", "topic__section")
        .order_by(ordering, "topic_id")
    )


def topic_insight_page(*, roadmap=None, section=None, sort: str = DEFAULT_SORT, page_number=1) -> Page:
    rows = topic_insights(roadmap=roadmap, section=section, sort=sort)
    return Paginator(rows, INSIGHTS_PER_PAGE).get_page(page_number)


@dataclass(frozen=True)
class Funnel:
    """One section's topics started and finished, summed over its topics and learners."""

    section_id: int
    section: str
    roadmap: str
    started: int
    finished: int
    bar_scale: int  # the largest `started` of the funnels shown together, for the bars

    @property
    def finished_share(self) -> int | None:
        return round(100 * self.finished / self.started) if self.started else None

    @property
    def started_width(self) -> float:
        return 100 * self.started / self.bar_scale if self.bar_scale else 0

    @property
    def finished_width(self) -> float:
        return 100 * min(self.finished, self.started) / self.bar_scale if self.bar_scale else 0


def section_funnels(*, roadmap=None, section=None) -> list[Funnel]:
    rows = list(
        _published(TopicInsight.objects, roadmap=roadmap, section=section)
        .values(
            "topic__section_id",
            section_title=F("topic__section__title"),
            roadmap_title=F("topic__roadmap__title"),
        )
        .annotate(started_sum=Sum("started"), finished_sum=Sum("finished"))
        .order_by(
            "topic__roadmap__position", "topic__roadmap_id", "topic__section__position", "topic__section_id"
        )
    )
    scale = max((row["started_sum"] for row in rows), default=0)
    return [
        Funnel(
            section_id=row["topic__section_id"],
            section=row["section_title"],
            roadmap=row["roadmap_title"],
            started=row["started_sum"],
            finished=row["finished_sum"],
            bar_scale=scale,
        )
        for row in rows
    ]


@dataclass(frozen=True)
class TrendWeek:
    week: date
    started: int
    finished: int
    x: float
    started_height: float
    finished_height: float

    @property
    def label(self) -> str:
        return gettext("Week of %(date)s") % {"date": date_format(self.week, "j F Y")}

    @property
    def started_y(self) -> float:
        return Trend.HEIGHT - self.started_height

    @property
    def finished_x(self) -> float:
        return self.x + Trend.BAR

    @property
    def finished_y(self) -> float:
        return Trend.HEIGHT - self.finished_height


@dataclass(frozen=True)
class Trend:
    """The last TREND_WEEKS weeks, oldest first, placed for the SVG: a pair of bars per week,
    `HEIGHT` units tall at the busiest week."""

    WIDTH = 600
    HEIGHT = 160
    SLOT = WIDTH / TREND_WEEKS
    BAR = SLOT * 0.36

    weeks: list[TrendWeek]
    peak: int

    @property
    def total_started(self) -> int:
        return sum(week.started for week in self.weeks)

    @property
    def total_finished(self) -> int:
        return sum(week.finished for week in self.weeks)


def weekly_trend(*, roadmap=None, section=None, today: date | None = None) -> Trend:
    first = trend_start(today or timezone.now().date())
    sums = {
        week: (started, finished)
        for week, started, finished in _published_weeks(
            SectionWeek.objects.filter(week__gte=first), roadmap=roadmap, section=section
        )
        .values("week")
        .annotate(started_sum=Sum("started"), finished_sum=Sum("finished"))
        .values_list("week", "started_sum", "finished_sum")
        .order_by()
    }
    peak = max((max(pair) for pair in sums.values()), default=0)
    weeks = []
    for index in range(TREND_WEEKS):
        week = first + timedelta(weeks=index)
        started, finished = sums.get(week, (0, 0))
        weeks.append(
            TrendWeek(
                week=week,
                started=started,
                finished=finished,
                x=index * Trend.SLOT + (Trend.SLOT - 2 * Trend.BAR) / 2,
                started_height=Trend.HEIGHT * started / peak if peak else 0,
                finished_height=Trend.HEIGHT * finished / peak if peak else 0,
            )
        )
    return Trend(weeks=weeks, peak=peak)


def topic_figures(*, topic_id: int) -> list[str]:
    """The public figures of a topic page (community.insights.figures): one query, of the
    topic's summary row."""
    return figures(TopicInsight.objects.filter(topic_id=topic_id).first())
