"""Reads for discussion pages, each with its joins and prefetches done, so that a page runs
the same number of queries however many threads, comments and reactions there are."""

import bisect
import functools
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Min, Prefetch, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_mentor_annotation
from accounts.selectors import active_users_by_username, remember_verified_email
from community import caches, mentorship_selectors, notification_kinds, permissions
from community.models import (
    Bookmark,
    Comment,
    Flag,
    Follow,
    FollowLevel,
    ModerationAction,
    Notification,
    Reaction,
    Status,
    Tag,
    Thread,
    ThreadMute,
    WatchLevel,
)
from community.watch_choices import FOLLOW_CHOICES
from config.caching import own_copy

THREADS_PER_PAGE = 30
COMMENTS_PER_PAGE = 100
TABS = {"latest", "top", "unanswered"}
PERIODS = {"week": timedelta(days=7), "month": timedelta(days=30), "all": None}


def _with_list_joins(threads):
    return threads.select_related("author", "topic__roadmap").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name"))
    )


def _thread_list_queryset():
    """Published threads, with what a list shows joined: the lists every visitor shares."""
    return _with_list_joins(Thread.objects.published())


def visible_threads(*, viewer):
    """The threads `viewer` may see (ThreadQuerySet.visible_to), with what a list shows
    joined: their own lists, where mentors also see hidden threads and authors their own."""
    return _with_list_joins(Thread.objects.visible_to(viewer))


def thread_list(
    *,
    viewer,
    tag: str = "",
    topic_id: int | None = None,
    author: str | None = None,
    answered: bool | None = None,
):
    """The API's thread list: visible_threads, filtered by a tag's slug, a topic's id, an
    author's username (an unknown or inactive one matches nothing) and whether answered."""
    threads = visible_threads(viewer=viewer)
    if tag:
        threads = threads.filter(tags__slug=tag)
    if topic_id is not None:
        threads = threads.filter(topic_id=topic_id)
    if author is not None:
        member = active_users_by_username(usernames=[author]).get(author.lower())
        threads = threads.filter(author=member) if member else threads.none()
    if answered is not None:
        threads = threads.filter(accepted_comment__isnull=not answered)
    return threads


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
    has_muted_thread: bool = False
    bookmarked: bool = False
    has_hidden_comments: bool = False  # they wrote a comment here that a mentor hid
    flags: set = field(default_factory=set)  # ("thread"|"comment", id) they flagged, still open
    own_comments: set = field(default_factory=set)  # ids of the comments they wrote here, not deleted

    @property
    def watch_level(self) -> str:
        """A mute wins over a follow (commenting in a muted thread follows it too)."""
        if self.has_muted_thread:
            return WatchLevel.MUTED
        return WatchLevel.WATCHING if self.follows_thread else WatchLevel.NORMAL


@dataclass
class ThreadPage:
    thread: Thread
    viewer: ViewerState
    can_comment: bool
    can_accept: bool
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
        raise Http404(_("No such discussion."))
    return thread


def thread_for_page(*, pk: int, viewer) -> Thread:
    """visible_thread for showing a thread page: the thread and what it shows with it (author,
    topic, accepted answer, tags) are cached under the thread's version, which every change
    to the thread bumps, and so does renaming its author, topic, roadmap or a tag
    (community.caches). Writes use visible_thread, which always reads the database."""
    thread = caches.THREAD_HEAD.get(pk=pk)
    if thread is None or not permissions.can_view_thread(viewer, thread):
        raise Http404(_("No such discussion."))
    return own_copy(thread)  # the cached instance is shared by this process's requests


def visible_comments(thread: Thread, viewer):
    """The comments of a thread this viewer may see (their own hidden ones included)."""
    comments = Comment.objects.filter(thread=thread)
    if permissions.is_moderator(viewer):
        return comments
    if viewer.is_authenticated:
        return comments.filter(Q(status__in=[Status.PUBLISHED, Status.REMOVED]) | Q(author=viewer))
    return comments.filter(status__in=[Status.PUBLISHED, Status.REMOVED])


