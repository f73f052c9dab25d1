"""Who may do what in the community: the one policy that views, templates and the API call.

Each rule is a plain function of the acting user and the target. Functions named `can_*`
answer a boolean; `posting_block` explains, in words for the user, why they cannot write.
HTML shared by many viewers gets its decisions from `post_actions`, made of the same parts.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts import roles
from accounts.selectors import has_verified_email
from community.models import Comment, ReviewRequest, Status, Thread


def is_moderator(user) -> bool:
    """Mentors and admins (accounts.roles) while not suspended: every moderation power, and
    the sight of hidden posts, goes through here. A suspended mentor keeps the role, so its
    badge and its protection from other mentors, but none of its powers."""
    if not user.is_authenticated or roles.is_suspended(user):
        return False
    return roles.is_admin(user) or roles.is_mentor(user)


def posting_block(user) -> str:
    """Why this user cannot post right now, or "" when they can."""
    if not user.is_authenticated:
        return _("Log in to take part in discussions.")
    if not user.is_active:
        return _("This account is not active.")
    if roles.is_suspended(user):
        return f"{roles.suspension_notice(user)} {roles.SUSPENDED_MAY}"
    if not has_verified_email(user):
        return _("Verify your email address to post: we sent you a link when you signed up.")
    return ""


def can_post(user) -> bool:
    return not posting_block(user)


def can_view_thread(user, thread: Thread) -> bool:
    return can_view_post(user, thread)


def can_view_post(user, post: Thread | Comment) -> bool:
    """Published posts are public; hidden ones are for their author and the mentors; removed
    ones for nobody."""
    if post.status == Status.PUBLISHED:
        return True
    if post.status == Status.REMOVED:
        return False
    return is_moderator(user) or (user.is_authenticated and post.author_id == user.pk)


def can_comment(user, thread: Thread) -> bool:
    if not can_post(user) or thread.status != Status.PUBLISHED:
        return False
    return not thread.is_locked or is_moderator(user)


def is_author(user, post: Thread | Comment) -> bool:
    return user.is_authenticated and post.author_id is not None and post.author_id == user.pk


def takes_reactions(post: Thread | Comment) -> bool:
    """Only a published post takes reactions and flags."""
    return post.status == Status.PUBLISHED


def can_be_changed(post: Thread | Comment) -> bool:
    """A removed post is gone: its author can no longer edit or delete it."""
    return post.status != Status.REMOVED


def can_be_answer(comment: Comment) -> bool:
    """Only a published comment is accepted, or shown, as a thread's answer."""
    return comment.status == Status.PUBLISHED


def can_edit(user, post: Thread | Comment) -> bool:
    """Authors edit their own posts while they may post at all."""
    return is_author(user, post) and can_post(user) and can_be_changed(post)


def can_delete(user, post: Thread | Comment) -> bool:
    return is_author(user, post) and user.is_active and can_be_changed(post)


def can_react(user, post: Thread | Comment) -> bool:
    return can_post(user) and takes_reactions(post) and not is_author(user, post)


def can_accept_answer(user, thread: Thread) -> bool:
    """The thread's author, or a moderator who may act on that author's content."""
    if thread.status != Status.PUBLISHED:
        return False
    if is_author(user, thread):
        return can_post(user)
    return can_moderate_content(user, thread)


def can_follow(user) -> bool:
    return user.is_authenticated and user.is_active


def can_manage_tags(user) -> bool:
    return is_moderator(user)


def _is_protected(user) -> bool:
    """Mentors and admins, suspended or not: only admins may act against them."""
    return user is not None and (roles.is_admin(user) or roles.is_mentor(user))


def can_moderate_user(actor, user) -> bool:
    """Warn or suspend: mentors act on learners only; admins on anyone but themselves."""
    if not is_moderator(actor) or user is None or actor.pk == user.pk:
        return False
    return roles.is_admin(actor) or not _is_protected(user)


def can_moderate_content(actor, post: Thread | Comment) -> bool:
    """Hide, restore, lock, pin, move, retag, decide flags: mentors on learners' posts,
    admins on anyone's. Posts of former members can be moderated by any moderator."""
    if not is_moderator(actor):
        return False
    author = post.author
    if author is None or author.pk == actor.pk:
        return True
    return roles.is_admin(actor) or not _is_protected(author)


def moderation_refusal(actor, user) -> str:
    if not is_moderator(actor):
        return _("Only mentors and admins can moderate.")
    if user is not None and actor.pk == user.pk:
        return _("You cannot take this action on your own account.")
    return _("Mentors cannot act against other mentors or admins; ask an admin.")


def can_flag(user, post: Thread | Comment) -> bool:
    return can_post(user) and takes_reactions(post) and not is_author(user, post)


# --- Mentorship ------------------------------------------------------------------------


def can_view_insights(user) -> bool:
    """/insights/, where learners get stuck: for mentors and admins, who decide what material
    and answers a topic needs; learners see only the public figures on topic pages."""
    return is_moderator(user)


def can_request_review(user) -> bool:
    """Asking for a review is writing to the community: the same as posting."""
    return can_post(user)


def can_view_review(user, review: ReviewRequest) -> bool:
    """The learner who asked, and the mentors (admins too) who may review it."""
    if not user.is_authenticated:
        return False
    return review.learner_id == user.pk or is_moderator(user)


def can_review(user, review: ReviewRequest) -> bool:
    """Claim, extend, release, decide: any mentor or admin, never on their own request."""
    return is_moderator(user) and review.learner_id != user.pk


def can_withdraw_review(user, review: ReviewRequest) -> bool:
    return user.is_authenticated and user.is_active and review.learner_id == user.pk


def can_reply_review(user, review: ReviewRequest) -> bool:
    return review.learner_id == getattr(user, "pk", None) and can_post(user)


def sees_shared_note(user, review: ReviewRequest) -> bool:
    """A note the learner shared is for the mentor reviewing it, while they hold the request
    or decided it, and for nobody else."""
    if not review.shares_note or not user.is_authenticated:
        return False
    return user.pk in (review.claimed_by_id, review.decided_by_id) and is_moderator(user)


@dataclass(frozen=True)
class PostActions:
    """What every viewer of one kind may do with a post, for HTML that they all share
    (community.rendering). Such viewers differ only in which posts they wrote, so the author
    clause of each rule is left to a viewer slot: `can_edit` and `can_delete` hold if the
    viewer wrote the post, `can_react` and `can_flag` if they did not."""

    can_react: bool = False
    can_flag: bool = False
    can_edit: bool = False
    can_delete: bool = False
    can_accept: bool = False


def post_actions(
    post: Thread | Comment, *, viewer_can_post: bool, viewer_is_active: bool, viewer_can_accept: bool
) -> PostActions:
    """The rules above, short of `is_author`, for a viewer who may post or not, is active or not,
    and may accept answers on the post's thread (can_accept_answer) or not."""
    return PostActions(
        can_react=viewer_can_post and takes_reactions(post),
        can_flag=viewer_can_post and takes_reactions(post),
        can_edit=viewer_can_post and can_be_changed(post),
        can_delete=viewer_is_active and can_be_changed(post),
        can_accept=viewer_can_accept and isinstance(post, Comment) and can_be_answer(post),
    )
