import csv
import json
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.page_cache import anonymous_page
from config.slots import render_page
from roadmap import caches, hooks, selectors, services
from roadmap.forms import NoteForm, ProgressForm


@require_safe
@anonymous_page(caches.CATALOGUE_PAGE)
def roadmap_list(request):
    cards = selectors.roadmap_cards(viewer=request.user)
    return render(request, "roadmap/roadmap_list.html", {"cards": cards})


@require_safe
@anonymous_page(caches.ROADMAP_PAGE)
def roadmap_detail(request, slug):
    roadmap = selectors.published_roadmap(slug=slug)
    counts = hooks.discussion_counts(roadmap_id=roadmap.pk)
    progress = selectors.map_progress(roadmap=roadmap, viewer=request.user)
    html = selectors.map_html(roadmap=roadmap, discussion_counts=counts).pieces(progress)

    def render_summary():
        return render_to_string(
            "roadmap/roadmap_detail.html#progress-summary", {"roadmap": roadmap, "map": progress}, request
        )

    if request.user.is_authenticated:  # the same until their progress or the roadmap changes
        summary = caches.MAP_SUMMARY.get(user_id=request.user.pk, roadmap_id=roadmap.pk, build=render_summary)
    else:  # the whole page is cached for visitors
        summary = render_summary()
    return render_page(
        request,
        "roadmap/roadmap_detail.html",
        {
            "roadmap": roadmap,
            "json_ld": caches.ROADMAP_JSON_LD.get(roadmap_id=roadmap.pk, roadmap=roadmap),
        },
        body=html,
        personal={"progress_summary": summary},
        shell=caches.MAP_SHELL.bind(roadmap_id=roadmap.pk),
    )


def _topic_context(request, roadmap, topic_slug):
    content = selectors.topic_content(roadmap=roadmap, slug=topic_slug)
    roadmap_map = selectors.roadmap_map(roadmap=roadmap, viewer=request.user)
    ordered = list(roadmap_map.topics_by_id.values())
    node = roadmap_map.topics_by_id[content.id]
    index = ordered.index(node)
    return {
        "roadmap": roadmap,
        "topic": content,
        "node": node,
        "map": roadmap_map,
        "resource_groups": selectors.resources_by_kind(content.resources),
        "prerequisites": [roadmap_map.topics_by_id[pk] for pk in node.prerequisite_ids],
        "unlocks": [t for t in ordered if content.id in t.prerequisite_ids],
        "previous_topic": ordered[index - 1] if index > 0 else None,
        "next_topic": ordered[index + 1] if index + 1 < len(ordered) else None,
        "statuses": ProgressForm.base_fields["status"].choices,
        "review_block": hooks.topic_review(topic_id=content.id, viewer=request.user, node=node),
        "quiz": _quiz_block(request, roadmap, content, node),
        "section_project": _section_project_link(roadmap, roadmap_map, node.section_id),
    }


def _section_project_link(roadmap, roadmap_map, section_id) -> dict | None:
    section = next((section for section in roadmap_map.sections if section.id == section_id), None)
    if section is None or not section.project_title:
        return None
    return {
        "title": section.project_title,
        "url": reverse("roadmap:project-detail", args=[roadmap.slug, section_id]),
    }


QUIZ_PLACES = ("page", "panel")


@dataclass
class QuizBlock:
    """What the quiz component shows: the questions to ask (no answers in them), or a result."""

    questions: list
    place: str
    action: str
    page_url: str
    can_answer: bool
    is_passed: bool = False
    error: str = ""
    result: selectors.QuizResult | None = None
    retry_url: str = ""
    retry_htmx_url: str = ""
    topic_url: str = ""


def _quiz_block(request, roadmap, content, node, *, place=None, chosen=None, error="") -> QuizBlock | None:
    questions = selectors.quiz(roadmap_id=roadmap.pk, topic_id=content.id)
    if not questions:
        return None
    if place is None:
        place = "panel" if request.htmx and request.GET.get("panel") else "page"
    page_url = reverse("roadmap:topic-detail", args=[roadmap.slug, content.slug])
    return QuizBlock(
        questions=selectors.asked_quiz(questions, chosen=chosen),
        place=place,
        action=reverse("roadmap:topic-quiz", args=[roadmap.slug, content.slug]),
        page_url=page_url,
        can_answer=request.user.is_authenticated,
        is_passed=node.is_quiz_passed,
        error=error,
    )


