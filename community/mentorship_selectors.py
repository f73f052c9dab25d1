"""Reads for mentorship: the mentor's desk, one review request with its conversation, the
learner's request on a topic, the public list of mentors and what each helped with, and the
review throughput the admin watches. Each in a fixed number of queries, however many rows."""

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, Max, OuterRef, Prefetch, Q, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from community import permissions
from community.models import MentorSection, ReviewMessage, ReviewRequest, Status, Thread
from roadmap.models import Note, Progress, Section

State = ReviewRequest.State
DESK_PAGE_SIZE = 30


def review_queue() -> tuple[int, tuple[datetime, ...]]:
    """The requests open, and when each claim runs out, in order (for the mentors' header
    count: community.selectors.MentorQueues). Two indexed reads; claims are few at a time."""
    claims_end = ReviewRequest.objects.filter(state=State.CLAIMED, claim_expires_at__isnull=False)
    return (
        ReviewRequest.objects.filter(state=State.OPEN).count(),
        tuple(claims_end.order_by("claim_expires_at").values_list("claim_expires_at", flat=True)),
    )


def mentor_sections(*, mentor) -> dict[int, bool]:
    """The sections a mentor covers, each with whether they watch it."""
    return dict(MentorSection.objects.filter(mentor=mentor).values_list("section_id", "watching"))


def mentor_section_list(*, mentor) -> list[dict]:
    """The sections a mentor covers, in roadmap order: id, roadmap, title and whether watched."""
    rows = (
        MentorSection.objects.filter(mentor=mentor)
        .order_by("section__roadmap__position", "section__roadmap_id", "section__position")
        .values_list("section_id", "watching", "section__roadmap__slug", "section__title")
    )
    return [
        {"section": section_id, "watching": watching, "roadmap": roadmap, "title": title}
        for section_id, watching, roadmap, title in rows
    ]


def _with_people(rows):
    return rows.select_related(
        "learner", "topic__roadmap", "topic__section", "project__section__roadmap", "claimed_by"
    )


def desk(*, mentor, roadmap=None, section=None, page_number=1) -> Page:
    """Requests waiting for a mentor (open, or claimed by another), the mentor's own sections
    first, then oldest first; never their own requests, nor those they hold (my_claims)."""
    rows = (
        ReviewRequest.objects.waiting()
        .exclude(learner=mentor)
        .exclude(state=State.CLAIMED, claimed_by=mentor, claim_expires_at__gt=timezone.now())
        .with_section()
        .annotate(
            is_in_my_sections=Exists(
                MentorSection.objects.filter(mentor=mentor, section_id=OuterRef("work_section_id"))
            )
        )
    )
    if roadmap is not None:
        rows = rows.in_roadmap(roadmap)
    if section is not None:
        rows = rows.in_section(section)
    rows = _with_people(rows).order_by("-is_in_my_sections", "submitted_at", "pk")
    page = Paginator(rows, DESK_PAGE_SIZE).get_page(page_number)
    _mark(page.object_list)
    return page


def _mark(reviews) -> None:
    """Whose each request is now, for the desk's rows."""
    now = timezone.now()
    for review in reviews:
        review.is_held = review.claim_holds(now)
        review.can_claim = not review.is_held and review.state in (State.OPEN, State.CLAIMED)


def my_claims(*, mentor) -> list[ReviewRequest]:
    """What this mentor holds now, or sent back and waits on: the top of their desk."""
    now = timezone.now()
    claims = list(
        _with_people(
            ReviewRequest.objects.filter(
                Q(state=State.CLAIMED, claim_expires_at__gt=now) | Q(state=State.NEEDS_WORK),
                claimed_by=mentor,
            )
        ).order_by("claim_expires_at", "submitted_at")[:DESK_PAGE_SIZE]
    )
    _mark(claims)
    return claims


@dataclass
class ReviewPage:
    review: ReviewRequest
    conversation: list[ReviewMessage]
    shared_note: Note | None
    is_learner: bool
    can_review: bool
    is_held_by_viewer: bool
    is_held: bool


