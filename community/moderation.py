"""Moderation: flags and every act a mentor or admin can take, each one written to the
append-only audit log (ModerationAction) with its reason, and told to the author concerned.

Rules come from community.permissions; functions raise PermissionDenied or ValidationError
and know nothing about HTTP, so the web views and the API share them.
"""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from accounts import selectors as account_selectors
from community import notices, permissions
from community.mail_delivery import in_language_of
from community.models import Comment, Flag, ModerationAction, Status, Thread
from community.services import count_comments, count_tag_threads, notify_moderation
from config.caching import touch
from config.errors import Conflict

AUTO_HIDE_FLAGS = 3
REASON_MAX = 500
SUSPENSION_MAX_DAYS = 365

Action = ModerationAction.Action


def _target_fields(target: Thread | Comment) -> dict:
    if isinstance(target, Thread):
        return {"thread": target}
    return {"thread": target.thread, "comment": target}


# The sentence (a community.notices code) the author of a post is told of an act on it, by
# act and by whether the post is a thread or a reply.
TOLD_AUTHOR = {
    ("hid", Thread): "mod-hid-thread",
    ("hid", Comment): "mod-hid-reply",
    ("restored", Thread): "mod-restored-thread",
    ("restored", Comment): "mod-restored-reply",
    ("will_review", Thread): "mod-will-review-thread",
    ("will_review", Comment): "mod-will-review-reply",
    ("reviewed_reports", Thread): "mod-reviewed-reports-thread",
    ("reviewed_reports", Comment): "mod-reviewed-reports-reply",
    ("locked", Thread): "mod-locked-thread",
    ("moved", Thread): "mod-moved-thread",
}
ALREADY = {
    ("is_locked", True): gettext_lazy("The thread is already locked."),
    ("is_locked", False): gettext_lazy("The thread is already unlocked."),
    ("is_pinned", True): gettext_lazy("The thread is already pinned."),
    ("is_pinned", False): gettext_lazy("The thread is already unpinned."),
}


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason: it goes into the audit log and to the author.")})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": _("Keep the reason to at most %(limit)s characters.") % {"limit": REASON_MAX}}
        )
    return reason


def _log(
    *, moderator, action, reason, reason_code="", target=None, target_user=None, **details
) -> ModerationAction:
    """One line of the audit log: the mentor's `reason`, or the app's own by `reason_code`
    (community.notices, worded from the details in the reader's language)."""
    fields = _target_fields(target) if target is not None else {}
    if target_user is None and target is not None:
        target_user = target.author
    return ModerationAction.objects.create(
        moderator=moderator,
        action=action,
        reason=reason,
        reason_code=notices.check(reason_code) if reason_code else "",
        target_user=target_user,
        details=details,
        **fields,
    )


def _require_content_power(moderator, target) -> None:
    account_selectors.refresh_standing(moderator, permissions=True)
    if not permissions.can_moderate_content(moderator, target):
        raise PermissionDenied(permissions.moderation_refusal(moderator, target.author))


def _tell_author(
    *, target, actor, told: str, key: str, reason: str = "", reason_code: str = "", **params
) -> None:
    """Tell the author of the act `told` (a TOLD_AUTHOR key) on their post, by the code of its
    sentence: they read it in their language, whenever they read it. The reason is the
    moderator's words as typed, or the app's own by its `reason_code` of community.notices
    (with its `params`), worded in the reader's language too."""
    if target.author_id:
        title = target.title if isinstance(target, Thread) else target.thread.title
        said = {"reason_code": notices.check(reason_code), **params} if reason_code else {"reason": reason}
        notify_moderation(
            recipient_id=target.author_id,
            actor=actor,
            event_key=key,
            notice=notices.check(TOLD_AUTHOR[told, type(target)]),
            notice_params={"title": title, **said},
            **_target_fields(target),
        )


