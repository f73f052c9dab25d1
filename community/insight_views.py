"""/insights/, where learners get stuck, for mentors and admins: the per-topic table, a funnel
per section, the weekly trends, and the table as CSV. Reads the summary tables only."""

import csv
import functools
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from community import caches, permissions
from community import insight_selectors as selectors
from community.forms import InsightFilter
from config.slots import render_page

CSV_COLUMNS = [
    ("Roadmap", lambda row: row.topic.roadmap.title),
    ("Section", lambda row: row.topic.section.title),
    ("Topic", lambda row: row.topic.title),
    ("On it now", lambda row: row.learners_now),
    ("Started", lambda row: row.started),
    ("Finished", lambda row: row.finished),
    ("Median days", lambda row: _days(row.median_days)),
    ("90th percentile days", lambda row: _days(row.p90_days)),
    ("Gave up", lambda row: row.gave_up),
    ("Questions", lambda row: row.questions),
    ("Unanswered", lambda row: row.unanswered),
    ("Reviews waiting", lambda row: row.reviews_waiting),
    ("Computed at", lambda row: row.computed_at.isoformat()),
]


def _days(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def insights_required(view):
    """Anonymous visitors go to the login page; signed-in members who may not see it get 403."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.can_view_insights(request.user):
            raise PermissionDenied(_("Only mentors and admins can see where learners get stuck."))
        return view(request, *args, **kwargs)

    return wrapper


def _filters(request) -> tuple[InsightFilter, dict]:
    """The form, and the values to read with: the defaults when the form is not valid."""
    form = InsightFilter(request.GET or None)
    values = form.cleaned_data if form.is_valid() else {}
    return form, {
        "roadmap": values.get("roadmap"),
        "section": values.get("section"),
        "sort": values.get("sort") or selectors.DEFAULT_SORT,
    }


def _report_key(request) -> dict[str, str]:
    """What the cached report is kept by: the query as spelled and today."""
    query = urlencode(sorted((name, value) for name, values in request.GET.lists() for value in values))
    return {"query": query, "day": timezone.now().date().isoformat()}


def _report_tokens_read_with_visitor(view):
    """The report's tokens are read in the round trip that loads the visitor, before the
    checks that load them."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        caches.INSIGHTS_REPORT.read_ahead(**_report_key(request))
        return view(request, *args, **kwargs)

    return wrapper


@_report_tokens_read_with_visitor
@insights_required
@require_safe
def insights(request):
    """The report is the same for every mentor and admin: cached for its query (as spelled, for
    the links that repeat it) and the day (the weeks it shows end today), until the next
    refresh changes a figure or the roadmaps change (community.caches.INSIGHTS_REPORT). Only
    a report for valid filters is kept, so a warm request reads no form."""
    report = caches.INSIGHTS_REPORT.get(**_report_key(request), build=lambda: _valid_report(request))
    if report is None:
        form, values = _filters(request)
        report = _render_report(request, form, values)
        return render_page(request, "community/insights.html", {}, body=report.encode(), status=400)
    return render_page(
        request, "community/insights.html", {}, body=report, shell=caches.INSIGHTS_SHELL.bind()
    )


def _valid_report(request) -> bytes | None:
    """The report for the filters asked for, or None if they are not valid (not cached)."""
    form, values = _filters(request)
    if form.is_bound and not form.is_valid():
        return None
    return _render_report(request, form, values).encode()


def _render_report(request, form: InsightFilter, values: dict) -> str:
    where = {"roadmap": values["roadmap"], "section": values["section"]}
    sort = values["sort"]
    columns = [
        {
            "name": name,
            "heading": heading,
            "sorted": "descending" if sort == f"-{name}" else "ascending" if sort == name else None,
            # A column's heading sorts by it, highest first (names A to Z); again, the other way.
            "next_sort": (name if sort == f"-{name}" else f"-{name}")
            if name != "topic"
            else ("-topic" if sort == "topic" else "topic"),
        }
        for name, (heading, _field) in selectors.COLUMNS.items()
    ]
    return render_to_string(
        "community/insights.html#report",
        {
            "filters": form,
            "columns": columns,
            "page": selectors.topic_insight_page(**where, sort=sort, page_number=request.GET.get("page", 1)),
            "funnels": selectors.section_funnels(**where),
            "trend": selectors.weekly_trend(**where),
            "query_without_sort": _query_without(request, "sort", "page"),
        },
        request,
    )


def _query_without(request, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


@insights_required
@require_safe
def insights_csv(request):
    """The whole table, every row the filters select, in the order asked for."""
    form, values = _filters(request)
    if form.is_bound and not form.is_valid():
        message = " ".join(error for errors in form.errors.values() for error in errors)
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="topic-insights.csv"'
    writer = csv.writer(response)
    writer.writerow([heading for heading, _value in CSV_COLUMNS])
    for row in selectors.topic_insights(**values).iterator(chunk_size=1000):
        writer.writerow([value(row) for _heading, value in CSV_COLUMNS])
    return response