def review_page(*, pk: int, viewer) -> ReviewPage:
    """A request with its conversation for its learner or a mentor; 404 for anyone else."""
    review = _with_people(ReviewRequest.objects.filter(pk=pk)).select_related("decided_by").first()
    if review is None or not permissions.can_view_review(viewer, review):
        raise Http404(_("No such review request."))
    conversation = list(review.messages.select_related("author").order_by("created_at", "pk"))
    shared_note = None
    if review.topic_id and permissions.sees_shared_note(viewer, review):
        shared_note = Note.objects.filter(user_id=review.learner_id, topic_id=review.topic_id).first()
    now = timezone.now()
    return ReviewPage(
        review=review,
        conversation=conversation,
        shared_note=shared_note,
        is_learner=review.learner_id == viewer.pk,
        can_review=permissions.can_review(viewer, review),
        is_held_by_viewer=review.claim_holds(now) and review.claimed_by_id == viewer.pk,
        is_held=review.claim_holds(now),
    )


def topic_review_block(*, topic_id: int, viewer, node) -> dict:
    """The topic page's review part for a signed-in learner: who verified the topic and when,
    their latest request, whether they may ask. One query, two on a verified topic."""
    latest = (
        ReviewRequest.objects.filter(learner=viewer, topic_id=topic_id)
        .select_related("claimed_by")
        .order_by("-created_at", "-pk")
        .first()
    )
    verification = None
    if node.is_verified:
        verification = (
            Progress.objects.filter(user=viewer, topic_id=topic_id).select_related("verified_by").first()
        )
    return {
        "template": "community/mentor/topic_review.html",
        "review": latest,
        "verification": verification,
        "can_request": node.status == Progress.Status.DONE
        and not node.is_verified
        and (latest is None or not latest.is_active),
    }


def project_hand_in_block(*, project_id: int, viewer) -> dict:
    """The project page's hand-in part for a signed-in learner: their latest request on the
    project and whether they may hand in (again). One query."""
    from community.mentorship_forms import ProjectHandInForm

    latest = (
        ReviewRequest.objects.filter(learner=viewer, project_id=project_id)
        .select_related("claimed_by", "decided_by")
        .order_by("-created_at", "-pk")
        .first()
    )
    return {
        "template": "community/mentor/project_hand_in.html",
        "review": latest,
        "project_id": project_id,
        "can_hand_in": latest is None or (not latest.is_active and latest.state != State.VERIFIED),
        "form": ProjectHandInForm(),
        "posting_block": permissions.posting_block(viewer),
    }


def verified_projects(*, user) -> list[ReviewRequest]:
    """The section projects a mentor verified for this learner, newest first."""
    return list(
        ReviewRequest.objects.filter(learner=user, state=State.VERIFIED, project__isnull=False)
        .select_related("project__section__roadmap", "decided_by")
        .order_by("-decided_at", "-pk")
    )


def profile_projects_section(*, profile_user, viewer) -> dict | None:
    """The profile's verified projects: shown where the progress is (to its owner, or to all
    when public), and only once there is one."""
    is_owner = viewer.is_authenticated and viewer.pk == profile_user.pk
    if not (profile_user.is_progress_public or is_owner):
        return None
    projects = verified_projects(user=profile_user)
    if not projects:
        return None
    return {"template": "community/profile_projects.html", "projects": projects}


def review_request_state(*, user, topic) -> dict:
    """For the request form: the learner's progress on the topic and their latest request."""
    return {
        "progress": Progress.objects.filter(user=user, topic=topic).first(),
        "review": ReviewRequest.objects.filter(learner=user, topic=topic)
        .order_by("-created_at", "-pk")
        .first(),
    }


# --- Those who help ---------------------------------------------------------------------


@dataclass
class HelpCounts:
    learners_helped: int
    topics_verified: int
    answers_accepted: int
    projects_verified: int = 0

    @property
    def any(self) -> bool:
        return bool(
            self.learners_helped or self.topics_verified or self.answers_accepted or self.projects_verified
        )


def help_counts(*, user) -> HelpCounts:
    decided = ReviewRequest.objects.filter(decided_by=user).aggregate(
        learners=Count("learner", distinct=True),
        verified=Count("pk", filter=Q(state=State.VERIFIED, project__isnull=True)),
        projects=Count("pk", filter=Q(state=State.VERIFIED, project__isnull=False)),
    )
    accepted = Thread.objects.filter(
        status=Status.PUBLISHED, accepted_comment__author=user, accepted_comment__status=Status.PUBLISHED
    ).count()
    return HelpCounts(
        learners_helped=decided["learners"],
        topics_verified=decided["verified"],
        answers_accepted=accepted,
        projects_verified=decided["projects"],
    )