def _set_status(target: Thread | Comment, status: str) -> dict:
    """Move a post between published and hidden, keeping the thread's comment count right.

    A hidden reply cannot stand as the thread's accepted answer: the thread would show
    "Answered" with no answer to read, and drop out of the unanswered lists. Hiding it takes
    the acceptance back; restoring it gives it back, unless another answer was accepted
    meanwhile. Returns what happened to the acceptance, for the audit log's details."""
    previous = target.status
    if previous == status:
        return {}
    target.status = status
    target.save(update_fields=["status"])
    details = {}
    if isinstance(target, Comment):
        if previous == Status.PUBLISHED:
            count_comments(thread_id=target.thread_id, change=-1)
            if Thread.objects.filter(pk=target.thread_id, accepted_comment=target).update(
                accepted_comment=None
            ):
                details["answer_unaccepted"] = True
        elif status == Status.PUBLISHED:
            count_comments(thread_id=target.thread_id, change=1)
            if _acceptance_taken_by_hiding(target) and Thread.objects.filter(
                pk=target.thread_id, accepted_comment__isnull=True
            ).update(accepted_comment=target):
                details["answer_accepted_again"] = True
        if details:
            touch(Thread, target.thread_id, fields={"accepted_comment"})
    return details


def _acceptance_taken_by_hiding(comment: Comment) -> bool:
    """Whether the act that last hid this reply took its acceptance back."""
    hidden_by = (
        ModerationAction.objects.filter(
            comment=comment, action__in=[Action.HIDE, Action.AUTO_HIDE, Action.RESOLVE_FLAGS]
        )
        .order_by("-created_at", "-pk")
        .values_list("details", flat=True)
        .first()
    )
    return bool(hidden_by and hidden_by.get("answer_unaccepted"))


def _close_flags(target, *, moderator, state) -> int:
    field = "thread" if isinstance(target, Thread) else "comment"
    flag_ids = list(
        Flag.objects.filter(status=Flag.State.OPEN, **{field: target}).values_list("pk", flat=True)
    )
    closed = Flag.objects.filter(pk__in=flag_ids).update(
        status=state, resolved_by=moderator, resolved_at=timezone.now()
    )
    touch(Flag, *flag_ids, fields={"status"})
    return closed


# --- Flags -----------------------------------------------------------------------------


@transaction.atomic
def flag(*, reporter, target: Thread | Comment, reason: str, note: str = "") -> Flag:
    """A learner reports a post. The third open flag from different people hides it until a
    mentor decides; the author is told."""
    account_selectors.refresh_standing(reporter)
    if not permissions.can_flag(reporter, target):
        if permissions.is_author(reporter, target):
            raise PermissionDenied(_("You cannot flag your own post."))
        raise PermissionDenied(permissions.posting_block(reporter) or _("This post cannot be flagged."))
    if reason not in Flag.Reason.values:
        raise ValidationError({"reason": _("Choose why: spam, abuse, off-topic or something else.")})
    if reason == Flag.Reason.OTHER and not note.strip():
        raise ValidationError({"note": _("Tell the mentors what is wrong.")})
    field = "thread" if isinstance(target, Thread) else "comment"
    try:
        with transaction.atomic():
            created = Flag.objects.create(
                reporter=reporter, reason=reason, note=note.strip(), **{field: target}
            )
    except IntegrityError:
        raise Conflict(_("You have already flagged this post; mentors will look at it.")) from None
    open_flags = Flag.objects.filter(status=Flag.State.OPEN, **{field: target}).values("reporter").distinct()
    if target.status == Status.PUBLISHED and open_flags.count() >= AUTO_HIDE_FLAGS:
        details = _set_status(target, Status.HIDDEN)
        _log(
            moderator=None,
            action=Action.AUTO_HIDE,
            reason="",
            reason_code="log-auto-hidden",
            target=target,
            count=AUTO_HIDE_FLAGS,
            **details,
        )
        _tell_author(
            target=target,
            actor=None,
            told="will_review",
            reason_code="log-auto-hidden",
            count=AUTO_HIDE_FLAGS,
            key=f"autohide:{field}:{target.pk}",
        )
    return created


# --- Content ---------------------------------------------------------------------------


@transaction.atomic
def hide(*, moderator, target: Thread | Comment, reason: str) -> ModerationAction:
    _require_content_power(moderator, target)
    reason = _clean_reason(reason)
    if target.status != Status.PUBLISHED:
        raise Conflict(_("Only published posts can be hidden."))
    details = _set_status(target, Status.HIDDEN)
    _close_flags(target, moderator=moderator, state=Flag.State.RESOLVED)
    entry = _log(moderator=moderator, action=Action.HIDE, reason=reason, target=target, **details)
    _tell_author(target=target, actor=moderator, told="hid", reason=reason, key=f"mod:{entry.pk}")
    return entry


