"""Reads for discussion pages, each with its joins and prefetches done, so that a page runs
the same number of queries however many threads, comments and reactions there are."""

import copy
import functools
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.utils import timezone

from accounts.roles import is_mentor_annotation
from accounts.selectors import remember_verified_email
from community import caches, permissions
from community.models import (
    Bookmark,
    Comment,
    Flag,
    Follow,
    ModerationAction,
    Notification,
    Reaction,
    Status,
    Tag,
    Thread,
)

THREADS_PER_PAGE = 30
COMMENTS_PER_PAGE = 100
TABS = {"latest", "top", "unanswered"}
PERIODS = {"week": timedelta(days=7), "month": timedelta(days=30), "all": None}


def _thread_list_queryset():
    return (
        Thread.objects.published()
        .select_related("author", "topic__roadmap")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )


@dataclass
class ThreadListing:
    page: Page
    tab: str
    period: str
    tag: Tag | None = None
    topic: object = None


def thread_listing(*, tab="latest", period="week", tag=None, topic=None, page_number=1) -> ThreadListing:
    """Threads for /discussions/ and /tags/<slug>/: pinned first, then by the tab's order."""
    tab = tab if tab in TABS else "latest"
    period = period if period in PERIODS else "week"
    threads = _thread_list_queryset()
    if tag is not None:
        threads = threads.filter(tags=tag)
    if topic is not None:
        threads = threads.filter(topic=topic)
    if tab == "top":
        if PERIODS[period] is not None:
            threads = threads.filter(created_at__gte=timezone.now() - PERIODS[period])
        threads = threads.order_by("-is_pinned", "-reaction_count", "-last_activity_at", "-pk")
    elif tab == "unanswered":
        threads = threads.filter(accepted_comment__isnull=True).order_by("-is_pinned", "-created_at", "-pk")
    else:
        threads = threads.order_by("-is_pinned", "-last_activity_at", "-pk")
    paginator = Paginator(threads, THREADS_PER_PAGE)
    return ThreadListing(page=paginator.get_page(page_number), tab=tab, period=period, tag=tag, topic=topic)


def latest_threads(*, limit: int = 8) -> list[Thread]:
    return list(_thread_list_queryset().order_by("-is_pinned", "-last_activity_at", "-pk")[:limit])


@dataclass
class ViewerState:
    """What the signed-in viewer has done on one thread page, read in a fixed number of queries."""

    reactions: set = field(default_factory=set)  # ("thread"|"comment", id, kind)
    follows_thread: bool = False
    bookmarked: bool = False
    has_hidden_comments: bool = False  # they wrote a comment here that a mentor hid


@dataclass
class ThreadPage:
    thread: Thread
    viewer: ViewerState
    can_comment: bool
    can_edit: bool
    can_delete: bool
    can_accept: bool
    can_react: bool
    is_moderator: bool
    posting_block: str


def thread_with_relations(pk: int) -> Thread | None:
    return (
        Thread.objects.select_related("author", "topic__roadmap", "accepted_comment__author")
        .prefetch_related("tags")
        .annotate(author_is_mentor=is_mentor_annotation("author_id"))
        .filter(pk=pk)
        .first()
    )


def visible_thread(*, pk: int, viewer) -> Thread:
    thread = thread_with_relations(pk)
    if thread is None or not permissions.can_view_thread(viewer, thread):
        raise Http404("No such discussion.")
    return thread


def thread_for_page(*, pk: int, viewer) -> Thread:
    """visible_thread for showing a thread page: the thread and what it shows with it (author,
    topic, accepted answer, tags) are cached under the thread's version, which every change
    to the thread bumps, and so does renaming its author, topic, roadmap or a tag
    (community.caches). Writes use visible_thread, which always reads the database."""
    thread = caches.THREAD_HEAD.get(pk=pk)
    if thread is None or not permissions.can_view_thread(viewer, thread):
        raise Http404("No such discussion.")
    return copy.copy(thread)  # the cached instance is shared by this process's requests


def visible_comments(thread: Thread, viewer):
    """The comments of a thread this viewer may see (their own hidden ones included)."""
    comments = Comment.objects.filter(thread=thread)
    if permissions.is_moderator(viewer):
        return comments
    if viewer.is_authenticated:
        return comments.filter(Q(status__in=[Status.PUBLISHED, Status.REMOVED]) | Q(author=viewer))
    return comments.filter(status__in=[Status.PUBLISHED, Status.REMOVED])


