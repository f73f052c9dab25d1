from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import permissions, selectors, services
from community import search as search_selectors
from community.forms import CommentForm, PreviewForm, ReactionForm, ThreadForm
from community.markdown import render_post
from community.models import Comment, Reaction, Status, Tag, Thread
from roadmap import selectors as roadmap_selectors
from roadmap.models import Topic


def home(request):
    return render(
        request,
        "home.html",
        {
            "cards": roadmap_selectors.roadmap_cards(viewer=request.user),
            "continue_learning": roadmap_selectors.continue_learning(user=request.user),
            "latest": selectors.thread_listing(tab="latest").page.object_list[:8],
        },
    )


@require_GET
def search(request):
    results = search_selectors.search(query=request.GET.get("q", ""), viewer=request.user)
    return render(request, "community/search.html", {"results": results})


# --- Lists -----------------------------------------------------------------------------


def _topic_filter(request):
    topic_id = request.GET.get("topic", "")
    if not topic_id.isdigit():
        return None
    return Topic.objects.published().select_related("roadmap").filter(pk=topic_id).first()


@require_GET
def thread_list(request):
    tag_slug = request.GET.get("tag", "")
    tag = Tag.objects.filter(slug=tag_slug).first() if tag_slug else None
    listing = selectors.thread_listing(
        tab=request.GET.get("tab", "latest"),
        period=request.GET.get("period", "week"),
        tag=tag,
        topic=_topic_filter(request),
        page_number=request.GET.get("page", 1),
    )
    return render(
        request,
        "community/thread_list.html",
        {
            "listing": listing,
            "tags": selectors.curated_tags(),
            "can_post": permissions.can_post(request.user),
        },
    )


@require_GET
def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    listing = selectors.thread_listing(
        tab=request.GET.get("tab", "latest"),
        period=request.GET.get("period", "week"),
        tag=tag,
        page_number=request.GET.get("page", 1),
    )
    return render(
        request,
        "community/tag_detail.html",
        {
            "listing": listing,
            "tag": tag,
            "follows": tag.pk in selectors.followed_tag_ids(user=request.user),
            "can_post": permissions.can_post(request.user),
        },
    )


# --- Threads ---------------------------------------------------------------------------