def _result_block(request, roadmap, topic_slug, attempt, *, place: str) -> QuizBlock:
    result = selectors.quiz_result(attempt=attempt, roadmap_id=roadmap.pk)
    quiz_url = reverse("roadmap:topic-quiz", args=[roadmap.slug, topic_slug])
    page_url = reverse("roadmap:topic-detail", args=[roadmap.slug, topic_slug])
    return QuizBlock(
        questions=list(result.questions),
        place=place,
        action=quiz_url,
        page_url=page_url,
        can_answer=True,
        result=result,
        retry_url=f"{page_url}#quiz",
        retry_htmx_url=f"{quiz_url}?place={place}" if request.htmx else "",
        topic_url="" if request.htmx else page_url,
    )


@require_safe
@anonymous_page(caches.TOPIC_PAGE)
def topic_detail(request, slug, topic):
    roadmap = selectors.published_roadmap(slug=slug)
    context = _topic_context(request, roadmap, topic)
    context["discussion"] = hooks.topic_discussion(topic_id=context["topic"].id, viewer=request.user)
    context["figures"] = hooks.topic_figures(topic_id=context["topic"].id)
    if request.user.is_authenticated:
        note = selectors.note_for(user=request.user, topic_id=context["topic"].id)
        context["note"] = note
        context["note_form"] = NoteForm(initial={"body": note.body if note else ""})
    if request.htmx and request.GET.get("panel"):
        context["in_panel"] = True
        return render(request, "roadmap/topic_detail.html#topic-panel", context)
    return render(request, "roadmap/topic_detail.html", context)


def _redirect_back(request, fallback):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)


@require_POST
@login_required
def topic_progress(request, slug, topic):
    topic_obj = selectors.published_topic(roadmap_slug=slug, topic_slug=topic)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        message = form.errors["status"][0]
        if request.htmx:
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        messages.error(request, message)
        return render(request, "errors/400.html", {"message": message}, status=400)
    services.set_progress(user=request.user, topic=topic_obj, status=form.cleaned_data["status"])
    if request.htmx:
        context = _topic_context(request, topic_obj.roadmap, topic_obj.slug)
        from_map = request.POST.get("from") == "map"
        context.update(in_panel=from_map, oob_map=from_map)
        if from_map:
            sections = context["map"].sections
            context["section"] = next(
                section for section in sections if section.id == context["node"].section_id
            )
        return render(request, "roadmap/topic_detail.html#status-panel", context)
    return _redirect_back(request, topic_obj.get_absolute_url())