def comment_page(*, thread: Thread, viewer, page_number=1) -> Page:
    """One page of top-level comments (100), each with its visible replies, authors joined."""
    visible = visible_comments(thread, viewer)
    visible = visible.annotate(author_is_mentor=is_mentor_annotation("author_id"))
    replies = visible.exclude(parent=None).select_related("author", "reply_to").order_by("created_at", "pk")
    top_level = (
        visible.filter(parent=None)
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies, to_attr="visible_replies"))
        .order_by("created_at", "pk")
    )
    return Paginator(top_level, COMMENTS_PER_PAGE).get_page(page_number)


@functools.cache
def _viewer_state_sql() -> str:
    """One statement for all a thread page needs to know of its signed-in viewer: their
    reactions there, whether they follow or saved it, wrote a comment a mentor hid, and have
    a verified email address (they may post). Written out because it runs on every signed-in
    view of a thread, where building five ORM queries cost more than running them."""
    reaction, comment = Reaction._meta.db_table, Comment._meta.db_table
    follow, bookmark = Follow._meta.db_table, Bookmark._meta.db_table
    email = EmailAddress._meta.db_table
    return f"""
        SELECT 'reaction', kind, thread_id, comment_id FROM {reaction}
        WHERE user_id = %(user)s AND thread_id = %(thread)s
        UNION ALL
        SELECT 'reaction', r.kind, r.thread_id, r.comment_id FROM {reaction} r
        JOIN {comment} c ON c.id = r.comment_id
        WHERE r.user_id = %(user)s AND c.thread_id = %(thread)s
        UNION ALL
        SELECT 'follow', NULL, NULL, NULL FROM {follow} WHERE user_id = %(user)s AND thread_id = %(thread)s
        UNION ALL
        SELECT 'bookmark', NULL, NULL, NULL FROM {bookmark} WHERE user_id = %(user)s AND thread_id = %(thread)s
        UNION ALL
        SELECT 'hidden', NULL, NULL, NULL WHERE EXISTS (
            SELECT 1 FROM {comment} WHERE thread_id = %(thread)s AND author_id = %(user)s AND status = %(hidden)s
        )
        UNION ALL
        SELECT 'verified', NULL, NULL, NULL WHERE EXISTS (
            SELECT 1 FROM {email} WHERE user_id = %(user)s AND verified
        )
    """


def read_viewer_state(*, viewer_id: int, thread_id: int) -> list[tuple]:
    """The rows of _viewer_state_sql (cached as caches.VIEWER_STATE)."""
    with connection.cursor() as cursor:
        cursor.execute(_viewer_state_sql(), {"user": viewer_id, "thread": thread_id, "hidden": Status.HIDDEN})
        return cursor.fetchall()


def thread_page(*, thread: Thread, viewer) -> ThreadPage:
    """What the viewer may do on a thread page and what they already did there.

    The comments themselves come from comment_page, and are usually served from a cached
    fragment (community.rendering); a signed-in viewer's state is one query, cached until
    they change it.
    """
    state = ViewerState()
    if viewer.is_authenticated:
        rows = caches.VIEWER_STATE.get(viewer_id=viewer.pk, thread_id=thread.pk)
        for row, kind, thread_id, comment_id in rows:
            if row == "reaction":
                state.reactions.add(
                    ("thread", thread_id, kind) if thread_id else ("comment", comment_id, kind)
                )
        found = {row for row, *_ in rows}
        state.follows_thread = "follow" in found
        state.bookmarked = "bookmark" in found
        state.has_hidden_comments = "hidden" in found
        remember_verified_email(viewer, "verified" in found)
    return ThreadPage(
        thread=thread,
        viewer=state,
        can_comment=permissions.can_comment(viewer, thread),
        can_edit=permissions.can_edit(viewer, thread),
        can_delete=permissions.can_delete(viewer, thread),
        can_accept=permissions.can_accept_answer(viewer, thread),
        can_react=permissions.can_post(viewer) and thread.status == Status.PUBLISHED,
        is_moderator=permissions.is_moderator(viewer),
        posting_block=permissions.posting_block(viewer),
    )


def reply_target(*, thread: Thread, comment_id: int) -> int | None:
    """`comment_id` if it names a comment of this thread that can be answered, else None."""
    return (
        Comment.objects.filter(pk=comment_id, thread=thread)
        .exclude(status=Status.REMOVED)
        .values_list("pk", flat=True)
        .first()
    )


