"""Writes in the community: threads, comments, reactions, answers, follows, bookmarks,
notifications and turning digests off. Each function checks its rule (community.permissions), validates, and runs in
a transaction; views only translate the exceptions into pages.

The notifications a write causes are not written here: the write records an outbox event in
its transaction, and community.outbox turns it into notifications after commit."""

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import selectors as account_selectors
from accounts.models import User
from community import caches, notification_kinds, outbox, permissions
from community.markdown import render_post
from community.models import (
    Bookmark,
    Comment,
    EmailPreference,
    Follow,
    FollowLevel,
    ModerationAction,
    Notification,
    OutboxEvent,
    Reaction,
    Status,
    Tag,
    Thread,
    ThreadMute,
    WatchLevel,
)
from config.caching import touch
from config.errors import Conflict


class RateLimited(Exception):
    """Too many posts in a short time; the message says when to try again."""


class AlreadyPosted(Exception):
    """The form was sent before, and its first submit made `post` (a Thread or a Comment)."""

    def __init__(self, post):
        super().__init__(f"{type(post).__name__} {post.pk} was already posted from this form.")
        self.post = post


def _posted_before(model, *, author, submission):
    """Raise AlreadyPosted if `author` already posted a `model` from the form `submission`."""
    if submission is None:
        return
    post = model.objects.filter(author=author, submission=submission).first()
    if post is not None:
        raise AlreadyPosted(post)


def _create_post_once(model, *, submission, **fields):
    """Create the post; if the same form's other submit created it meanwhile (the unique
    constraint decides between two at once), raise AlreadyPosted with that one."""
    try:
        with transaction.atomic():
            return model.objects.create(submission=submission, **fields)
    except IntegrityError:
        _posted_before(model, author=fields["author"], submission=submission)
        raise


@dataclass(frozen=True)
class Limit:
    threads_per_hour: int
    comments_per_hour: int


LIMITS = Limit(threads_per_hour=5, comments_per_hour=30)
NEW_ACCOUNT_LIMITS = Limit(threads_per_hour=2, comments_per_hour=10)
NEW_ACCOUNT_AGE = timedelta(days=1)
# Newcomers (younger than a day, or fewer than 3 published posts) have daily caps too.
NEWCOMER_POSTS = 3
NEWCOMER_THREADS_PER_DAY = 3
NEWCOMER_COMMENTS_PER_DAY = 10
NEWCOMER_LINKS_PER_POST = 2

_LINK = re.compile(r'<a href="(?!/u/)[^"]*"')


def is_newcomer(user) -> bool:
    """New-user limits apply until an account is a day old and has 3 published posts;
    mentors and admins never have them."""
    if permissions.is_moderator(user):
        return False
    if timezone.now() - user.date_joined < NEW_ACCOUNT_AGE:
        return True
    published = Thread.objects.filter(author=user, status=Status.PUBLISHED)[:NEWCOMER_POSTS].count()
    if published >= NEWCOMER_POSTS:
        return False
    comments = Comment.objects.filter(author=user, status=Status.PUBLISHED)[
        : NEWCOMER_POSTS - published
    ].count()
    return published + comments < NEWCOMER_POSTS


def _recent(model, user, hours: int) -> int:
    return model.objects.filter(author=user, created_at__gte=timezone.now() - timedelta(hours=hours)).count()


def check_rate_limit(*, user, kind: str) -> None:
    """Raise RateLimited when the user has posted too much of `kind` (thread/comment) lately."""
    model, noun = (Thread, "threads") if kind == "thread" else (Comment, "replies")
    young = timezone.now() - user.date_joined < NEW_ACCOUNT_AGE
    limits = NEW_ACCOUNT_LIMITS if young else LIMITS
    allowed = limits.threads_per_hour if kind == "thread" else limits.comments_per_hour
    recent = _recent(model, user, hours=1)
    if recent >= allowed:
        newcomer = " New accounts have lower limits for their first day." if young else ""
        raise RateLimited(
            f"You have posted {recent} {noun} in the last hour, the most we allow.{newcomer} "
            "Please wait a while; your text is kept below."
        )
    if is_newcomer(user):
        daily = NEWCOMER_THREADS_PER_DAY if kind == "thread" else NEWCOMER_COMMENTS_PER_DAY
        today = _recent(model, user, hours=24)
        if today >= daily:
            raise RateLimited(
                f"New members can post {daily} {noun} a day, and you have reached that. The limit lifts once "
                f"your account is a day old and has {NEWCOMER_POSTS} published posts. Your text is kept below."
            )


PREVIEWS_PER_MINUTE = 10