def _posting_refused(request, message, status=403):
    return render(request, "community/cannot_post.html", {"message": message}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def thread_create(request):
    block = permissions.posting_block(request.user)
    if block:
        return _posting_refused(request, block)
    topic = _topic_filter(request)
    form = ThreadForm(request.POST or None, initial={"topic": topic})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                thread = services.create_thread(author=request.user, **form.cleaned_data)
            except services.RateLimited as error:
                form.add_error(None, str(error))
                status = 429
            except ValidationError as error:
                form.add_error(None, error)
            except PermissionDenied as error:
                return _posting_refused(request, str(error))
            else:
                messages.success(request, "Your thread is posted.")
                return redirect(thread.get_absolute_url())
    return render(request, "community/thread_form.html", {"form": form, "topic": topic}, status=status)


@require_GET
def thread_redirect(request, pk):
    thread = selectors.visible_thread(pk=pk, viewer=request.user)
    return redirect(thread, permanent=True)


@require_GET
def thread_detail(request, pk, slug):
    thread = selectors.visible_thread(pk=pk, viewer=request.user)
    if slug != thread.slug:
        return redirect(thread, permanent=True)
    page = selectors.thread_page(thread=thread, viewer=request.user, page_number=request.GET.get("page", 1))
    return render(
        request,
        "community/thread_detail.html",
        {
            "page": page,
            "thread": thread,
            "comment_form": CommentForm(),
            "reaction_kinds": Reaction.Kind.choices,
        },
    )


def _own_thread(request, pk):
    thread = selectors.visible_thread(pk=pk, viewer=request.user)
    if not permissions.is_author(request.user, thread):
        raise PermissionDenied("You can only change your own threads.")
    return thread


@login_required
@require_http_methods(["GET", "POST"])
def thread_edit(request, pk, slug):
    thread = _own_thread(request, pk)
    if not permissions.can_edit(request.user, thread):
        return _posting_refused(
            request, permissions.posting_block(request.user) or "This thread cannot be edited."
        )
    initial = {"title": thread.title, "body": thread.body, "topic": thread.topic, "tags": thread.tags.all()}
    form = ThreadForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.edit_thread(thread=thread, editor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Your changes are saved.")
                return redirect(thread)
    return render(request, "community/thread_form.html", {"form": form, "thread": thread}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def thread_delete(request, pk, slug):
    thread = _own_thread(request, pk)
    if request.method == "POST":
        services.delete_thread(thread=thread, user=request.user)
        messages.success(request, "Your thread is deleted.")
        return redirect("community:thread-list")
    return render(request, "community/confirm_delete.html", {"thing": "thread", "thread": thread})


# --- Comments --------------------------------------------------------------------------


@login_required
@require_POST
def comment_create(request, pk, slug):
    thread = selectors.visible_thread(pk=pk, viewer=request.user)
    form = CommentForm(request.POST)
    status = 400
    if form.is_valid():
        parent = None
        if form.cleaned_data["parent"]:
            parent = Comment.objects.filter(pk=form.cleaned_data["parent"], thread=thread).first()
            if parent is None:
                raise Http404("The comment you replied to is gone.")
        try:
            comment = services.create_comment(
                thread=thread, author=request.user, body=form.cleaned_data["body"], parent=parent
            )
        except services.RateLimited as error:
            form.add_error(None, str(error))
            status = 429
        except PermissionDenied as error:
            form.add_error(None, str(error))
            status = 403
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(comment.get_absolute_url())
    page = selectors.thread_page(thread=thread, viewer=request.user, page_number=request.GET.get("page", 1))
    return render(
        request,
        "community/thread_detail.html",
        {"page": page, "thread": thread, "comment_form": form, "reaction_kinds": Reaction.Kind.choices},
        status=status,
    )


@require_GET
def comment_link(request, pk):
    """A stable link to a comment: redirects to the right page of its thread, at #c<id>."""
    comment = get_object_or_404(Comment.objects.select_related("thread"), pk=pk)
    thread = selectors.visible_thread(pk=comment.thread_id, viewer=request.user)
    page = selectors.comment_page_number(comment=comment)
    url = thread.get_absolute_url() + (f"?page={page}" if page > 1 else "")
    return redirect(f"{url}#c{comment.pk}")


def _own_comment(request, pk):
    comment = get_object_or_404(Comment.objects.select_related("thread"), pk=pk)
    selectors.visible_thread(pk=comment.thread_id, viewer=request.user)
    if not permissions.is_author(request.user, comment) or comment.status == Status.REMOVED:
        raise PermissionDenied("You can only change your own comments.")
    return comment


@login_required
@require_http_methods(["GET", "POST"])
def comment_edit(request, pk):
    comment = _own_comment(request, pk)
    if not permissions.can_edit(request.user, comment):
        return _posting_refused(
            request, permissions.posting_block(request.user) or "This comment cannot be edited."
        )
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            services.edit_comment(comment=comment, editor=request.user, body=form.cleaned_data["body"])
            return redirect(comment.get_absolute_url())
    return render(request, "community/comment_form.html", {"form": form, "comment": comment}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def comment_delete(request, pk):
    comment = _own_comment(request, pk)
    if request.method == "POST":
        thread = comment.thread
        services.delete_comment(comment=comment, user=request.user)
        messages.success(request, "Your comment is deleted.")
        return redirect(thread)
    return render(request, "community/confirm_delete.html", {"thing": "comment", "comment": comment})


@login_required
@require_POST
def comment_accept(request, pk):
    comment = get_object_or_404(Comment.objects.select_related("thread"), pk=pk)
    thread = selectors.visible_thread(pk=comment.thread_id, viewer=request.user)
    try:
        accepted = services.accept_answer(thread=thread, comment=comment, user=request.user)
    except ValidationError as error:
        return HttpResponse(" ".join(error.messages), status=400, content_type="text/plain; charset=utf-8")
    messages.success(
        request, "Marked as the accepted answer." if accepted else "The answer is no longer marked."
    )
    return redirect(comment.get_absolute_url())


# --- Reactions, follows, bookmarks -----------------------------------------------------


def _react(request, target, thread):
    form = ReactionForm(request.POST)
    if not form.is_valid():
        return HttpResponse("Unknown reaction. Use like, helpful or insightful.", status=400)
    try:
        services.toggle_reaction(user=request.user, target=target, kind=form.cleaned_data["kind"])
    except PermissionDenied as error:
        if request.htmx:
            return HttpResponse(str(error), status=403, content_type="text/plain; charset=utf-8")
        raise
    if request.htmx:
        target.refresh_from_db(fields=["like_count", "helpful_count", "insightful_count", "reaction_count"])
        kind = "thread" if isinstance(target, Thread) else "comment"
        mine = {
            (kind, target.pk, reaction)
            for reaction in Reaction.objects.filter(user=request.user, **{kind: target}).values_list(
                "kind", flat=True
            )
        }
        return render(
            request,
            "community/components/reactions.html",
            {"target": target, "kind": kind, "mine": mine, "thread": thread, "can_react": True},
        )
    return redirect(target.get_absolute_url() if isinstance(target, Comment) else thread.get_absolute_url())


@login_required
@require_POST
def thread_react(request, pk, slug):
    thread = selectors.visible_thread(pk=pk, viewer=request.user)
    return _react(request, thread, thread)


@login_required
@require_POST
def comment_react(request, pk):
    comment = get_object_or_404(Comment.objects.select_related("thread"), pk=pk)
    thread = selectors.visible_thread(pk=comment.thread_id, viewer=request.user)
    return _react(request, comment, thread)


def _toggle_response(request, *, is_on, on_text, off_text, url, fallback):
    if request.htmx:
        return render(
            request,
            "community/components/toggle_button.html",
            {"is_on": is_on, "on_text": on_text, "off_text": off_text, "url": url},
        )
    messages.success(request, on_text if is_on else off_text)
    return redirect(fallback)


@login_required
@require_POST
def thread_follow(request, pk, slug):
    thread = selectors.visible_thread(pk=pk, viewer=request.user)
    following = services.toggle_follow(user=request.user, thread=thread)
    return _toggle_response(
        request,
        is_on=following,
        on_text="Following",
        off_text="Follow",
        url=reverse("community:thread-follow", args=[thread.pk, thread.slug]),
        fallback=thread.get_absolute_url(),
    )


@login_required
@require_POST
def thread_bookmark(request, pk, slug):
    thread = selectors.visible_thread(pk=pk, viewer=request.user)
    saved = services.toggle_bookmark(user=request.user, thread=thread)
    return _toggle_response(
        request,
        is_on=saved,
        on_text="Saved",
        off_text="Save for later",
        url=reverse("community:thread-bookmark", args=[thread.pk, thread.slug]),
        fallback=thread.get_absolute_url(),
    )


@login_required
@require_POST
def tag_follow(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    following = services.toggle_follow(user=request.user, tag=tag)
    return _toggle_response(
        request,
        is_on=following,
        on_text="Following",
        off_text="Follow tag",
        url=reverse("community:tag-follow", args=[tag.slug]),
        fallback=tag.get_absolute_url(),
    )


@login_required
@require_POST
def topic_follow(request, pk):
    topic = get_object_or_404(Topic.objects.published().select_related("roadmap"), pk=pk)
    following = services.toggle_follow(user=request.user, topic=topic)
    return _toggle_response(
        request,
        is_on=following,
        on_text="Following this topic",
        off_text="Follow this topic",
        url=reverse("community:topic-follow", args=[topic.pk]),
        fallback=topic.get_absolute_url(),
    )


@login_required
@require_GET
def bookmark_list(request):
    return render(
        request,
        "community/bookmarks.html",
        {"page": selectors.bookmarks(user=request.user, page_number=request.GET.get("page", 1))},
    )


# --- Notifications ---------------------------------------------------------------------


@login_required
@require_GET
def notification_list(request):
    page = selectors.notifications(user=request.user, page_number=request.GET.get("page", 1))
    return render(request, "community/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request):
    raw_ids = request.POST.getlist("id")
    if raw_ids and not all(value.isdigit() for value in raw_ids):
        return HttpResponse("Notification ids are numbers.", status=400)
    ids = [int(value) for value in raw_ids] or None
    services.mark_notifications_read(user=request.user, ids=ids)
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("community:notification-list")


# --- Preview ---------------------------------------------------------------------------


@login_required
@require_POST
def markdown_preview(request):
    """The same renderer as on save, for the preview tab of the post forms (htmx)."""
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return HttpResponse("The text is too long to preview.", status=413)
    html = render_post(form.cleaned_data["body"]).html
    return render(request, "community/components/preview.html", {"html": html})