def profile_help_section(*, profile_user, viewer) -> dict | None:
    """The profile's "how they helped": for mentors always, for others once they helped."""
    counts = help_counts(user=profile_user)
    is_mentor = profile_user.is_mentor or profile_user.is_admin
    if not (counts.any or is_mentor):
        return None
    sections = (
        list(
            Section.objects.filter(mentors__mentor=profile_user)
            .select_related("roadmap")
            .order_by("roadmap__position", "position")
        )
        if is_mentor
        else []
    )
    return {
        "template": "community/profile_help.html",
        "counts": counts,
        "is_mentor": is_mentor,
        "sections": sections,
    }


RECENT_PER_MENTOR = 3


def public_mentors() -> list[User]:
    """Every mentor (not the admins who are only admins), with what they helped with, the
    sections they cover and the topics they verified last (`recent`, no learner named), most
    recently active first: three queries however many."""
    mentors = list(
        User.objects.filter(roles.mentor_q(), is_superuser=False)
        .annotate(
            learners_helped=Count("review_decisions__learner", distinct=True),
            topics_verified=Count(
                "review_decisions", filter=Q(review_decisions__state=State.VERIFIED), distinct=True
            ),
            last_helped_at=Max("review_decisions__decided_at"),
        )
        .prefetch_related(
            Prefetch(
                "mentor_sections",
                queryset=MentorSection.objects.select_related("section__roadmap").order_by(
                    "section__roadmap__position", "section__position"
                ),
            )
        )
        .order_by(F("last_helped_at").desc(nulls_last=True), "username")
    )
    recent: dict[int, list[ReviewRequest]] = {mentor.pk: [] for mentor in mentors}
    if mentors:
        newest_first = Window(RowNumber(), partition_by=[F("decided_by_id")], order_by=F("decided_at").desc())
        for review in (
            ReviewRequest.objects.filter(decided_by__in=recent, state=State.VERIFIED)
            .select_related("topic__roadmap", "project__section__roadmap")
            .annotate(rank=newest_first)
            .filter(rank__lte=RECENT_PER_MENTOR)
            .order_by("decided_by_id", "rank")
        ):
            recent[review.decided_by_id].append(review)
    for mentor in mentors:
        mentor.recent = recent[mentor.pk]
    return mentors


# --- Throughput, for the admin ------------------------------------------------------------


@dataclass
class SectionThroughput:
    section: str
    waiting: int
    answered: int
    median_first_response: timedelta | None


def throughput(*, days: int = 90) -> list[SectionThroughput]:
    """Per section: requests on the desk now (open or claimed), and the median time from a request to a mentor's
    first claim over the last `days` days. Two queries."""
    since = timezone.now() - timedelta(days=days)
    names = {}
    waiting: dict[int, int] = {}
    for section_id, roadmap, title, count in (
        ReviewRequest.objects.waiting()
        .with_section()
        .values_list("work_section_id", "work_roadmap_title", "work_section_title")
        .annotate(count=Count("pk"))
    ):
        names[section_id] = f"{roadmap}: {title}"
        waiting[section_id] = count
    times: dict[int, list[timedelta]] = {}
    for section_id, roadmap, title, created, responded in (
        ReviewRequest.objects.filter(created_at__gte=since, first_response_at__isnull=False)
        .with_section()
        .values_list(
            "work_section_id", "work_roadmap_title", "work_section_title", "created_at", "first_response_at"
        )
    ):
        names[section_id] = f"{roadmap}: {title}"
        times.setdefault(section_id, []).append(responded - created)
    return sorted(
        (
            SectionThroughput(
                section=names[section_id],
                waiting=waiting.get(section_id, 0),
                answered=len(times.get(section_id, [])),
                median_first_response=statistics.median(times[section_id]) if times.get(section_id) else None,
            )
            for section_id in names
        ),
        key=lambda row: (-row.waiting, row.section),
    )
