"""A member's momentum: what they did day by day (progress on topics, questions, comments), in
their own timezone, read in one query as a per-day aggregate; from it the streak of days in a
row, the activity calendar of the last twelve months on the profile, and "this week" on the home
page.

A day counts when the member started, finished or skipped a topic, or published a thread or a
comment. Resets and a mentor's verification are not the learner's doing, so they do not count.
Weeks start on Monday.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Case, CharField, Count, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.html import format_html_join

from community.models import Comment, Status, Thread
from roadmap.models import ProgressEvent

CALENDAR_WEEKS = 53
PROGRESS_KINDS = [ProgressEvent.Kind.LEARNING, ProgressEvent.Kind.DONE, ProgressEvent.Kind.SKIPPED]
QUESTION, ANSWER, COMMENT = "question", "answer", "comment"
# The calendar's shades: a day's count at least this high takes the level (1 to 4).
LEVEL_THRESHOLDS = (1, 2, 4, 7)


def local_today(user, *, now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), ZoneInfo(user.timezone)).date()


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def daily_activity(*, user, since: date) -> dict[date, Counter]:
    """{local day: Counter of what the member did that day, by kind} from `since` (a day in the
    member's timezone) on. One query: the three per-day counts, unioned."""
    zone = ZoneInfo(user.timezone)
    start = datetime.combine(since, time.min, tzinfo=zone)
    day = TruncDate("created_at", tzinfo=zone)
    progress = (
        ProgressEvent.objects.filter(user=user, created_at__gte=start, kind__in=PROGRESS_KINDS)
        .annotate(day=day)
        .values("day", "kind")
        .annotate(count=Count("pk"))
        .values_list("day", "kind", "count")
        .order_by()
    )
    questions = (
        Thread.objects.filter(author=user, status=Status.PUBLISHED, created_at__gte=start)
        .annotate(day=day, kind=Value(QUESTION, output_field=CharField()))
        .values("day", "kind")
        .annotate(count=Count("pk"))
        .values_list("day", "kind", "count")
        .order_by()
    )
    comments = (
        Comment.objects.filter(author=user, status=Status.PUBLISHED, created_at__gte=start)
        .annotate(
            day=day,
            kind=Case(
                When(thread__author=user, then=Value(COMMENT)),
                default=Value(ANSWER),
                output_field=CharField(),
            ),
        )
        .values("day", "kind")
        .annotate(count=Count("pk"))
        .values_list("day", "kind", "count")
        .order_by()
    )
    days: dict[date, Counter] = defaultdict(Counter)
    for day_, kind, count in progress.union(questions, comments, all=True):
        days[day_][kind] += count
    return days


def streak(days: dict[date, Counter], *, today: date) -> int:
    """Days in a row with something done, up to today; a streak whose last day was yesterday
    still stands, as today is not over."""
    day = today if days.get(today) else today - timedelta(days=1)
    length = 0
    while days.get(day):
        length += 1
        day -= timedelta(days=1)
    return length


def _level(count: int) -> int:
    return sum(count >= threshold for threshold in LEVEL_THRESHOLDS)


@dataclass(frozen=True)
class CalendarDay:
    day: date
    count: int
    x: int
    y: int

    @property
    def level(self) -> int:
        return _level(self.count)

    @property
    def label(self) -> str:
        things = (
            "nothing done" if not self.count else f"{self.count} thing{'s' if self.count != 1 else ''} done"
        )
        return f"{self.day:%A} {self.day.day} {self.day:%B %Y}: {things}"


@dataclass(frozen=True)
class CalendarMonth:
    year: int
    month: int
    active_days: int
    count: int
    x: int | None  # where its label goes on the calendar; None when its first week is cut off

    @property
    def name(self) -> str:
        return date_format(date(self.year, self.month, 1), "YEAR_MONTH_FORMAT")

    @property
    def short_name(self) -> str:
        return date_format(date(self.year, self.month, 1), "M")


@dataclass
class Calendar:
    """The last twelve months, a column per week and a row per weekday, positioned for the SVG
    (`CELL` units apart, after a `GUTTER` for the weekday names and a `HEADER` for the months)."""

    CELL = 13
    GUTTER = 30
    HEADER = 16

    days: list[CalendarDay]
    months: list[CalendarMonth]
    streak: int
    active_days: int = 0
    weekday_labels: list[tuple[str, int]] = field(default_factory=list)

    @property
    def width(self) -> int:
        return self.GUTTER + CALENDAR_WEEKS * self.CELL

    @property
    def height(self) -> int:
        return self.HEADER + 7 * self.CELL

    @property
    def total(self) -> int:
        return sum(day.count for day in self.days)

    @property
    def day_squares(self) -> str:
        """The SVG's square for each day, joined here: the template engine takes several times
        as long over the ~370 of them as over the rest of the profile."""
        return format_html_join(
            "",
            '<rect class="activity-level-{}" x="{}" y="{}" width="11" height="11" rx="2"><title>{}</title></rect>',
            ((day.level, day.x, day.y, day.label) for day in self.days),
        )

    @property
    def legend(self) -> list[tuple[int, int]]:
        return [(level, level * self.CELL) for level in range(len(LEVEL_THRESHOLDS) + 1)]

    @property
    def legend_width(self) -> int:
        return len(LEVEL_THRESHOLDS) * self.CELL + 11


def window_start(today: date) -> date:
    """The first day of the calendar: the Monday 52 weeks before this week's. A streak is
    counted within the same window, so one longer than a year shows as the window's length."""
    return week_start(today) - timedelta(weeks=CALENDAR_WEEKS - 1)


def activity_calendar(*, user, now: datetime | None = None) -> Calendar:
    today = local_today(user, now=now)
    first = window_start(today)
    activity = daily_activity(user=user, since=first)
    days = []
    months: dict[tuple[int, int], dict] = {}
    for offset in range((today - first).days + 1):
        day = first + timedelta(days=offset)
        count = sum(activity[day].values()) if day in activity else 0
        column, row = divmod(offset, 7)
        days.append(
            CalendarDay(
                day=day,
                count=count,
                x=Calendar.GUTTER + column * Calendar.CELL,
                y=Calendar.HEADER + row * Calendar.CELL,
            )
        )
        month = months.setdefault((day.year, day.month), {"active_days": 0, "count": 0, "x": None})
        month["active_days"] += bool(count)
        month["count"] += count
        if day.day <= 7 and row == 0:  # the first Monday of the month starts its label
            month["x"] = Calendar.GUTTER + column * Calendar.CELL
    return Calendar(
        days=days,
        months=[CalendarMonth(year=year, month=month, **values) for (year, month), values in months.items()],
        streak=streak(activity, today=today),
        active_days=sum(1 for day in days if day.count),
        weekday_labels=[
            (WEEKDAYS_ABBR[weekday], Calendar.HEADER + row * Calendar.CELL)
            for row, weekday in ((0, 0), (2, 2), (4, 4))
        ],
    )


@dataclass(frozen=True)
class ThisWeek:
    topics_finished: int
    questions_asked: int
    answers_given: int
    streak: int
    weekly_goal: int | None

    @property
    def goal_met(self) -> bool:
        return self.weekly_goal is not None and self.topics_finished >= self.weekly_goal


def this_week(*, user, now: datetime | None = None) -> ThisWeek:
    """What the member did since Monday, in their timezone, and their streak: one query."""
    today = local_today(user, now=now)
    monday = week_start(today)
    activity = daily_activity(user=user, since=window_start(today))
    week = Counter()
    for day, kinds in activity.items():
        if day >= monday:
            week.update(kinds)
    return ThisWeek(
        topics_finished=week[ProgressEvent.Kind.DONE],
        questions_asked=week[QUESTION],
        answers_given=week[ANSWER],
        streak=streak(activity, today=today),
        weekly_goal=user.weekly_goal,
    )


def profile_activity_section(*, profile_user, viewer) -> dict | None:
    """The profile's activity calendar: like the progress it shows, its owner's always and
    anyone's only while their progress is public."""
    is_owner = viewer.is_authenticated and viewer.pk == profile_user.pk
    if not (profile_user.is_progress_public or is_owner):
        return None
    return {
        "template": "community/components/profile_activity.html",
        "calendar": activity_calendar(user=profile_user),
        "is_private": not profile_user.is_progress_public,
    }
