import functools
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.adapters import FIRST_SIGN_IN
from accounts.models import User
from community import (
    activity,
    caches,
    digest,
    moderation,
    notification_unsubscribe,
    permissions,
    rendering,
    selectors,
    services,
)
from community import search as search_selectors
from community.forms import (
    CommentForm,
    EmailPreferencesForm,
    FlagForm,
    FollowLevelForm,
    ModerationForm,
    ModerationLogFilter,
    MoveForm,
    NewThreadForm,
    PreviewForm,
    ReactionForm,
    ReplyTargetForm,
    RetagForm,
    SetOrClearForm,
    SuspendForm,
    TagForm,
    ThreadForm,
    WatchLevelForm,
)
from community.models import Comment, EmailPreference, FollowLevel, Status, Tag, Thread, WatchLevel
from config import page_cache
from config.api import write_wait
from config.errors import Conflict
from config.input_guard import database_id
from config.page_cache import anonymous_page
from config.slots import render_page
from roadmap import selectors as roadmap_selectors
from roadmap.models import Topic


@require_safe
@anonymous_page(caches.LISTS_PAGE)
def home(request):
    return render(
        request,
        "home.html",
        {
            "cards": roadmap_selectors.roadmap_cards(viewer=request.user),
            "continue_learning": roadmap_selectors.continue_learning(user=request.user),
            "this_week": activity.this_week(user=request.user) if request.user.is_authenticated else None,
            "is_first_sign_in": request.session.get(FIRST_SIGN_IN, False),
            "latest": selectors.latest_threads(),
        },
    )


@require_safe
@anonymous_page(
    caches.LISTS_PAGE, parameters={"q": page_cache.text(max_length=search_selectors.MAX_QUERY_LENGTH)}
)
def search(request):
    results = search_selectors.search(query=request.GET.get("q", ""), viewer=request.user)
    return render(request, "community/search.html", {"results": results})


# --- Lists -----------------------------------------------------------------------------


def _published_topic(topic_id: str):
    if database_id(topic_id) is None:
        return None
    return Topic.objects.published().select_related("roadmap").filter(pk=topic_id).first()


def _topic_filter(request):
    return _published_topic(request.GET.get("topic", ""))


LISTING_PARAMETERS = {
    "tab": page_cache.choice(*selectors.TABS, default="latest"),
    "period": page_cache.choice(*selectors.PERIODS, default="week"),
    "page": page_cache.page_number,
}


def _cards_html(request, listing) -> str:
    """A page of thread cards; nothing in it is personal, so signed-in viewers share it."""
    shown = (
        f"{listing.tab}:{listing.period}:{listing.tag.pk if listing.tag else ''}:"
        f"{listing.topic.pk if listing.topic else ''}:{listing.page.number}"
    )
    return caches.THREAD_CARDS.get(
        listing=shown,
        build=lambda: render_to_string(
            "community/components/thread_cards.html", {"threads": listing.page.object_list}
        ),
    )


@require_safe
@anonymous_page(
    caches.LISTS_PAGE,
    parameters={
        **LISTING_PARAMETERS,
        "tag": page_cache.existing(lambda slug: Tag.objects.filter(slug=slug).exists()),
        "topic": lambda topic_id: str(int(topic_id)) if _published_topic(topic_id) else None,
    },
)
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
            "cards_html": _cards_html(request, listing),
            "tags": selectors.curated_tags(),
            "can_post": permissions.can_post(request.user),
        },
    )


@require_safe
@anonymous_page(caches.TAGS_PAGE)
def tag_index(request):
    return render(request, "community/tag_index.html", {"tags": selectors.tag_index(viewer=request.user)})