def comment_page_number(*, comment: Comment) -> int:
    """The page of its thread on which a comment (or its top-level parent) is shown."""
    root_id = comment.parent_id or comment.pk
    root = Comment.objects.filter(pk=root_id).values("created_at", "pk").first()
    before = Comment.objects.filter(thread_id=comment.thread_id, parent=None).filter(
        Q(created_at__lt=root["created_at"]) | Q(created_at=root["created_at"], pk__lt=root["pk"])
    )
    return before.count() // COMMENTS_PER_PAGE + 1


def topic_thread_counts(*, roadmap_id: int) -> dict[int, int]:
    """{topic id: published threads} for one roadmap; cached until a thread there changes."""
    return caches.TOPIC_THREAD_COUNTS.get(roadmap_id=roadmap_id)


def count_topic_threads(*, roadmap_id: int) -> dict[int, int]:
    return dict(
        Thread.objects.published()
        .filter(topic__roadmap_id=roadmap_id)
        .values("topic_id")
        .annotate(count=Count("pk"))
        .values_list("topic_id", "count")
    )


def topic_threads(*, topic_id: int, limit: int = 10) -> list[Thread]:
    """A topic's threads, best first: pinned, answered, most reactions, most recent activity."""
    return list(
        _thread_list_queryset()
        .filter(topic_id=topic_id)
        .order_by("-is_pinned", "-reaction_count", "-comment_count", "-last_activity_at")[:limit]
    )


def topic_discussion(*, topic_id: int, viewer) -> dict:
    """The discussion block of a roadmap topic page."""
    follows = viewer.is_authenticated and Follow.objects.filter(user=viewer, topic_id=topic_id).exists()
    return {
        "template": "community/components/topic_discussion.html",
        "topic_id": topic_id,
        "threads": topic_threads(topic_id=topic_id),
        "thread_count": Thread.objects.published().filter(topic_id=topic_id).count(),
        "follows": follows,
        "can_post": permissions.can_post(viewer),
    }


def notifications(*, user, page_number=1) -> Page:
    """A page of the user's notifications, each with `target_url` (where opening it leads) or
    `is_gone` (its post was hidden, removed or deleted since: the list shows neither its title
    nor a link)."""
    rows = Notification.objects.filter(recipient=user).select_related("actor", "thread", "comment")
    page = Paginator(rows, 30).get_page(page_number)
    sees_hidden = permissions.is_moderator(user)
    for notification in page.object_list:
        notification.target_url = notification_target(notification, viewer=user, sees_hidden=sees_hidden)
        notification.is_gone = notification.target_url is None and notification.thread_id is not None
    return page


def notification_target(notification, *, viewer, sees_hidden: bool) -> str | None:
    """Where the notification's post is, if this viewer may still see it; None if it is gone
    or it is about no post."""
    posts = [post for post in (notification.thread, notification.comment) if post is not None]
    if not posts:
        return None
    for post in posts:
        if post.status == Status.REMOVED:
            return None
        if post.status == Status.HIDDEN and not (sees_hidden or post.author_id == viewer.pk):
            return None
    return posts[-1].get_absolute_url()


def open_notification(*, user, pk: int) -> str | None:
    """The URL of a notification's post for its recipient (None if the post is gone); Http404
    for a notification that is not theirs."""
    notification = (
        Notification.objects.select_related("thread", "comment").filter(pk=pk, recipient=user).first()
    )
    if notification is None:
        raise Http404("No such notification.")
    return notification_target(notification, viewer=user, sees_hidden=permissions.is_moderator(user))


def unread_count(*, user) -> int:
    """The header's count: cached until the user gets a notification or reads some."""
    if not user.is_authenticated:
        return 0
    return caches.UNREAD_COUNT.get(user_id=user.pk)