def preview_post(*, author, body: str) -> str:
    """The HTML a post with `body` would have. A preview stores nothing, so it is counted in
    the cache, PREVIEWS_PER_MINUTE per member and minute: rendering 20,000 characters takes a
    web worker up to a few tenths of a second, and a preview button is easy to press in a loop."""
    count = caches.PREVIEWS.increment(user_id=author.pk, minute=int(timezone.now().timestamp() // 60))
    if count > PREVIEWS_PER_MINUTE:
        raise RateLimited(
            f"You have asked for {PREVIEWS_PER_MINUTE} previews in the last minute, the most we allow. "
            "Please wait a minute before the next one; your text is still in the editor."
        )
    return render_post(body).html


def check_links(*, user, html: str) -> None:
    """Newcomers may put at most two links in a post (a common spam pattern otherwise)."""
    links = len(_LINK.findall(html))
    if links > NEWCOMER_LINKS_PER_POST and is_newcomer(user):
        raise ValidationError(
            {
                "body": f"New members can include at most {NEWCOMER_LINKS_PER_POST} links in a post; this one "
                f"has {links}. Remove some, or post them once your account is established."
            }
        )


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _require_posting(user) -> None:
    account_selectors.refresh_standing(user)
    block = permissions.posting_block(user)
    if block:
        raise PermissionDenied(block)


# --- Counters kept with the rows they count (QuerySet.update sends no signal: touch) ----


def count_tag_threads(*, added=(), removed=()) -> None:
    """Tags' thread counts follow the threads they mark (tag lists show and sort by them)."""
    added, removed = set(added), set(removed)
    if added:
        Tag.objects.filter(pk__in=added).update(thread_count=F("thread_count") + 1)
    if removed:
        Tag.objects.filter(pk__in=removed).update(thread_count=Greatest(F("thread_count") - 1, 0))
    if added or removed:
        touch(Tag, *added, *removed, fields={"thread_count"})


def count_comments(*, thread_id: int, change: int, **fields) -> None:
    """A thread's count of published comments (lists show it), with any other `fields` to set."""
    counted = F("comment_count") + change if change >= 0 else Greatest(F("comment_count") + change, 0)
    Thread.objects.filter(pk=thread_id).update(comment_count=counted, **fields)
    touch(Thread, thread_id, fields={"comment_count", *fields})


# --- Notifications (carried out after commit by community.outbox) ---------------------


def notify_moderation(
    *, recipient_id, actor, event_key, message="", notice="", notice_params=None, thread=None, comment=None
) -> None:
    """Tell a member of a moderation act: by the `notice` code of its sentence (community.notices)
    and its parameters, worded when read, or by a `message` worded now."""
    outbox.record(
        OutboxEvent.Kind.MODERATION_NOTICE,
        recipient_id=recipient_id,
        actor_id=actor.pk if actor else None,
        event_key=event_key,
        message=message,
        notice=notice,
        notice_params=notice_params or {},
        thread_id=thread.pk if thread else None,
        comment_id=comment.pk if comment else None,
    )


def _follow_thread(user, thread: Thread) -> None:
    Follow.objects.get_or_create(user=user, thread=thread)


# --- Threads ---------------------------------------------------------------------------


def _validate_tags(tags) -> list[Tag]:
    tags = list(dict.fromkeys(tags))
    if len(tags) > Thread.MAX_TAGS:
        raise ValidationError({"tags": f"Choose at most {Thread.MAX_TAGS} tags."})
    return tags


@transaction.atomic
def create_thread(*, author, title: str, body: str, topic=None, tags=(), submission=None) -> Thread:
    """Post a thread. `submission` is the posting form's one-time token: sent again, the form
    raises AlreadyPosted with the thread it made the first time."""
    _posted_before(Thread, author=author, submission=submission)
    _require_posting(author)
    check_rate_limit(user=author, kind="thread")
    tags = _validate_tags(tags)
    rendered = render_post(body)
    check_links(user=author, html=rendered.html)
    now = timezone.now()
    thread = _create_post_once(
        Thread,
        submission=submission,
        author=author,
        title=title.strip(),
        body=body,
        body_html=rendered.html,
        topic=topic,
        created_at=now,
        last_activity_at=now,
    )
    if tags:
        thread.tags.set(tags)
        count_tag_threads(added=[tag.pk for tag in tags])
    _follow_thread(author, thread)
    outbox.record(
        OutboxEvent.Kind.THREAD_POSTED,
        thread_id=thread.pk,
        actor_id=author.pk,
        mentioned_ids=[user.pk for user in rendered.mentions],
    )
    return thread


@transaction.atomic
def edit_thread(*, thread: Thread, editor, title: str, body: str, topic=None, tags=()) -> Thread:
    account_selectors.refresh_standing(editor)
    _require(permissions.can_edit(editor, thread), "You can only edit your own threads.")
    tags = _validate_tags(tags)
    old_tags = set(thread.tags.values_list("pk", flat=True))
    rendered = render_post(body)
    check_links(user=editor, html=rendered.html)
    thread.title = title.strip()
    thread.body = body
    thread.body_html = rendered.html
    thread.topic = topic
    thread.edited_at = timezone.now()
    thread.save()
    new_tags = {tag.pk for tag in tags}
    if new_tags != old_tags:
        thread.tags.set(tags)
        count_tag_threads(added=new_tags - old_tags, removed=old_tags - new_tags)
    outbox.record(
        OutboxEvent.Kind.THREAD_EDITED,
        thread_id=thread.pk,
        actor_id=editor.pk,
        mentioned_ids=[user.pk for user in rendered.mentions],
    )
    return thread


@transaction.atomic
def delete_thread(*, thread: Thread, user) -> None:
    """The author deletes their thread: it disappears from every list and page."""
    _require(permissions.can_delete(user, thread), "You can only delete your own threads.")
    thread.status = Status.REMOVED
    thread.is_pinned = False
    thread.save(update_fields=["status", "is_pinned"])
    count_tag_threads(removed=thread.tags.values_list("pk", flat=True))


# --- Comments --------------------------------------------------------------------------


@transaction.atomic
def create_comment(
    *, thread: Thread, author, body: str, parent: Comment | None = None, submission=None
) -> Comment:
    """Post a reply. `submission` is the reply form's one-time token, as for create_thread."""
    _posted_before(Comment, author=author, submission=submission)
    _require_posting(author)
    if thread.status != Status.PUBLISHED:
        raise PermissionDenied(_("This thread is not open for replies."))
    if thread.is_locked and not permissions.is_moderator(author):
        raise PermissionDenied(_("This thread is locked: a mentor closed it to new replies."))
    check_rate_limit(user=author, kind="comment")
    reply_to = None
    if parent is not None:
        if parent.thread_id != thread.pk:
            raise ValidationError({"parent": "That reply belongs to another thread."})
        if parent.parent_id is not None:  # replies nest one level: answer under the top comment
            reply_to = parent.author
            parent = parent.parent
        elif parent.status == Status.REMOVED:
            raise ValidationError({"parent": "That reply was deleted."})
    rendered = render_post(body)
    check_links(user=author, html=rendered.html)
    now = timezone.now()
    comment = _create_post_once(
        Comment,
        submission=submission,
        thread=thread,
        author=author,
        parent=parent,
        reply_to=reply_to,
        body=body,
        body_html=rendered.html,
        created_at=now,
    )
    count_comments(thread_id=thread.pk, change=1, last_activity_at=now)
    _follow_thread(author, thread)
    # Mentions, and replies to the parent's author, the one replied to and the followers.
    outbox.record(
        OutboxEvent.Kind.COMMENT_POSTED,
        comment_id=comment.pk,
        actor_id=author.pk,
        mentioned_ids=[user.pk for user in rendered.mentions],
    )
    return comment


@transaction.atomic
def edit_comment(*, comment: Comment, editor, body: str) -> Comment:
    account_selectors.refresh_standing(editor)
    _require(permissions.can_edit(editor, comment), "You can only edit your own replies.")
    rendered = render_post(body)
    check_links(user=editor, html=rendered.html)
    comment.body = body
    comment.body_html = rendered.html
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    outbox.record(
        OutboxEvent.Kind.COMMENT_EDITED,
        comment_id=comment.pk,
        actor_id=editor.pk,
        mentioned_ids=[user.pk for user in rendered.mentions],
    )
    return comment


@transaction.atomic
def delete_comment(*, comment: Comment, user) -> None:
    """Delete the author's comment; one with replies leaves a "deleted" placeholder."""
    _require(permissions.can_delete(user, comment), "You can only delete your own replies.")
    thread_id = comment.thread_id
    was_counted = comment.status == Status.PUBLISHED
    if Thread.objects.filter(pk=thread_id, accepted_comment=comment).update(accepted_comment=None):
        touch(Thread, thread_id, fields={"accepted_comment"})
    if comment.replies.exists():
        comment.status = Status.REMOVED
        comment.body = ""
        comment.body_html = ""
        comment.save(update_fields=["status", "body", "body_html"])
    else:
        comment.delete()
    if was_counted:
        count_comments(thread_id=thread_id, change=-1)


# --- Reactions -------------------------------------------------------------------------


def _create_once(model, **fields) -> bool:
    """Create the row unless it exists; whether this call created it. The row's unique
    constraint decides between calls made at once: the insert that loses finds the winner's
    row instead, so the caller that did not create it moves no counter."""
    try:
        return model.objects.get_or_create(**fields)[1]
    except IntegrityError:  # the winner's row was removed again before this call could read it
        return model.objects.get_or_create(**fields)[1]


def _check_reaction(user, target: Thread | Comment, kind: str) -> dict:
    """The reaction's rule; returns its target as filter arguments."""
    if kind not in Reaction.Kind.values:
        raise ValidationError({"kind": f"Unknown reaction “{kind}”. Use like, helpful or insightful."})
    account_selectors.refresh_standing(user)
    _require(permissions.can_react(user, target), _reaction_refusal(user, target))
    return {"thread" if isinstance(target, Thread) else "comment": target}


def _count_reaction(target: Thread | Comment, kind: str, step: int) -> None:
    counter = f"{kind}_count"
    if step > 0:
        changes = {counter: F(counter) + 1, "reaction_count": F("reaction_count") + 1}
    else:
        changes = {
            counter: Greatest(F(counter) - 1, 0),
            "reaction_count": Greatest(F("reaction_count") - 1, 0),
        }
    type(target).objects.filter(pk=target.pk).update(**changes)
    touch(type(target), target.pk, fields=set(changes))


@transaction.atomic
def reaction_set(*, user, target: Thread | Comment, kind: str) -> bool:
    """Give the reaction; giving it again changes nothing. Returns whether this call gave it.

    The same request twice at once leaves one row and one count: only the call that
    inserted the row moves the counters, with F()."""
    given = _create_once(Reaction, user=user, kind=kind, **_check_reaction(user, target, kind))
    if given:
        _count_reaction(target, kind, +1)
    return given


@transaction.atomic
def reaction_clear(*, user, target: Thread | Comment, kind: str) -> bool:
    """Take the reaction back; taking back one not given changes nothing. Returns whether
    this call took it back: of two at once, only the one whose DELETE removed the row
    moves the counters."""
    deleted, _ = Reaction.objects.filter(user=user, kind=kind, **_check_reaction(user, target, kind)).delete()
    if deleted:
        _count_reaction(target, kind, -1)
    return bool(deleted)


def _reaction_refusal(user, target) -> str:
    if permissions.is_author(user, target):
        return "You cannot react to your own post."
    return permissions.posting_block(user) or "This post cannot take reactions."


# --- Answers ---------------------------------------------------------------------------


@transaction.atomic
def accept_answer(*, thread: Thread, comment: Comment, user, reason: str = "") -> bool:
    """Mark (or, if it is already marked, unmark) a comment as the thread's accepted answer."""
    account_selectors.refresh_standing(user, permissions=True)
    _require(
        permissions.can_accept_answer(user, thread),
        "Only the thread's author or a mentor can accept an answer.",
    )
    if comment.thread_id != thread.pk or not permissions.can_be_answer(comment):
        raise Conflict("Only a published reply of this thread can be the answer.")
    accepting = thread.accepted_comment_id != comment.pk
    thread.accepted_comment = comment if accepting else None
    thread.save(update_fields=["accepted_comment"])
    if not permissions.is_author(user, thread):
        ModerationAction.objects.create(
            moderator=user,
            action=ModerationAction.Action.ACCEPT,
            thread=thread,
            comment=comment,
            target_user=comment.author,
            reason=reason or ("Accepted as the answer" if accepting else "Answer unmarked"),
        )
    if accepting:
        outbox.record(
            OutboxEvent.Kind.ANSWER_ACCEPTED,
            comment_id=comment.pk,
            actor_id=user.pk,
            recipient_id=comment.author_id,
        )
    return accepting


# --- Follows and bookmarks -------------------------------------------------------------


def _follow_target(user, *, thread, tag, topic) -> dict:
    _require(permissions.can_follow(user), "Log in to follow.")
    target = {"thread": thread, "tag": tag, "topic": topic}
    target = {key: value for key, value in target.items() if value is not None}
    if len(target) != 1:
        raise ValueError("Follow exactly one of thread, tag or topic.")
    return target


def follow_set(*, user, thread=None, tag=None, topic=None) -> bool:
    """Follow the thread, tag or topic; following it again changes nothing. Returns whether
    this call started following it."""
    return _create_once(Follow, user=user, **_follow_target(user, thread=thread, tag=tag, topic=topic))


def follow_clear(*, user, thread=None, tag=None, topic=None) -> bool:
    """Stop following; nothing to stop is fine. Returns whether this call stopped following."""
    target = _follow_target(user, thread=thread, tag=tag, topic=topic)
    deleted, _ = Follow.objects.filter(user=user, **target).delete()
    return bool(deleted)


def watch_level_set(*, user, thread: Thread, level: str) -> None:
    """Set how closely the member hears about the thread (WatchLevel): watching follows it,
    normal neither follows nor mutes it, muted mutes it. Setting the level it has changes
    nothing."""
    if level not in WatchLevel.values:
        raise ValidationError({"level": "Choose watching, normal or muted."})
    with transaction.atomic():
        if level == WatchLevel.WATCHING:
            follow_set(user=user, thread=thread)
        else:
            follow_clear(user=user, thread=thread)
        if level == WatchLevel.MUTED:
            _create_once(ThreadMute, user=user, thread=thread)
        else:
            ThreadMute.objects.filter(user=user, thread=thread).delete()


def follow_level_set(*, user, level: str, tag=None, topic=None) -> None:
    """Set how the member follows a tag or topic (FollowLevel): not at all, in the digest, or
    also a notification for each new thread there. Setting the level it has changes nothing."""
    if level not in FollowLevel.values:
        raise ValidationError({"level": "Choose none, digest or new_threads."})
    target = _follow_target(user, thread=None, tag=tag, topic=topic)
    with transaction.atomic():
        if level == FollowLevel.NONE:
            follow_clear(user=user, **target)
            return
        follow_set(user=user, **target)
        follow = Follow.objects.select_for_update().get(user=user, **target)
        notify = level == FollowLevel.NEW_THREADS
        if follow.notify_new_threads != notify:
            follow.notify_new_threads = notify
            follow.save(update_fields=["notify_new_threads"])


def bookmark_set(*, user, thread: Thread) -> bool:
    """Save the thread for later; saving it again changes nothing. Returns whether this call saved it."""
    _require(user.is_authenticated, "Log in to save threads.")
    return _create_once(Bookmark, user=user, thread=thread)


def bookmark_clear(*, user, thread: Thread) -> bool:
    """Unsave the thread; one not saved is fine. Returns whether this call unsaved it."""
    _require(user.is_authenticated, "Log in to save threads.")
    deleted, _ = Bookmark.objects.filter(user=user, thread=thread).delete()
    return bool(deleted)


# --- Notifications ---------------------------------------------------------------------


def mark_notifications_read(*, user, ids=None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    marked = unread.update(read_at=timezone.now(), email_due_at=None)  # read: no email is due for it
    if marked:  # many rows of one recipient: the rules read only that
        touch(Notification(recipient_id=user.pk), fields={"read_at"})
    return marked


def set_email_preferences(*, user, modes: dict[str, str]) -> None:
    """Store how a member wants each kind of notification (community.notification_kinds): a
    row for a mode that differs from the kind's default, none for one that matches it."""
    now = timezone.now()
    with transaction.atomic():
        for verb, mode in modes.items():
            kind = notification_kinds.get(verb)
            if kind is None or mode not in EmailPreference.Mode.values:
                raise ValidationError(f"No setting {verb!r} = {mode!r}.")
            if mode == kind.default:
                EmailPreference.objects.filter(user=user, kind=verb).delete()
            else:
                EmailPreference.objects.update_or_create(
                    user=user, kind=verb, defaults={"mode": mode, "updated_at": now}
                )


def turn_off_notification_emails(*, user, kind: str) -> None:
    """A notification email's unsubscribe link: that kind is not emailed any more."""
    set_email_preferences(user=user, modes={kind: EmailPreference.Mode.OFF})
    logging.getLogger("community.notification_emails").info(
        "%s emails turned off by unsubscribe link for user %s", kind, user.pk
    )


# --- Digests ---------------------------------------------------------------------------


def turn_off_digests(*, user) -> None:
    """The unsubscribe link's write. Logged under community.digest, with the rest of the
    digest events."""
    user.digest_frequency = User.DigestFrequency.OFF
    user.save(update_fields=["digest_frequency"])
    logging.getLogger("community.digest").info("digests turned off by unsubscribe link for user %s", user.pk)


# --- Tags ------------------------------------------------------------------------------


def create_tag(*, user, name: str, slug: str, description: str = "") -> Tag:
    account_selectors.refresh_standing(user, permissions=True)
    _require(permissions.can_manage_tags(user), "Only mentors and admins create tags.")
    return Tag.objects.create(name=name.strip(), slug=slug, description=description.strip())