@require_safe
@anonymous_page(caches.LISTS_PAGE, parameters=LISTING_PARAMETERS)
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
            "cards_html": _cards_html(request, listing),
            "tag": tag,
            "follow_control": rendering.follow_control_context(
                url=reverse("community:tag-follow", args=[tag.slug]),
                level=selectors.follow_level(user=request.user, tag_id=tag.pk),
                legend=_("Follow this tag"),
            ),
            "can_post": permissions.can_post(request.user),
        },
    )


# --- Threads ---------------------------------------------------------------------------


def _posting_refused(request, message, status=403):
    return render(request, "community/cannot_post.html", {"message": message}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread_create(request):
    block = permissions.posting_block(request.user)
    if block:
        return _posting_refused(request, block)
    topic = _topic_filter(request)
    form = NewThreadForm(request.POST or None, initial={"topic": topic})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                thread = services.create_thread(author=request.user, **form.cleaned_data)
            except services.AlreadyPosted as posted:
                return _already_posted(request, posted.post)
            except services.RateLimited as error:
                form.add_error(None, str(error))
                status = 429
            except ValidationError as error:
                form.add_error(None, error)
            except PermissionDenied as error:
                return _posting_refused(request, str(error))
            else:
                messages.success(request, _("Your thread is posted."))
                return redirect(thread.get_absolute_url())
    return render(request, "community/thread_form.html", {"form": form, "topic": topic}, status=status)


def _already_posted(request, post):
    """The second submit of a post form: to the post the first one made."""
    is_thread = isinstance(post, Thread)
    if post.status == Status.REMOVED:
        if is_thread:
            messages.info(request, _("You already posted this thread, and deleted it since."))
            return redirect("community:thread-list")
        messages.info(request, _("You already posted this reply, and deleted it since."))
        return redirect(post.thread)
    if is_thread:
        messages.info(request, _("You already posted this thread; here it is."))
    else:
        messages.info(request, _("You already posted this reply; here it is."))
    return redirect(post.get_absolute_url())


@require_safe
def thread_redirect(request, pk):
    thread = selectors.visible_thread(pk=pk, viewer=request.user)
    return redirect(thread, permanent=True)


@require_safe
@anonymous_page(caches.THREAD_PAGE, parameters={"page": page_cache.page_number})
def thread_detail(request, pk, slug):
    thread = selectors.thread_for_page(pk=pk, viewer=request.user)
    if slug != thread.slug:
        return redirect(thread, permanent=True)
    return _render_thread(request, thread)


def _page_number(request) -> int:
    value = request.GET.get("page", "1")
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 100_000 else 1


def _reply_target(request, thread, comment_form) -> int | None:
    """The comment of this thread the reply form answers; anything else asked for is ignored."""
    asked = request.GET.get("reply") or (comment_form["parent"].value() if comment_form is not None else None)
    if not asked:  # the usual page: nothing to parse
        return None
    given = ReplyTargetForm({"reply": asked})
    if not given.is_valid():
        return None
    return selectors.reply_target(thread=thread, comment_id=given.cleaned_data["reply"])


def _render_thread(request, thread, comment_form=None, status=200):
    """The thread's page; `comment_form` is the reply form sent back with its errors, if any."""
    page = selectors.thread_page(thread=thread, viewer=request.user)
    body = rendering.thread_body(
        request,
        thread=thread,
        page=page,
        comment_form=comment_form,
        page_number=_page_number(request),
        reply=_reply_target(request, thread, comment_form),
    )
    meta = caches.THREAD_META.get(thread_id=thread.pk, page_number=_page_number(request), thread=thread)
    return render_page(
        request,
        "community/thread_detail.html",
        {"thread": thread, "meta": meta},
        body=body,
        status=status,
        shell=caches.THREAD_SHELL.bind(thread_id=thread.pk),
    )


def _own_thread(request, pk):
    thread = selectors.visible_thread(pk=pk, viewer=request.user)
    if not permissions.is_author(request.user, thread):
        raise PermissionDenied(_("You can only change your own threads."))
    return thread


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread_edit(request, pk, slug):
    thread = _own_thread(request, pk)
    if not permissions.can_edit(request.user, thread):
        return _posting_refused(
            request, permissions.posting_block(request.user) or _("This thread cannot be edited.")
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
                messages.success(request, _("Your changes are saved."))
                return redirect(thread)
    return render(request, "community/thread_form.html", {"form": form, "thread": thread}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread_delete(request, pk, slug):
    thread = _own_thread(request, pk)
    if request.method == "POST":
        services.delete_thread(thread=thread, user=request.user)
        messages.success(request, _("Your thread is deleted."))
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
                raise Http404(_("The reply you answered is gone."))
        try:
            comment = services.create_comment(
                thread=thread,
                author=request.user,
                body=form.cleaned_data["body"],
                parent=parent,
                submission=form.cleaned_data["submission"],
            )
        except services.AlreadyPosted as posted:
            return _already_posted(request, posted.post)
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
    return _render_thread(request, thread, form, status=status)


@require_safe
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
        raise PermissionDenied(_("You can only change your own replies."))
    return comment


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def comment_edit(request, pk):
    comment = _own_comment(request, pk)
    if not permissions.can_edit(request.user, comment):
        return _posting_refused(
            request, permissions.posting_block(request.user) or _("This reply cannot be edited.")
        )
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.edit_comment(comment=comment, editor=request.user, body=form.cleaned_data["body"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect(comment.get_absolute_url())
    return render(request, "community/comment_form.html", {"form": form, "comment": comment}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def comment_delete(request, pk):
    comment = _own_comment(request, pk)
    if request.method == "POST":
        thread = comment.thread
        services.delete_comment(comment=comment, user=request.user)
        messages.success(request, _("Your reply is deleted."))
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
        request, _("Marked as the accepted answer.") if accepted else _("The answer is no longer marked.")
    )
    return redirect(comment.get_absolute_url())


# --- Reactions, follows, bookmarks -----------------------------------------------------


def _too_many_reactions(request, wait: int):
    message = _("You are reacting faster than the site allows. Wait %(seconds)s seconds, then try again.") % {
        "seconds": wait
    }
    if request.htmx:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _react(request, target, thread, form):
    """Give or take back the reaction the button asks for (never a toggle). Reactions share
    the API's write budget (config.api.write_wait): one rate whichever way a member reacts."""
    wait = write_wait(request)
    if wait is not None:
        return _too_many_reactions(request, wait)
    change = services.reaction_set if form.cleaned_data["is_on"] else services.reaction_clear
    try:
        change(user=request.user, target=target, kind=form.cleaned_data["kind"])
    except PermissionDenied as error:
        if request.htmx:
            return HttpResponse(str(error), status=403, content_type="text/plain; charset=utf-8")
        raise
    if request.htmx:
        target.refresh_from_db(fields=["like_count", "helpful_count", "insightful_count", "reaction_count"])
        given = {reaction for _, _, reaction in selectors.reactions_given(user=request.user, target=target)}
        return HttpResponse(rendering.reaction_buttons(target=target, viewer=request.user, given=given))
    return redirect(target.get_absolute_url() if isinstance(target, Comment) else thread.get_absolute_url())


@login_required
@require_POST
def thread_react(request, pk, slug):
    """The thread page's one address for reactions: to the thread, or to one of its comments
    (ReactionForm's comment_id)."""
    thread = selectors.visible_thread(pk=pk, viewer=request.user)
    form = ReactionForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Unknown reaction. Use like, helpful or insightful."), status=400)
    target = thread
    if (comment_id := form.cleaned_data["comment_id"]) is not None:
        target = selectors.visible_comment(pk=comment_id, viewer=request.user)
        if target.thread_id != thread.pk:
            raise Http404("No such comment in this thread.")
    return _react(request, target, thread, form)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def comment_react(request, pk):
    """A comment's reactions. GET offers all three, where the thread page shows only those
    someone gave: on a page of its own, or, with htmx, in place of them (the "React" link);
    POST gives or takes one back."""
    comment = selectors.visible_comment(pk=pk, viewer=request.user)
    if request.method != "POST":
        return _reaction_choices(request, comment)
    form = ReactionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["comment_id"] not in (None, comment.pk):
        return HttpResponse(_("Unknown reaction. Use like, helpful or insightful."), status=400)
    return _react(request, comment, comment.thread, form)


def _reaction_choices(request, comment):
    """Every reaction to `comment`, pressed where the viewer gave it; refused (403) with the
    reason when they may not react to it, such as their own reply."""
    if not permissions.can_react(request.user, comment):
        if permissions.is_author(request.user, comment):
            refusal = _("You cannot react to your own reply.")
        else:
            refusal = _("You cannot react to this reply right now.")
        if request.htmx:
            return HttpResponse(refusal, status=403, content_type="text/plain; charset=utf-8")
        return render(request, "community/react.html", {"comment": comment, "refusal": refusal}, status=403)
    given = {reaction for _, _, reaction in selectors.reactions_given(user=request.user, target=comment)}
    buttons = rendering.reaction_buttons(target=comment, viewer=request.user, given=given)
    if request.htmx:
        return HttpResponse(buttons)
    return render(
        request, "community/react.html", {"comment": comment, "reactions": mark_safe(buttons.decode())}
    )


def _toggle_response(request, *, is_on, on_text, off_text, url, fallback):
    """htmx gets the button again; a plain form goes back to `next` (a path on this site) or
    to `fallback`, with the outcome as a message."""
    if request.htmx:
        return render(
            request,
            "community/components/toggle_button.html",
            {"is_on": is_on, "on_text": on_text, "off_text": off_text, "url": url},
        )
    messages.success(request, on_text if is_on else off_text)
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return redirect(fallback)


FOLLOW = (services.follow_set, services.follow_clear)
WATCH_LEVEL_SET = {
    WatchLevel.WATCHING: gettext_lazy("Notifications for this thread: watching."),
    WatchLevel.NORMAL: gettext_lazy("Notifications for this thread: normal."),
    WatchLevel.MUTED: gettext_lazy("Notifications for this thread: muted."),
}
FOLLOW_LEVEL_SET = {
    FollowLevel.NONE: pgettext_lazy("follow level set", "Not following."),
    FollowLevel.DIGEST: pgettext_lazy("follow level set", "Following."),
    FollowLevel.NEW_THREADS: pgettext_lazy("follow level set", "New threads."),
}
BOOKMARK = (services.bookmark_set, services.bookmark_clear)


def _set_or_clear(request, change, target: dict, **button):
    """Set or clear what the button asks for (SetOrClearForm), through `change`, the pair of
    set and clear services; then answer the button in its new state."""
    form = SetOrClearForm(request.POST)
    if not form.is_valid():
        return HttpResponse(
            _("Reload the page and try again."), status=400, content_type="text/plain; charset=utf-8"
        )
    is_on = form.cleaned_data["action"] == "set"
    set_state, clear_state = change
    (set_state if is_on else clear_state)(user=request.user, **target)
    return _toggle_response(request, is_on=is_on, **button)


@login_required
@require_POST
def thread_follow(request, pk, slug):
    """Set the viewer's watch level of the thread (WatchLevel); htmx gets the control again."""
    thread = selectors.visible_thread(pk=pk, viewer=request.user)
    form = WatchLevelForm(request.POST)
    if not form.is_valid():
        return HttpResponse(
            _("Choose watching, normal or muted."), status=400, content_type="text/plain; charset=utf-8"
        )
    level = form.cleaned_data["level"]
    services.watch_level_set(user=request.user, thread=thread, level=level)
    if request.htmx:
        return render(
            request, "community/components/watch_level.html", rendering.watch_control_context(thread, level)
        )
    messages.success(request, WATCH_LEVEL_SET[level])
    return redirect(thread.get_absolute_url())


@login_required
@require_POST
def thread_bookmark(request, pk, slug):
    thread = selectors.visible_thread(pk=pk, viewer=request.user)
    return _set_or_clear(
        request,
        BOOKMARK,
        {"thread": thread},
        on_text=pgettext("bookmark", "Saved"),
        off_text=_("Save for later"),
        url=reverse("community:thread-bookmark", args=[thread.pk, thread.slug]),
        fallback=thread.get_absolute_url(),
    )


def _follow_level(request, target: dict, *, url: str, fallback: str, legend: str):
    """Set the follow level a control asks for (`level`); htmx gets the control again."""
    form = FollowLevelForm(request.POST)
    if not form.is_valid():
        return HttpResponse(
            _("Choose none, digest or new_threads."), status=400, content_type="text/plain; charset=utf-8"
        )
    level = form.cleaned_data["level"]
    services.follow_level_set(user=request.user, level=level, **target)
    if request.htmx:
        context = rendering.follow_control_context(url=url, level=level, legend=legend)
        return render(request, "community/components/watch_level.html", context)
    messages.success(request, FOLLOW_LEVEL_SET[level])
    return redirect(fallback)


@login_required
@require_POST
def tag_follow(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    if "level" in request.POST:
        url = reverse("community:tag-follow", args=[tag.slug])
        return _follow_level(
            request, {"tag": tag}, url=url, fallback=tag.get_absolute_url(), legend=_("Follow this tag")
        )
    return _set_or_clear(
        request,
        FOLLOW,
        {"tag": tag},
        on_text=_("Following #%(tag)s") % {"tag": tag.slug}
        if request.POST.get("next")
        else pgettext("follow level", "Following"),
        off_text=_("No longer following #%(tag)s") % {"tag": tag.slug}
        if request.POST.get("next")
        else _("Follow tag"),
        url=reverse("community:tag-follow", args=[tag.slug]),
        fallback=tag.get_absolute_url(),
    )


@login_required
@require_POST
def topic_follow(request, pk):
    topic = get_object_or_404(Topic.objects.published().select_related("roadmap"), pk=pk)
    if "level" in request.POST:
        url = reverse("community:topic-follow", args=[topic.pk])
        return _follow_level(
            request,
            {"topic": topic},
            url=url,
            fallback=topic.get_absolute_url(),
            legend=_("Follow this topic"),
        )
    return _set_or_clear(
        request,
        FOLLOW,
        {"topic": topic},
        on_text=_("Following this topic"),
        off_text=_("Follow this topic"),
        url=reverse("community:topic-follow", args=[topic.pk]),
        fallback=topic.get_absolute_url(),
    )


@login_required
@require_safe
def bookmark_list(request):
    return render(
        request,
        "community/bookmarks.html",
        {"page": selectors.bookmarks(user=request.user, page_number=request.GET.get("page", 1))},
    )


# --- Notifications ---------------------------------------------------------------------


@login_required
@require_safe
def notification_list(request):
    page = selectors.notifications(user=request.user, page_number=request.GET.get("page", 1))
    return render(request, "community/notifications.html", {"page": page})


@never_cache
@login_required
@require_safe
def notification_open(request, pk):
    """A notification's link (on the site and in its email): marks it read, then goes to its
    post (or says the post is gone); with ?reply=1, to the reply box answering it."""
    target = selectors.open_notification(user=request.user, pk=pk, reply=request.GET.get("reply") == "1")
    services.mark_notifications_read(user=request.user, ids=[pk])
    if target is None:
        messages.info(request, _("That post is gone: a mentor hid it, or its author deleted it."))
        return redirect("community:notification-list")
    return redirect(target)


@login_required
@require_POST
def notification_read(request):
    raw_ids = request.POST.getlist("id")
    if raw_ids and not all(database_id(value) for value in raw_ids):
        return HttpResponse(_("Notification ids are numbers."), status=400)
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
        return HttpResponse(_("The text is too long to preview."), status=413)
    try:
        html = services.preview_post(author=request.user, body=form.cleaned_data["body"])
    except services.RateLimited as error:
        return HttpResponse(str(error), status=429, headers={"Retry-After": "60"})
    return render(request, "community/components/preview.html", {"html": html})


# --- Flags -----------------------------------------------------------------------------


def _flag(request, target, thread):
    """The flag form, on a page of its own or, with htmx, in place of the post's Flag link.
    Once sent, the outcome shows at the post: htmx swaps in the flagged state; without it,
    the reporter is taken back to the post, which their open flag now marks."""
    form = FlagForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                moderation.flag(reporter=request.user, target=target, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
                status = 409 if isinstance(error, Conflict) else 400
            else:
                if request.htmx:
                    return render(request, "community/flag.html#flagged")
                if isinstance(target, Comment):
                    return redirect(target.get_absolute_url())
                return redirect(f"{thread.get_absolute_url()}#thread-actions")
    elif not permissions.can_flag(request.user, target):
        status = 403
    template = "community/flag.html#flag-form" if request.htmx else "community/flag.html"
    context = {
        "form": form,
        "target": target,
        "thread": thread,
        "can_flag": permissions.can_flag(request.user, target),
    }
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def thread_flag(request, pk, slug):
    thread = selectors.visible_thread(pk=pk, viewer=request.user)
    return _flag(request, thread, thread)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def comment_flag(request, pk):
    comment = get_object_or_404(Comment.objects.select_related("thread", "author"), pk=pk)
    thread = selectors.visible_thread(pk=comment.thread_id, viewer=request.user)
    return _flag(request, comment, thread)


# --- Moderation ------------------------------------------------------------------------


def moderator_required(view):
    """Anonymous visitors go to the login page; signed-in non-moderators get 403."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not permissions.is_moderator(request.user):
            raise PermissionDenied(_("Only mentors and admins can moderate."))
        return view(request, *args, **kwargs)

    return wrapper


@moderator_required
@require_safe
def mod_queue(request):
    return render(
        request,
        "community/mod/queue.html",
        {
            "queue": selectors.moderation_queue(),
            "hidden": selectors.hidden_posts(),
            "unanswered": selectors.unanswered_topic_threads(),
        },
    )


@moderator_required
@require_safe
def mod_log(request):
    filters = ModerationLogFilter(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    page = selectors.moderation_log(
        action=values.get("action", ""),
        moderator=values.get("moderator", ""),
        target=values.get("target", ""),
        page_number=request.GET.get("page", 1),
    )
    return render(request, "community/mod/log.html", {"page": page, "filters": filters})


CONTENT_ACTIONS = {
    "hide": (
        ModerationForm,
        pgettext_lazy("moderation action", "Hide"),
        gettext_lazy("The post stays in the database and can be restored; its author still sees it."),
    ),
    "restore": (
        ModerationForm,
        pgettext_lazy("moderation action", "Restore"),
        gettext_lazy("The post is shown to everyone again."),
    ),
    "resolve": (
        ModerationForm,
        pgettext_lazy("moderation action", "Resolve the flags"),
        gettext_lazy("Agree with the reports: the post is hidden and its flags closed."),
    ),
    "dismiss": (
        ModerationForm,
        pgettext_lazy("moderation action", "Dismiss the flags"),
        gettext_lazy("Disagree with the reports: the flags are closed and the post shown."),
    ),
    "lock": (
        ModerationForm,
        pgettext_lazy("moderation action", "Lock"),
        gettext_lazy("No new replies, except from mentors."),
    ),
    "unlock": (
        ModerationForm,
        pgettext_lazy("moderation action", "Unlock"),
        gettext_lazy("Replies are open again."),
    ),
    "pin": (
        ModerationForm,
        pgettext_lazy("moderation action", "Pin"),
        gettext_lazy("The thread stays at the top of the lists."),
    ),
    "unpin": (
        ModerationForm,
        pgettext_lazy("moderation action", "Unpin"),
        gettext_lazy("The thread sorts like any other."),
    ),
    "move": (
        MoveForm,
        pgettext_lazy("moderation action", "Move to another topic"),
        gettext_lazy("Anchor the thread to the roadmap topic it is really about."),
    ),
    "retag": (
        RetagForm,
        pgettext_lazy("moderation action", "Retag"),
        gettext_lazy("Replace the thread's tags."),
    ),
}
THREAD_ONLY = {"lock", "unlock", "pin", "unpin", "move", "retag"}


def _apply_content_action(action, *, moderator, target, data):
    reason = data["reason"]
    if action in {"resolve", "dismiss"}:
        return moderation.resolve_flags(moderator=moderator, target=target, decision=action, reason=reason)
    if action == "move":
        return moderation.move(moderator=moderator, thread=target, topic=data["topic"], reason=reason)
    if action == "retag":
        return moderation.retag(moderator=moderator, thread=target, tags=data["tags"], reason=reason)
    if action in THREAD_ONLY:
        return getattr(moderation, action)(moderator=moderator, thread=target, reason=reason)
    return getattr(moderation, action)(moderator=moderator, target=target, reason=reason)


@moderator_required
@require_http_methods(["GET", "HEAD", "POST"])
def mod_content_action(request, kind, pk, action):
    if (
        kind not in {"thread", "comment"}
        or action not in CONTENT_ACTIONS
        or (kind == "comment" and action in THREAD_ONLY)
    ):
        raise Http404(_("No such moderation action."))
    if kind == "thread":
        target = get_object_or_404(Thread.objects.select_related("author", "topic"), pk=pk)
        thread = target
    else:
        target = get_object_or_404(Comment.objects.select_related("author", "thread"), pk=pk)
        thread = target.thread
    if target.status == Status.REMOVED:
        raise Http404(_("The author deleted this post."))
    if not permissions.can_moderate_content(request.user, target):
        raise PermissionDenied(permissions.moderation_refusal(request.user, target.author))
    form_class, title, explanation = CONTENT_ACTIONS[action]
    initial = {"topic": thread.topic, "tags": thread.tags.all()} if kind == "thread" else {}
    form = form_class(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                _apply_content_action(action, moderator=request.user, target=target, data=form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
                status = 409
            else:
                messages.success(
                    request, _("%(action)s: done, and written to the moderation log.") % {"action": title}
                )
                next_url = request.POST.get("next", "")
                if next_url.startswith("/") and not next_url.startswith("//"):
                    return redirect(next_url)
                return redirect(target.get_absolute_url() if kind == "comment" else thread.get_absolute_url())
    return render(
        request,
        "community/mod/action.html",
        {
            "form": form,
            "target": target,
            "thread": thread,
            "kind": kind,
            "title": title,
            "explanation": explanation,
        },
        status=status,
    )


USER_ACTIONS = {"warn": ModerationForm, "suspend": SuspendForm, "unsuspend": ModerationForm}
USER_ACTION_DONE = {
    "warn": gettext_lazy("Done: warn %(username)s, written to the moderation log."),
    "suspend": gettext_lazy("Done: suspend %(username)s, written to the moderation log."),
    "unsuspend": gettext_lazy("Done: unsuspend %(username)s, written to the moderation log."),
}


@moderator_required
@require_http_methods(["GET", "HEAD", "POST"])
def mod_user(request, username, action=None):
    person = get_object_or_404(User, username__iexact=username)
    if action is not None and action not in USER_ACTIONS:
        raise Http404(_("No such moderation action."))
    can_act = permissions.can_moderate_user(request.user, person)
    forms_by_action = {name: form_class(prefix=name) for name, form_class in USER_ACTIONS.items()}
    status = 200
    if request.method == "POST":
        if action is None:
            return HttpResponse(_("Choose an action."), status=400)
        if not can_act:
            raise PermissionDenied(permissions.moderation_refusal(request.user, person))
        form = USER_ACTIONS[action](request.POST, prefix=action)
        forms_by_action[action] = form
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "suspend":
                    until = timezone.now() + timedelta(days=data["days"])
                    moderation.suspend(
                        moderator=request.user, user=person, until=until, reason=data["reason"]
                    )
                else:
                    getattr(moderation, action)(moderator=request.user, user=person, reason=data["reason"])
            except ValidationError as error:
                form.add_error(None, error)
                status = 409
            else:
                messages.success(request, USER_ACTION_DONE[action] % {"username": person.username})
                return redirect("community:mod-user", username=person.username)
    return render(
        request,
        "community/mod/user.html",
        {
            "person": person,
            "can_act": can_act,
            "refusal": "" if can_act else permissions.moderation_refusal(request.user, person),
            "forms": forms_by_action,
            "history": selectors.user_moderation_history(user=person),
        },
        status=status,
    )


@moderator_required
@require_http_methods(["GET", "HEAD", "POST"])
def mod_tags(request):
    form = TagForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            tag = services.create_tag(user=request.user, **form.cleaned_data)
            messages.success(request, _("Tag #%(tag)s created.") % {"tag": tag.slug})
            return redirect("community:mod-tags")
    return render(
        request, "community/mod/tags.html", {"form": form, "tags": selectors.curated_tags()}, status=status
    )


# --- Digest unsubscribe ----------------------------------------------------------------


@csrf_exempt  # RFC 8058: the one-click POST comes from a mail client, with no cookie or token
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def digest_unsubscribe(request, token):
    """GET shows a confirmation and changes nothing; POST, from the page's form or a mail
    client's one-click request (body `List-Unsubscribe=One-Click`), turns digests off."""
    user = digest.user_for_unsubscribe_token(token)
    if user is None:
        return render(request, "community/unsubscribe.html", {"is_invalid": True}, status=400)
    context = {"email": digest.masked_email(user.email)}
    if request.method == "POST":
        services.turn_off_digests(user=user)
        return render(request, "community/unsubscribed.html", context)
    context["is_off"] = user.digest_frequency == digest.Frequency.OFF
    context["frequency"] = user.get_digest_frequency_display().lower()
    return render(request, "community/unsubscribe.html", context)


# --- Notification emails ------------------------------------------------------------------


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_settings(request):
    """For each kind of notification: by email at once, in the digest only, or off."""
    form = EmailPreferencesForm(request.POST or None, current=selectors.email_modes(user=request.user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.set_email_preferences(user=request.user, modes=form.cleaned_data)
            messages.success(request, _("Your notification settings are saved."))
            return redirect("community:notification-settings")
        status = 400
    return render(request, "community/notification_settings.html", {"form": form}, status=status)


@csrf_exempt  # RFC 8058: the one-click POST comes from a mail client, with no cookie or token
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def notification_email_unsubscribe(request, token):
    """GET shows a confirmation and changes nothing; POST, from the page's form or a mail
    client's one-click request, turns off emails of the link's kind, and only that kind."""
    found = notification_unsubscribe.read_token(token)
    if found is None:
        return render(request, "community/notification_unsubscribe.html", {"is_invalid": True}, status=400)
    user, kind = found
    context = {"email": digest.masked_email(user.email), "kind": kind}
    if request.method == "POST":
        services.turn_off_notification_emails(user=user, kind=kind.verb)
        context["is_done"] = True
    else:
        context["is_off"] = selectors.email_modes(user=user)[kind.verb] == EmailPreference.Mode.OFF
    return render(request, "community/notification_unsubscribe.html", context)