@transaction.atomic
def restore(*, moderator, target: Thread | Comment, reason: str) -> ModerationAction:
    _require_content_power(moderator, target)
    reason = _clean_reason(reason)
    if target.status != Status.HIDDEN:
        raise Conflict(_("Only hidden posts can be restored."))
    details = _set_status(target, Status.PUBLISHED)
    _close_flags(target, moderator=moderator, state=Flag.State.DISMISSED)
    entry = _log(moderator=moderator, action=Action.RESTORE, reason=reason, target=target, **details)
    _tell_author(target=target, actor=moderator, told="restored", reason=reason, key=f"mod:{entry.pk}")
    return entry


@transaction.atomic
def resolve_flags(
    *, moderator, target: Thread | Comment, decision: str, reason: str = "", reason_code: str = ""
) -> ModerationAction:
    """Close every open flag on the target. Resolving keeps (or puts) the post hidden;
    dismissing restores a post that flags had hidden.

    `reason` is what the moderator typed. A decision taken where nobody types one (the admin's
    actions) gives the app's own reason as a `reason_code` of community.notices instead, so the
    audit log and the author read it in their own language."""
    _require_content_power(moderator, target)
    reason = "" if reason_code else _clean_reason(reason)
    details = {}
    if decision == "resolve":
        closed = _close_flags(target, moderator=moderator, state=Flag.State.RESOLVED)
        if target.status == Status.PUBLISHED:
            details = _set_status(target, Status.HIDDEN)
        action = Action.RESOLVE_FLAGS
        told = "hid"
    elif decision == "dismiss":
        closed = _close_flags(target, moderator=moderator, state=Flag.State.DISMISSED)
        if target.status == Status.HIDDEN:
            details = _set_status(target, Status.PUBLISHED)
        action = Action.DISMISS_FLAGS
        told = "reviewed_reports"
    else:
        raise ValidationError({"decision": _("Decide “resolve” or “dismiss”.")})
    if not closed:
        raise Conflict(_("There are no open flags on this post."))
    entry = _log(
        moderator=moderator,
        action=action,
        reason=reason,
        reason_code=reason_code,
        target=target,
        flags_closed=closed,
        **details,
    )
    _tell_author(
        target=target,
        actor=moderator,
        told=told,
        reason=reason,
        reason_code=reason_code,
        key=f"mod:{entry.pk}",
    )
    return entry


def _thread_switch(
    *, moderator, thread: Thread, field: str, value: bool, action, reason: str
) -> ModerationAction:
    _require_content_power(moderator, thread)
    reason = _clean_reason(reason)
    if getattr(thread, field) == value:
        raise Conflict(str(ALREADY[field, value]))
    setattr(thread, field, value)
    thread.save(update_fields=[field])
    return _log(moderator=moderator, action=action, reason=reason, target=thread)


@transaction.atomic
def lock(*, moderator, thread: Thread, reason: str) -> ModerationAction:
    entry = _thread_switch(
        moderator=moderator, thread=thread, field="is_locked", value=True, action=Action.LOCK, reason=reason
    )
    _tell_author(target=thread, actor=moderator, told="locked", reason=entry.reason, key=f"mod:{entry.pk}")
    return entry


@transaction.atomic
def unlock(*, moderator, thread: Thread, reason: str) -> ModerationAction:
    return _thread_switch(
        moderator=moderator,
        thread=thread,
        field="is_locked",
        value=False,
        action=Action.UNLOCK,
        reason=reason,
    )


@transaction.atomic
def pin(*, moderator, thread: Thread, reason: str) -> ModerationAction:
    return _thread_switch(
        moderator=moderator, thread=thread, field="is_pinned", value=True, action=Action.PIN, reason=reason
    )


@transaction.atomic
def unpin(*, moderator, thread: Thread, reason: str) -> ModerationAction:
    return _thread_switch(
        moderator=moderator, thread=thread, field="is_pinned", value=False, action=Action.UNPIN, reason=reason
    )


