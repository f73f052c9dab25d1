"""Mentorship pages: asking for a review, a request with its conversation, the mentor's desk
(/mentor/) and the public list of mentors (/mentors/). Thin: a form, a service or selector."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from community import mentorship, permissions
from community import mentorship_selectors as selectors
from community.mentorship_forms import (
    DecisionForm,
    DeskFilter,
    MentorSectionsForm,
    ProjectHandInForm,
    ReplyForm,
    ReviewRequestForm,
)
from community.models import ReviewRequest
from community.views import moderator_required
from config.errors import Conflict
from roadmap import selectors as roadmap_selectors
from roadmap.models import Note, Project


def _status_of(error: ValidationError) -> int:
    return 409 if isinstance(error, Conflict) else 400


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _send_for_review(request, form, send, *, told: str):
    """A posted request for review, of a topic or a project: the member's standing, the form,
    then `send(cleaned data)`. Returns (the redirect to the new request, or None; the status
    of the form's page), so bad input re-renders with what was typed."""
    if request.method != "POST":
        return None, 200
    if not permissions.can_request_review(request.user):
        raise PermissionDenied(permissions.posting_block(request.user))
    if not form.is_valid():
        return None, 400
    try:
        review = send(form.cleaned_data)
    except ValidationError as error:
        _add_errors(form, error)
        return None, _status_of(error)
    messages.success(request, told)
    return redirect(review), 200


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def review_create(request, slug, topic):
    """Ask a mentor to review a done topic; bad input re-renders with what was typed."""
    topic_obj = roadmap_selectors.published_topic(roadmap_slug=slug, topic_slug=topic)
    state = selectors.review_request_state(user=request.user, topic=topic_obj)
    form = ReviewRequestForm(request.POST or None)
    sent, status = _send_for_review(
        request,
        form,
        lambda data: mentorship.request_review(
            learner=request.user,
            topic=topic_obj,
            links=data["links"],
            explanation=data["explanation"],
            shares_note=data["shares_note"],
        ),
        told=_("Your request is on the mentors' desk. You will be told when one claims it."),
    )
    if sent:
        return sent
    has_note = Note.objects.filter(user=request.user, topic=topic_obj).exists()
    return render(
        request,
        "community/mentor/request_form.html",
        {
            "topic": topic_obj,
            "form": form,
            "state": state,
            "has_note": has_note,
            "posting_block": permissions.posting_block(request.user),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def project_hand_in(request, project_id):
    """Hand in a section's project (its repository link) for a mentor's review; bad input
    re-renders with what was typed."""
    project = get_object_or_404(
        Project.objects.select_related("section__roadmap").filter(section__roadmap__is_published=True),
        pk=project_id,
    )
    form = ProjectHandInForm(request.POST or None)
    sent, status = _send_for_review(
        request,
        form,
        lambda data: mentorship.request_project_review(
            learner=request.user,
            project=project,
            repository=data["repository"],
            explanation=data["explanation"],
        ),
        told=_("Your project is on the mentors' desk. You will be told when one claims it."),
    )
    if sent:
        return sent
    block = selectors.project_hand_in_block(project_id=project.pk, viewer=request.user)
    block["form"] = form
    return render(
        request,
        "community/mentor/project_hand_in_page.html",
        {"project": project, "state": block},
        status=status,
    )


def _render_review(request, pk, *, status=200, reply_form=None, decision_form=None, error=None):
    page = selectors.review_page(pk=pk, viewer=request.user)
    if error is not None:
        messages.error(request, " ".join(error.messages))
    return render(
        request,
        "community/mentor/review_detail.html",
        {
            "page": page,
            "review": page.review,
            "reply_form": reply_form or ReplyForm(),
            "decision_form": decision_form or DecisionForm(),
            "claim_hours": settings.MENTOR_CLAIM_HOURS,
        },
        status=status,
    )


@login_required
@require_safe
def review_detail(request, pk):
    return _render_review(request, pk)


def _review_for(request, pk) -> ReviewRequest:
    """The request, if this member may see it (others get 404, as for a missing one)."""
    review = get_object_or_404(ReviewRequest.objects.select_related("learner", "topic", "project"), pk=pk)
    if not permissions.can_view_review(request.user, review):
        raise Http404(_("No such review request."))
    return review


@login_required
@require_POST
def review_withdraw(request, pk):
    review = _review_for(request, pk)
    try:
        mentorship.withdraw(learner=request.user, review=review)
    except ValidationError as error:
        return _render_review(request, pk, status=_status_of(error), error=error)
    messages.success(request, _("Your review request is withdrawn."))
    return redirect(review)


@login_required
@require_POST
def review_reply(request, pk):
    review = _review_for(request, pk)
    if not permissions.can_reply_review(request.user, review):
        raise PermissionDenied(_("Only the learner who asked can reply here."))
    form = ReplyForm(request.POST)
    resubmit = "resubmit" in request.POST
    if form.is_valid():
        try:
            mentorship.reply(
                author=request.user, review=review, body=form.cleaned_data["body"], resubmit=resubmit
            )
        except ValidationError as error:
            _add_errors(form, error)
            return _render_review(request, pk, status=_status_of(error), reply_form=form)
        messages.success(
            request, _("Resubmitted: your mentor will look again.") if resubmit else _("Your reply is sent.")
        )
        return redirect(review)
    return _render_review(request, pk, status=400, reply_form=form)


MENTOR_ACTIONS = {
    "claim": (
        mentorship.claim,
        ngettext_lazy(
            "Claimed: the request is yours for %(hours)s hour.",
            "Claimed: the request is yours for %(hours)s hours.",
            "hours",
        ),
    ),
    "extend": (mentorship.extend, gettext_lazy("Your claim is extended.")),
    "release": (mentorship.release, gettext_lazy("Released: the request is back on the desk.")),
}


@login_required
@require_POST
def review_action(request, pk, action):
    if action not in MENTOR_ACTIONS:
        raise Http404(_("No such action."))
    review = _review_for(request, pk)
    service, done = MENTOR_ACTIONS[action]
    try:
        service(mentor=request.user, review=review)
    except ValidationError as error:
        return _render_review(request, pk, status=_status_of(error), error=error)
    messages.success(request, done % {"hours": settings.MENTOR_CLAIM_HOURS})
    return redirect(review)


@login_required
@require_POST
def review_decide(request, pk):
    review = _review_for(request, pk)
    if not permissions.can_review(request.user, review):
        if review.learner_id == request.user.pk:
            raise PermissionDenied(_("You cannot review your own request."))
        raise PermissionDenied(_("Only mentors can review requests."))
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            mentorship.decide(
                mentor=request.user,
                review=review,
                verdict=form.cleaned_data["verdict"],
                feedback=form.cleaned_data["feedback"],
            )
        except ValidationError as error:
            _add_errors(form, error)
            return _render_review(request, pk, status=_status_of(error), decision_form=form)
        verified = form.cleaned_data["verdict"] == "verified"
        messages.success(
            request, _("Verified: the learner is told.") if verified else _("Sent back with your feedback.")
        )
        return redirect("community:mentor-desk")
    return _render_review(request, pk, status=400, decision_form=form)


@moderator_required
@require_http_methods(["GET", "HEAD", "POST"])
def mentor_desk(request):
    """The desk: the mentor's claims, then waiting requests (their sections first, oldest
    first), filterable by roadmap and section; and the sections they cover."""
    if request.method == "POST":
        sections_form = MentorSectionsForm(request.POST)
        if sections_form.is_valid():
            mentorship.set_mentor_sections(
                mentor=request.user,
                section_ids=[section.pk for section in sections_form.cleaned_data["sections"]],
                watched_ids=[section.pk for section in sections_form.cleaned_data["watching"]],
            )
            messages.success(request, _("Your sections are saved."))
            return redirect("community:mentor-desk")
        status = 400
    else:
        chosen = selectors.mentor_sections(mentor=request.user)
        sections_form = MentorSectionsForm(
            initial={"sections": sorted(chosen), "watching": sorted(pk for pk in chosen if chosen[pk])}
        )
        status = 200
    filters = DeskFilter(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    page = selectors.desk(
        mentor=request.user,
        roadmap=values.get("roadmap"),
        section=values.get("section"),
        page_number=request.GET.get("page", 1),
    )
    return render(
        request,
        "community/mentor/desk.html",
        {
            "page": page,
            "claims": selectors.my_claims(mentor=request.user),
            "filters": filters,
            "sections_form": sections_form,
        },
        status=status,
    )


@require_safe
def mentor_list(request):
    return render(request, "community/mentor/mentors.html", {"mentors": selectors.public_mentors()})