def count_unread(*, user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def bookmarks(*, user, page_number=1) -> Page:
    threads = _thread_list_queryset().filter(bookmarks__user=user).order_by("-bookmarks__created_at")
    return Paginator(threads, THREADS_PER_PAGE).get_page(page_number)


def followed_tag_ids(*, user) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(Follow.objects.filter(user=user, tag__isnull=False).values_list("tag_id", flat=True))


def curated_tags():
    return Tag.objects.order_by("name")


def tag_index(*, viewer) -> list[Tag]:
    """Every tag, by name, each with `is_followed` for the viewer (two queries signed in)."""
    followed = followed_tag_ids(user=viewer)
    tags = list(Tag.objects.only("slug", "name", "description", "thread_count").order_by("name"))
    for tag in tags:
        tag.is_followed = tag.pk in followed
    return tags


# --- Moderation ------------------------------------------------------------------------


@dataclass
class FlaggedPost:
    kind: str  # "thread" or "comment"
    post: object
    thread: Thread
    flags: list = field(default_factory=list)
    author_threads: int = 0
    author_comments: int = 0
    author_actions: int = 0

    @property
    def oldest(self):
        return self.flags[0].created_at

    @property
    def reasons(self):
        counts: dict[str, int] = {}
        for flag in self.flags:
            label = flag.get_reason_display()
            counts[label] = counts.get(label, 0) + 1
        return sorted(counts.items(), key=lambda item: -item[1])


def open_flag_count() -> int:
    """How many posts wait for a decision (for the mentors' header badge)."""
    return Flag.objects.filter(status=Flag.State.OPEN).values("thread_id", "comment_id").distinct().count()


def moderation_queue(*, limit: int = 50) -> list[FlaggedPost]:
    """Posts with open flags, grouped by post, oldest flag first, with their author's history."""
    flags = (
        Flag.objects.filter(status=Flag.State.OPEN)
        .select_related("reporter", "thread__author", "comment__author", "comment__thread")
        .order_by("created_at", "pk")
    )
    groups: dict[tuple, FlaggedPost] = {}
    for flag in flags[: limit * 10]:
        if flag.comment_id:
            key, post, thread = ("comment", flag.comment_id), flag.comment, flag.comment.thread
        else:
            key, post, thread = ("thread", flag.thread_id), flag.thread, flag.thread
        if key not in groups:
            if len(groups) >= limit:
                continue
            groups[key] = FlaggedPost(kind=key[0], post=post, thread=thread)
        groups[key].flags.append(flag)
    posts = list(groups.values())
    author_ids = {item.post.author_id for item in posts if item.post.author_id}
    if author_ids:
        threads = dict(
            Thread.objects.filter(author_id__in=author_ids, status=Status.PUBLISHED)
            .values("author_id")
            .annotate(total=Count("pk"))
            .values_list("author_id", "total")
        )
        comments = dict(
            Comment.objects.filter(author_id__in=author_ids, status=Status.PUBLISHED)
            .values("author_id")
            .annotate(total=Count("pk"))
            .values_list("author_id", "total")
        )
        actions = dict(
            ModerationAction.objects.filter(target_user_id__in=author_ids)
            .values("target_user_id")
            .annotate(total=Count("pk"))
            .values_list("target_user_id", "total")
        )
        for item in posts:
            author_id = item.post.author_id
            item.author_threads = threads.get(author_id, 0)
            item.author_comments = comments.get(author_id, 0)
            item.author_actions = actions.get(author_id, 0)
    return posts


def hidden_posts(*, limit: int = 30) -> dict:
    return {
        "threads": list(
            Thread.objects.filter(status=Status.HIDDEN)
            .select_related("author")
            .order_by("-last_activity_at")[:limit]
        ),
        "comments": list(
            Comment.objects.filter(status=Status.HIDDEN)
            .select_related("author", "thread")
            .order_by("-created_at")[:limit]
        ),
    }


def unanswered_topic_threads(*, limit: int = 20) -> list[Thread]:
    """Questions on roadmap topics still waiting for an answer, least helped first."""
    return list(
        _thread_list_queryset()
        .filter(topic__isnull=False, accepted_comment__isnull=True)
        .order_by("comment_count", "created_at")[:limit]
    )


def moderation_log(*, action="", moderator="", target="", page_number=1) -> Page:
    entries = ModerationAction.objects.select_related(
        "moderator", "target_user", "thread", "comment__thread"
    ).order_by("-created_at", "-pk")
    if action:
        entries = entries.filter(action=action)
    if moderator:
        entries = entries.filter(moderator__username__iexact=moderator)
    if target:
        entries = entries.filter(target_user__username__iexact=target)
    return Paginator(entries, 50).get_page(page_number)


def user_moderation_history(*, user) -> dict:
    return {
        "actions": list(
            ModerationAction.objects.filter(target_user=user)
            .select_related("moderator", "thread")
            .order_by("-created_at")[:50]
        ),
        "threads": list(Thread.objects.filter(author=user).order_by("-created_at")[:10]),
        "comments": list(
            Comment.objects.filter(author=user).select_related("thread").order_by("-created_at")[:10]
        ),
        "flags_against": Flag.objects.filter(thread__author=user).count()
        + Flag.objects.filter(comment__author=user).count(),
    }