def visible_comment(*, pk: int, viewer) -> Comment:
    """A comment `viewer` may see, in a thread they may see (set as its `thread`), or 404."""
    thread_id = Comment.objects.filter(pk=pk).values_list("thread_id", flat=True).first()
    if thread_id is None:
        raise Http404(_("No such comment."))
    thread = visible_thread(pk=thread_id, viewer=viewer)
    comment = visible_comments(thread, viewer).select_related("author", "reply_to").filter(pk=pk).first()
    if comment is None:
        raise Http404(_("No such comment."))
    comment.thread = thread
    return comment


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
    reactions there, their open flags on it and its comments, the comments they wrote there
    (their edit and delete links), whether they follow or saved it (or muted it), wrote a
    comment a mentor hid, and have a verified email address (they may
    post). Written out because it runs on every signed-in
    view of a thread, where building five ORM queries cost more than running them."""
    reaction, comment = Reaction._meta.db_table, Comment._meta.db_table
    follow, bookmark = Follow._meta.db_table, Bookmark._meta.db_table
    mute = ThreadMute._meta.db_table
    email, flag = EmailAddress._meta.db_table, Flag._meta.db_table
    return f"""
        SELECT 'reaction', kind, thread_id, comment_id FROM {reaction}
        WHERE user_id = %(user)s AND thread_id = %(thread)s
        UNION ALL
        SELECT 'reaction', r.kind, r.thread_id, r.comment_id FROM {reaction} r
        JOIN {comment} c ON c.id = r.comment_id
        WHERE r.user_id = %(user)s AND c.thread_id = %(thread)s
        UNION ALL
        SELECT 'flag', NULL, thread_id, NULL FROM {flag}
        WHERE reporter_id = %(user)s AND thread_id = %(thread)s AND status = %(open)s
        UNION ALL
        SELECT 'flag', NULL, NULL, f.comment_id FROM {flag} f
        JOIN {comment} c ON c.id = f.comment_id
        WHERE f.reporter_id = %(user)s AND c.thread_id = %(thread)s AND f.status = %(open)s
        UNION ALL
        SELECT 'follow', NULL, NULL, NULL FROM {follow} WHERE user_id = %(user)s AND thread_id = %(thread)s
        UNION ALL
        SELECT 'muted', NULL, NULL, NULL FROM {mute} WHERE user_id = %(user)s AND thread_id = %(thread)s
        UNION ALL
        SELECT 'bookmark', NULL, NULL, NULL FROM {bookmark} WHERE user_id = %(user)s AND thread_id = %(thread)s
        UNION ALL
        SELECT 'comment', status, NULL, id FROM {comment}
        WHERE thread_id = %(thread)s AND author_id = %(user)s AND status <> %(removed)s
        UNION ALL
        SELECT 'verified', NULL, NULL, NULL WHERE EXISTS (
            SELECT 1 FROM {email} WHERE user_id = %(user)s AND verified
        )
    """


def read_viewer_state(*, viewer_id: int, thread_id: int) -> list[tuple]:
    """The rows of _viewer_state_sql (cached as caches.VIEWER_STATE)."""
    with connection.cursor() as cursor:
        arguments = {
            "user": viewer_id,
            "thread": thread_id,
            "removed": Status.REMOVED,
            "open": Flag.State.OPEN,
        }
        cursor.execute(_viewer_state_sql(), arguments)
        return cursor.fetchall()


def viewer_state(*, thread: Thread, viewer) -> ViewerState:
    """What `viewer` did on this thread, for its page and the API alike: one query, cached
    until they change any of it; empty for an anonymous visitor."""
    state = ViewerState()
    if not viewer.is_authenticated:
        return state
    rows = caches.VIEWER_STATE.get(viewer_id=viewer.pk, thread_id=thread.pk)
    for row, kind, thread_id, comment_id in rows:
        if row == "reaction":
            state.reactions.add(("thread", thread_id, kind) if thread_id else ("comment", comment_id, kind))
        elif row == "flag":
            state.flags.add(("thread", thread_id) if thread_id else ("comment", comment_id))
        elif row == "comment":
            state.own_comments.add(comment_id)
            state.has_hidden_comments |= kind == Status.HIDDEN
    found = {row for row, *_ in rows}
    state.follows_thread = "follow" in found
    state.has_muted_thread = "muted" in found
    state.bookmarked = "bookmark" in found
    remember_verified_email(viewer, "verified" in found)
    return state


def reactions_given(*, user, target: Thread | Comment) -> set[tuple]:
    """The reactions `user` gives to one post, as ViewerState.reactions has them, read
    afresh: for the buttons answered right after a reaction changed."""
    kind = "thread" if isinstance(target, Thread) else "comment"
    given = Reaction.objects.filter(user=user, **{kind: target}).values_list("kind", flat=True)
    return {(kind, target.pk, reaction) for reaction in given}


def thread_page(*, thread: Thread, viewer) -> ThreadPage:
    """What the viewer may do on a thread page and what they already did there.

    The comments themselves come from comment_page, and are usually served from a cached
    fragment (community.rendering); a signed-in viewer's state is one query, cached until
    they change it.
    """
    return ThreadPage(
        thread=thread,
        viewer=viewer_state(thread=thread, viewer=viewer),
        can_comment=permissions.can_comment(viewer, thread),
        can_accept=permissions.can_accept_answer(viewer, thread),
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
    return {
        "template": "community/components/topic_discussion.html",
        "topic_id": topic_id,
        "threads": topic_threads(topic_id=topic_id),
        "thread_count": Thread.objects.published().filter(topic_id=topic_id).count(),
        "follow_control": {
            "url": reverse("community:topic-follow", args=[topic_id]),
            "levels": FOLLOW_CHOICES,
            "level": follow_level(user=viewer, topic_id=topic_id),
        },
        "can_post": permissions.can_post(viewer),
    }


def user_notifications(*, user, unread_only: bool = False):
    """A member's notifications, newest first (Notification.Meta.ordering), with who and
    what they are about joined."""
    rows = Notification.objects.filter(recipient=user).select_related(
        "actor", "thread", "comment", "review__topic", "review__project"
    )
    return rows.filter(read_at__isnull=True) if unread_only else rows


def user_notification(*, user, pk: int) -> Notification:
    """One of the member's notifications; another member's answers 404 like a missing one."""
    notification = user_notifications(user=user).filter(pk=pk).first()
    if notification is None:
        raise Http404(_("You have no notification with this id."))
    return notification


def notifications(*, user, page_number=1) -> Page:
    """A page of the user's notifications, each with `target_url` (where opening it leads) or
    `is_gone` (its post was hidden, removed or deleted since: the list shows neither its title
    nor a link)."""
    page = Paginator(user_notifications(user=user), 30).get_page(page_number)
    for notification in page.object_list:
        notification.target_url = notification_target(notification, viewer=user)
        notification.is_gone = notification.target_url is None and notification.thread_id is not None
    return page


def notification_target(notification, *, viewer) -> str | None:
    """Where the notification's post is, if this viewer may still see it (the thread and the
    comment both); None if it is gone or it is about no post."""
    if notification.review_id is not None:
        review = notification.review
        return review.get_absolute_url() if permissions.can_view_review(viewer, review) else None
    posts = [post for post in (notification.thread, notification.comment) if post is not None]
    if not posts or not all(permissions.can_view_post(viewer, post) for post in posts):
        return None
    return posts[-1].get_absolute_url()


def open_notification(*, user, pk: int, reply: bool = False) -> str | None:
    """The URL of a notification's post for its recipient (None if the post is gone); Http404
    for a notification that is not theirs. With `reply`, the thread at that post with the
    reply box open and answering it (the "Reply" link of a notification email)."""
    notification = user_notification(user=user, pk=pk)
    target = notification_target(notification, viewer=user)
    if target is None or not reply:
        return target
    if notification.review is not None:
        return _review_reply_target(notification.review, target, viewer=user)
    if notification.thread is None:
        return target
    query = {}
    if notification.comment is not None:
        page = comment_page_number(comment=notification.comment)
        if page > 1:
            query["page"] = page
        query["reply"] = notification.comment.pk
    url = notification.thread.get_absolute_url()
    return f"{url}?{urlencode(query)}#reply-form" if query else f"{url}#reply-form"


def _review_reply_target(review, url: str, *, viewer) -> str:
    """A review request at the learner's reply box, or at the mentor's part of the page (their
    answer, or the state they wait in); just the page once the request has ended."""
    if not review.is_active:
        return url
    return f"{url}#{'reply' if review.learner_id == viewer.pk else 'your-review'}"


def email_modes(*, user) -> dict[str, str]:
    """How the member wants each kind of notification: kind -> at once / digest only / off."""
    stored = notification_kinds.preferences_of([user.pk]).get(user.pk, {})
    return notification_kinds.modes_for(stored)


def unread_count(*, user) -> int:
    """The header's count: cached until the user gets a notification or reads some."""
    if not user.is_authenticated:
        return 0
    return caches.UNREAD_COUNT.get(user_id=user.pk)