@transaction.atomic
def move(*, moderator, thread: Thread, topic, reason: str) -> ModerationAction:
    """Anchor the thread to another roadmap topic (or to none)."""
    _require_content_power(moderator, thread)
    reason = _clean_reason(reason)
    old_topic = thread.topic
    if old_topic == topic:
        raise Conflict(_("The thread is already on that topic."))
    thread.topic = topic
    thread.save(update_fields=["topic"])
    entry = _log(
        moderator=moderator,
        action=Action.MOVE,
        reason=reason,
        target=thread,
        from_topic=old_topic.slug if old_topic else None,
        to_topic=topic.slug if topic else None,
    )
    _tell_author(target=thread, actor=moderator, told="moved", reason=reason, key=f"mod:{entry.pk}")
    return entry


@transaction.atomic
def retag(*, moderator, thread: Thread, tags, reason: str) -> ModerationAction:
    _require_content_power(moderator, thread)
    reason = _clean_reason(reason)
    tags = list(dict.fromkeys(tags))
    if len(tags) > Thread.MAX_TAGS:
        raise ValidationError({"tags": _("Choose at most %(limit)s tags.") % {"limit": Thread.MAX_TAGS}})
    old = set(thread.tags.values_list("pk", flat=True))
    new = {tag.pk for tag in tags}
    thread.tags.set(tags)
    count_tag_threads(added=new - old, removed=old - new)
    return _log(
        moderator=moderator,
        action=Action.RETAG,
        reason=reason,
        target=thread,
        tags=sorted(tag.slug for tag in tags),
    )


# --- People ----------------------------------------------------------------------------


def _require_user_power(moderator, user) -> None:
    account_selectors.refresh_standing(moderator, permissions=True)
    if not permissions.can_moderate_user(moderator, user):
        raise PermissionDenied(permissions.moderation_refusal(moderator, user))


@transaction.atomic
def warn(*, moderator, user, reason: str) -> ModerationAction:
    _require_user_power(moderator, user)
    reason = _clean_reason(reason)
    entry = _log(moderator=moderator, action=Action.WARN, reason=reason, target_user=user)
    with in_language_of(user):
        message = _("A mentor warned you: %(reason)s") % {"reason": reason}
    notify_moderation(recipient_id=user.pk, actor=moderator, event_key=f"mod:{entry.pk}", message=message)
    return entry


def validate_suspension_end(until: datetime) -> None:
    """The one rule on how long a suspension lasts, for the form, the API and the service."""
    now = timezone.now()
    if until <= now:
        raise ValidationError(_("A suspension has to end in the future."))
    if until > now + timedelta(days=SUSPENSION_MAX_DAYS):
        raise ValidationError(
            _("A suspension lasts at most %(days)s days; for longer, ask an admin to deactivate the account.")
            % {"days": SUSPENSION_MAX_DAYS}
        )


@transaction.atomic
def suspend(*, moderator, user, until: datetime, reason: str) -> ModerationAction:
    """Suspended users can read but not write, and see until when and why."""
    _require_user_power(moderator, user)
    reason = _clean_reason(reason)
    try:
        validate_suspension_end(until)
    except ValidationError as error:
        raise ValidationError({"until": error.messages}) from None
    user.suspended_until = until
    user.suspension_reason = reason
    user.save(update_fields=["suspended_until", "suspension_reason"])
    entry = _log(
        moderator=moderator, action=Action.SUSPEND, reason=reason, target_user=user, until=until.isoformat()
    )
    with in_language_of(user):
        message = f"{roles.suspension_notice(user)} {roles.SUSPENDED_MAY}"
    notify_moderation(recipient_id=user.pk, actor=moderator, event_key=f"mod:{entry.pk}", message=message)
    return entry


@transaction.atomic
def unsuspend(*, moderator, user, reason: str) -> ModerationAction:
    _require_user_power(moderator, user)
    reason = _clean_reason(reason)
    if not user.is_suspended:
        raise Conflict(_("This account is not suspended."))
    user.suspended_until = None
    user.suspension_reason = ""
    user.save(update_fields=["suspended_until", "suspension_reason"])
    entry = _log(moderator=moderator, action=Action.UNSUSPEND, reason=reason, target_user=user)
    with in_language_of(user):
        message = _("Your suspension was lifted. %(reason)s") % {"reason": reason}
    notify_moderation(recipient_id=user.pk, actor=moderator, event_key=f"mod:{entry.pk}", message=message)
    return entry