@require_POST
@login_required
def topic_note(request, slug, topic):
    topic_obj = selectors.published_topic(roadmap_slug=slug, topic_slug=topic)
    form = NoteForm(request.POST)
    status = 200
    if form.is_valid():
        try:
            services.save_note(user=request.user, topic=topic_obj, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error("body", error)
            status = 413 if error.code == "too_long" else 400
    else:
        status = 400
    if status == 200 and not request.htmx:
        messages.success(request, gettext("Your note is saved."))
        return redirect(topic_obj.get_absolute_url() + "#note")
    context = _topic_context(request, topic_obj.roadmap, topic_obj.slug)
    context["note_form"] = form
    context["note"] = selectors.note_for(user=request.user, topic_id=topic_obj.pk)
    context["note_saved"] = status == 200
    if request.htmx:
        return render(request, "roadmap/topic_detail.html#note-panel", context, status=status)
    context["discussion"] = hooks.topic_discussion(topic_id=topic_obj.pk, viewer=request.user)
    return render(request, "roadmap/topic_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def roadmap_reset(request, slug):
    roadmap = selectors.published_roadmap(slug=slug)
    if request.method == "POST":
        deleted = services.reset_progress(user=request.user, roadmap=roadmap)
        messages.success(
            request,
            ngettext(
                "Your progress on %(roadmap)s is reset (%(count)s topic cleared).",
                "Your progress on %(roadmap)s is reset (%(count)s topics cleared).",
                deleted,
            )
            % {"roadmap": roadmap.title, "count": deleted},
        )
        return redirect(roadmap.get_absolute_url())
    roadmap_map = selectors.roadmap_map(roadmap=roadmap, viewer=request.user)
    return render(request, "roadmap/roadmap_reset.html", {"roadmap": roadmap, "map": roadmap_map})


@login_required
@require_safe
def progress_download(request, slug, fmt):
    if fmt not in {"csv", "json"}:
        raise Http404(gettext("Progress downloads come as .csv or .json."))
    roadmap = selectors.published_roadmap(slug=slug)
    rows = selectors.progress_rows(user=request.user, roadmap=roadmap)
    filename = f"stepwise-{roadmap.slug}-progress.{fmt}"
    if fmt == "json":
        response = HttpResponse(
            json.dumps({"roadmap": roadmap.slug, "progress": rows}, indent=2), content_type="application/json"
        )
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.DictWriter(response, fieldnames=selectors.PROGRESS_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _quiz_place(value) -> str:
    return value if value in QUIZ_PLACES else "page"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def topic_quiz(request, slug, topic):
    """POST: mark an attempt. Its result replaces the quiz (htmx) or is a page of its own.
    GET (htmx): the quiz afresh, options in a new order, to try again; without htmx the quiz
    is on the topic page."""
    topic_obj = selectors.published_topic(roadmap_slug=slug, topic_slug=topic)
    roadmap = topic_obj.roadmap
    place = _quiz_place(request.POST.get("place") or request.GET.get("place"))
    if request.method != "POST":
        if not request.htmx:
            return redirect(topic_obj.get_absolute_url() + "#quiz")
        context = _topic_context(request, roadmap, topic_obj.slug)
        if context["quiz"] is None:
            raise Http404(gettext("This topic has no quiz."))
        context["quiz"].place = place
        return render(request, "roadmap/components/quiz.html#quiz-block", context)
    questions = selectors.quiz(roadmap_id=roadmap.pk, topic_id=topic_obj.pk)
    answers = {question.id: request.POST.getlist(f"question-{question.id}") for question in questions}
    try:
        attempt = services.submit_quiz_attempt(user=request.user, topic=topic_obj, answers=answers)
    except services.TooManyAttempts as error:
        if request.htmx:
            response = HttpResponse(str(error), status=429, content_type="text/plain; charset=utf-8")
        else:
            response = render(request, "429.html", {"message": str(error)}, status=429)
        response["Retry-After"] = str(error.retry_after)
        return response
    except ValidationError as error:
        if error.code == "no_quiz":
            raise Http404(gettext("This topic has no quiz.")) from None
        context = _topic_context(request, roadmap, topic_obj.slug)
        content, node = context["topic"], context["node"]
        context["quiz"] = _quiz_block(
            request, roadmap, content, node, place=place, chosen=answers, error=" ".join(error.messages)
        )
        if request.htmx:
            return render(request, "roadmap/components/quiz.html#quiz-block", context, status=400)
        context["discussion"] = hooks.topic_discussion(topic_id=content.id, viewer=request.user)
        return render(request, "roadmap/topic_detail.html", context, status=400)
    if request.htmx:
        context = {"quiz": _result_block(request, roadmap, topic_obj.slug, attempt, place=place)}
        return render(request, "roadmap/components/quiz.html#quiz-block", context)
    return redirect("roadmap:quiz-result", slug=roadmap.slug, topic=topic_obj.slug, attempt_id=attempt.pk)


@login_required
@require_safe
def quiz_result(request, slug, topic, attempt_id):
    """One of the learner's attempts, marked, with every option's explanation."""
    topic_obj = selectors.published_topic(roadmap_slug=slug, topic_slug=topic)
    attempt = selectors.quiz_attempt_for(user=request.user, attempt_id=attempt_id, topic_id=topic_obj.pk)
    quiz = _result_block(request, topic_obj.roadmap, topic_obj.slug, attempt, place="page")
    response = render(
        request, "roadmap/quiz_result.html", {"roadmap": topic_obj.roadmap, "topic": topic_obj, "quiz": quiz}
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@anonymous_page(caches.PROJECT_PAGE)
def project_detail(request, slug, section_id):
    """A section's project: its goal, requirements, stretch goal and what to hand in; a
    signed-in learner hands their repository in from here (community's mentorship)."""
    roadmap = selectors.published_roadmap(slug=slug)
    project = selectors.section_project(roadmap=roadmap, section_id=section_id)
    return render(
        request,
        "roadmap/project_detail.html",
        {
            "roadmap": roadmap,
            "project": project,
            "hand_in": hooks.project_hand_in(project_id=project.id, viewer=request.user),
        },
    )