def count_unread(*, user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def notification_state(user) -> dict:
    """What a member's open pages are told when their notifications change (config.live)."""
    return {"unread": unread_count(user=user)}


def may_follow_thread(user, thread_id: int, version: str | None) -> bool:
    """Whether `user` may hear of a thread's changes: exactly when they may read it.

    Asked when a page subscribes (version None: read afresh) and for each change announced to
    every socket following the thread (with its version: the thread's status and author are
    read once per version in this process, not once per socket)."""
    standing = _thread_standing_at(thread_id, version) if version else _thread_standing(thread_id)
    return standing is not None and permissions.can_view_thread(user, standing)


def _thread_standing(thread_id: int) -> SimpleNamespace | None:
    """What decides who may read a thread: its status and author."""
    row = Thread.objects.filter(pk=thread_id).values("status", "author_id").first()
    return SimpleNamespace(**row) if row is not None else None


@functools.lru_cache(maxsize=4096)
def _thread_standing_at(thread_id: int, version: str) -> SimpleNamespace | None:
    """_thread_standing, kept per version: any change to the thread is a new version."""
    return _thread_standing(thread_id)


def bookmarked_threads(*, user):
    """The threads a member saved and may still see (a hidden one stays listed for its author
    and for mentors, as it stays open to them), most recently saved first."""
    return (
        visible_threads(viewer=user)
        .filter(bookmarks__user=user)
        .order_by("-bookmarks__created_at", "-bookmarks__pk")
    )


def bookmarks(*, user, page_number=1) -> Page:
    return Paginator(bookmarked_threads(user=user), THREADS_PER_PAGE).get_page(page_number)


def user_follows(*, user):
    """What a member follows, newest first: tags, topics, and the threads they may still see."""
    return (
        Follow.objects.filter(user=user)
        .filter(Q(thread__isnull=True) | Q(thread__in=Thread.objects.visible_to(user)))
        .select_related("thread", "tag", "topic__roadmap")
        .order_by("-created_at", "-pk")
    )


def follow_level(*, user, tag_id: int | None = None, topic_id: int | None = None) -> str:
    """How the member follows this tag or topic (FollowLevel), in one query."""
    if not user.is_authenticated:
        return FollowLevel.NONE
    target = {"tag_id": tag_id} if tag_id else {"topic_id": topic_id}
    notify = Follow.objects.filter(user=user, **target).values_list("notify_new_threads", flat=True).first()
    if notify is None:
        return FollowLevel.NONE
    return FollowLevel.NEW_THREADS if notify else FollowLevel.DIGEST


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
    flags: list = field(default_factory=list)  # the open ones, oldest first
    author_threads: int = 0
    author_comments: int = 0
    author_actions: int = 0

    @property
    def comment(self):
        return self.post if self.kind == "comment" else None

    @property
    def author(self):
        return self.post.author

    @property
    def flag_count(self) -> int:
        return len(self.flags)

    @property
    def oldest(self):
        return self.flags[0].created_at

    @property
    def newest(self):
        return self.flags[-1].created_at

    @property
    def reasons(self):
        counts: dict[str, int] = {}
        for flag in self.flags:
            label = flag.get_reason_display()
            counts[label] = counts.get(label, 0) + 1
        return sorted(counts.items(), key=lambda item: -item[1])

    @property
    def reason_counts(self) -> dict[str, int]:
        """{reason: flags}, by the reasons' codes."""
        return dict(Counter(flag.reason for flag in self.flags))


def open_flags():
    """Every open flag, oldest first, with its reporter and flagged comment."""
    return (
        Flag.objects.filter(status=Flag.State.OPEN)
        .select_related("reporter", "comment")
        .order_by("created_at", "pk")
    )


def open_flag_count() -> int:
    """How many posts wait for a decision."""
    return Flag.objects.filter(status=Flag.State.OPEN).values("thread_id", "comment_id").distinct().count()


@dataclass(frozen=True)
class MentorQueues:
    """What the mentors' header counts are read from, the same for every mentor: the posts
    flagged, the review requests open, and when each claim on the others runs out (a claim that
    ran out puts its request back in the queue with no write, so the count is taken when shown)."""

    flagged_posts: int
    open_reviews: int
    claims_end: tuple[datetime, ...]  # in order

    def waiting_reviews(self, now: datetime) -> int:
        """The requests no mentor holds at `now` (ReviewRequest.objects.unclaimed())."""
        return self.open_reviews + bisect.bisect_right(self.claims_end, now)


def read_mentor_queues() -> MentorQueues:
    open_reviews, claims_end = mentorship_selectors.review_queue()
    return MentorQueues(flagged_posts=open_flag_count(), open_reviews=open_reviews, claims_end=claims_end)


def mentor_counts() -> tuple[int, int]:
    """The mentors' header counts, (posts flagged, review requests waiting): cached until a
    flag or a request changes (community.caches.MENTOR_QUEUES)."""
    queues = caches.MENTOR_QUEUES.get()
    return queues.flagged_posts, queues.waiting_reviews(timezone.now())


def moderation_queue_order():
    """The queue's order, one row (thread_id, comment_id) per flagged post: the post whose
    oldest open flag is oldest comes first, so that none waits forever. The /mod/ page and
    the API page through these rows and fill each page in with flagged_posts()."""
    return (
        Flag.objects.filter(status=Flag.State.OPEN)
        .values("thread_id", "comment_id")
        .annotate(first_flagged_at=Min("created_at"), first_flag_id=Min("pk"))
        .order_by("first_flagged_at", "first_flag_id")
    )


def flagged_posts(rows) -> list[FlaggedPost]:
    """Rows of moderation_queue_order(), in their order, each with its post, thread and open
    flags and its author's history, in a fixed number of queries. A post whose flags were
    all closed since the rows were read is left out."""
    rows = list(rows)
    flags = (
        Flag.objects.filter(status=Flag.State.OPEN)
        .filter(
            Q(thread_id__in=[row["thread_id"] for row in rows if row["thread_id"]])
            | Q(comment_id__in=[row["comment_id"] for row in rows if row["comment_id"]])
        )
        .select_related("reporter", "thread__author", "comment__author", "comment__thread")
        .order_by("created_at", "pk")
    )
    found: dict[tuple, FlaggedPost] = {}
    for flag in flags:
        key = (flag.thread_id, flag.comment_id)
        if key not in found:
            post, thread = (
                (flag.comment, flag.comment.thread) if flag.comment_id else (flag.thread, flag.thread)
            )
            found[key] = FlaggedPost(
                kind="comment" if flag.comment_id else "thread", post=post, thread=thread
            )
        found[key].flags.append(flag)
    posts = [found[key] for key in ((row["thread_id"], row["comment_id"]) for row in rows) if key in found]
    _add_author_history(posts)
    return posts


def moderation_queue(*, limit: int = 50) -> list[FlaggedPost]:
    """The first posts of the queue (moderation_queue_order), as the /mod/ page shows them."""
    return flagged_posts(moderation_queue_order()[:limit])


def _add_author_history(posts: list[FlaggedPost]) -> None:
    author_ids = {item.post.author_id for item in posts if item.post.author_id}
    if not author_ids:
        return
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


def moderation_actions(
    *, action: str = "", moderator: str = "", target: str = "", thread_id: int | None = None
):
    """The audit log, newest first; filtered by act, by the moderator's or the member's
    username (any case) and by thread."""
    entries = ModerationAction.objects.select_related(
        "moderator", "target_user", "thread", "comment__thread", "review"
    ).order_by("-created_at", "-pk")
    if action:
        entries = entries.filter(action=action)
    if moderator:
        entries = entries.filter(moderator__username__iexact=moderator)
    if target:
        entries = entries.filter(target_user__username__iexact=target)
    if thread_id is not None:
        entries = entries.filter(thread_id=thread_id)
    return entries


def moderation_log(*, action="", moderator="", target="", page_number=1) -> Page:
    entries = moderation_actions(action=action, moderator=moderator, target=target)
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
