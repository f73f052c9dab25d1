"""A thread page's body and comments, rendered once per thread version and kind of viewer,
cached, then filled in for the viewer.

Rendering, not SQL, dominates a thread page, so its parts are cached as HTML. Each is the
same for every viewer of a Variant, what community.permissions lets that kind of viewer do,
and is rendered without the request, so nothing of one viewer can be in it. What differs
from one person to the next are the viewer slots its templates declare (config.slots),
filled here without queries: their CSRF token, their follow and save buttons, the reply
form's one-time token, which reactions are theirs, which posts they flagged (and a mentor has
not yet looked at), and which posts they wrote (the controls of their own posts shown, the
flag link and reaction buttons on them not).
"""

import dataclasses
import functools
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, pgettext

from community import caches, permissions
from community.forms import CommentForm, new_submission_token
from community.models import Thread
from community.selectors import comment_page
from community.watch_choices import FOLLOW_CHOICES, WATCH_CHOICES
from config import slots


@dataclass(frozen=True)
class Variant:
    """A kind of viewer of a thread page: everything about the viewer that the shared body and
    comments depend on, as community.permissions decides it. Viewers of one variant differ
    only in what the slots fill in."""

    signed_in: bool = False
    is_active: bool = False
    can_post: bool = False
    can_reply: bool = False
    can_accept: bool = False
    is_moderator: bool = False

    @classmethod
    def of(cls, viewer, page) -> "Variant":
        if not viewer.is_authenticated:
            return cls()
        return cls(
            signed_in=True,
            is_active=viewer.is_active,
            can_post=not page.posting_block,
            can_reply=page.can_comment,
            can_accept=page.can_accept,
            is_moderator=page.is_moderator,
        )

    @property
    def name(self) -> str:
        """Its true fields, e.g. "signed_in+is_active+can_post+can_reply", or "anonymous"."""
        fields = dataclasses.fields(self)
        return "+".join(field.name for field in fields if getattr(self, field.name)) or "anonymous"

    def actions(self, post) -> permissions.PostActions:
        return permissions.post_actions(
            post,
            viewer_can_post=self.can_post,
            viewer_is_active=self.is_active,
            viewer_can_accept=self.can_accept,
        )


@dataclass(frozen=True)
class ThreadViewer:
    """What the slots of a thread page need to know of the person looking."""

    user_id: int | None
    reactions: frozenset = frozenset()  # ("thread"|"comment", id, kind) they gave
    flags: frozenset = frozenset()  # ("thread"|"comment", id) they flagged, still open
    own_comments: frozenset = frozenset()  # ids of the comments they wrote here
    can_edit: bool = False  # their variant's: they may post (Variant.can_post)
    can_delete: bool = False  # they are active (Variant.is_active)

    @property
    def fill_key(self) -> "ThreadViewer":
        """All of it is what the slots read: the page's parts kept in memory keep its fill (config.slots)."""
        return self


@slots.kind("reaction_pressed", "target", "target_id", "reaction")
def _reaction_pressed(viewer: ThreadViewer):
    """aria-pressed of a reaction button: "true" on the viewer's own reactions."""
    return {
        slots.where(target=target, target_id=target_id, reaction=reaction): "true"
        for target, target_id, reaction in viewer.reactions
    }


@slots.kind("reaction_action", "target", "target_id", "reaction")
def _reaction_action(viewer: ThreadViewer):
    """What a reaction button asks for (community.forms.ReactionForm): to give the reaction,
    or, on the viewer's own reactions, to take it back. Never a toggle."""
    return {
        slots.where(target=target, target_id=target_id, reaction=reaction): "clear"
        for target, target_id, reaction in viewer.reactions
    }


def _own_posts(viewer: ThreadViewer, value: str) -> dict:
    """`value` for the slots of the posts the viewer wrote (a former member's are nobody's)."""
    return {} if viewer.user_id is None else {slots.where(author_id=viewer.user_id): value}


@slots.kind("own_post_reaction", "author_id")
def _cannot_react_to_own_post(viewer: ThreadViewer):
    """Reaction buttons are disabled on the viewer's own posts (the slot follows the last attribute)."""
    return _own_posts(viewer, " disabled")


@slots.kind("react_link", "author_id")
def _react_link(viewer: ThreadViewer):
    """The `hidden` of a comment's "React" link (the slot follows its href): hidden on the
    viewer's own comments, which they cannot react to."""
    return _own_posts(viewer, " hidden")


@slots.kind("own_post_controls", "author_id")
def _own_post_controls(viewer: ThreadViewer):
    """The `hidden` of a post's edit and delete controls: gone on the viewer's own posts."""
    return _own_posts(viewer, "")


@slots.kind("own_comment_controls", "comment_id")
def _own_comment_controls(viewer: ThreadViewer):
    """A comment's edit and delete links, on the viewer's own comments only: nothing on the
    others (a thread page has hundreds of comments, and a viewer wrote a few)."""
    return {
        slots.where(comment_id=comment_id): _own_comment_controls_html(
            comment_id, can_edit=viewer.can_edit, can_delete=viewer.can_delete
        )
        for comment_id in viewer.own_comments
    }


def _own_comment_controls_html(comment_id: int, *, can_edit: bool, can_delete: bool) -> str:
    links = []
    if can_edit:
        links.append(
            format_html(
                '<a href="{}">{}</a>', reverse("community:comment-edit", args=[comment_id]), gettext("Edit")
            )
        )
    if can_delete:
        links.append(
            format_html(
                '<a href="{}">{}</a>',
                reverse("community:comment-delete", args=[comment_id]),
                gettext("Delete"),
            )
        )
    return format_html('<span class="own-controls">{}</span>', mark_safe("".join(links))) if links else ""


@slots.kind("flag_link", "author_id")
def _flag_link(viewer: ThreadViewer):
    """The `hidden` of a post's flag control (the slot follows its class): hidden on the
    viewer's own posts."""
    return _own_posts(viewer, " hidden")


@slots.kind("flagged", "target", "target_id")
def _flagged(viewer: ThreadViewer):
    """A post's flag link, or, on the posts the viewer flagged, that they did (while the flag
    is open): the same words as the answer to a flag sent with htmx."""
    if not viewer.flags:
        return {}
    flagged = _flagged_html(get_language())
    return {slots.where(target=target, target_id=target_id): flagged for target, target_id in viewer.flags}


@functools.cache
def _flagged_html(language: str) -> str:
    """The words a post flagged by its viewer shows, in `language` (the active one)."""
    return render_to_string("community/flag.html#flagged")


slots.declare("comments", "follow_button", "bookmark_button", "submission")


def _with_actions(comments, variant: Variant):
    """`comments` (a page of them), each reply too, with what the variant may do with it."""
    for comment in comments:
        comment.actions = variant.actions(comment)
        for reply in comment.visible_replies:
            reply.actions = variant.actions(reply)
    return comments


def comments_html(*, thread, page, viewer, page_number) -> slots.SlottedHtml:
    """The thread's comments for this viewer's variant, their slots not yet filled."""
    variant = Variant.of(viewer, page)

    def render(reader):
        comments = comment_page(thread=thread, viewer=reader, page_number=page_number)
        context = {"thread": thread, "variant": variant, "comments": _with_actions(comments, variant)}
        return slots.render_shared("community/components/comment_list.html", context)

    # A viewer who wrote a hidden comment sees it (marked), on a page of their own. A shared
    # fragment is read as by any member of the variant (mentors see every comment, the rest
    # what anonymous visitors see), so nobody's hidden comment can ever be in one.
    if page.viewer.has_hidden_comments and not page.is_moderator:
        return render(viewer)
    shared_reader = viewer if page.is_moderator else AnonymousUser()
    return caches.THREAD_COMMENTS.get(
        thread_id=thread.pk,
        page_number=page_number,
        variant=variant.name,
        build=lambda: render(shared_reader),
    )


def follow_control_context(*, url: str, level: str, legend: str) -> dict:
    """The tag's or topic's follow choices (FollowLevel), for community/components/watch_level.html."""
    return {"url": url, "levels": FOLLOW_CHOICES, "level": level, "legend": legend}


def watch_control_context(thread, level: str) -> dict:
    return {
        "url": reverse("community:thread-follow", args=[thread.pk, thread.slug]),
        "levels": WATCH_CHOICES,
        "level": level,
    }


def _toggles(thread) -> dict[str, dict]:
    """The viewer's controls in each of their states, each with a CSRF slot: the watch level
    (by level) and the save button (off and on)."""
    save = {
        "url": reverse("community:thread-bookmark", args=[thread.pk, thread.slug]),
        "on_text": pgettext("a bookmarked thread", "Saved"),
        "off_text": gettext("Save for later"),
    }
    return {
        "follow_button": {
            choice.value: slots.render_shared(
                "community/components/watch_level.html", watch_control_context(thread, choice.value)
            )
            for choice in WATCH_CHOICES
        },
        "bookmark_button": {
            is_on: slots.render_shared("community/components/toggle_button.html", {**save, "is_on": is_on})
            for is_on in (False, True)
        },
    }


def _accepted_answer(thread):
    answer = thread.accepted_comment
    return answer if answer is not None and permissions.can_be_answer(answer) else None


def thread_body(request, *, thread, page, comment_form, page_number, reply: int | None) -> slots.Pieces:
    """The page's body for this viewer, as UTF-8 pieces: from the shared cache when it is the usual
    view (a signed-in reader's GET, no form to show again, no reply picked, nothing blocking
    them). `comment_form` is the reply form sent back with its errors, or None for a new one
    (made only when the body is rendered). `reply` is the id of a comment of this thread the
    reply form answers, or None."""
    viewer = request.user
    variant = Variant.of(viewer, page)
    shared = (
        viewer.is_authenticated
        and request.method == "GET"
        and comment_form is None
        and not reply
        and not page.posting_block
    )
    context = {
        "thread": thread,
        "variant": variant,
        "actions": variant.actions(thread),
        "accepted_answer": _accepted_answer(thread),
        "reply": reply,
        "posting_block": page.posting_block,
        "login_next": request.get_full_path(),
    }

    def render():
        form = comment_form if comment_form is not None else CommentForm()
        html = slots.render_shared("community/thread_content.html", {**context, "comment_form": form})
        return {"html": html, "toggles": _toggles(thread) if viewer.is_authenticated else {}}

    if shared:
        body = caches.THREAD_BODY.get(thread_id=thread.pk, variant=variant.name, build=render)
    else:
        body = render()
    reader = ThreadViewer(
        user_id=viewer.pk,
        reactions=frozenset(page.viewer.reactions),
        flags=frozenset(page.viewer.flags),
        own_comments=frozenset(page.viewer.own_comments),
        can_edit=variant.can_post,
        can_delete=variant.is_active,
    )
    comments = comments_html(thread=thread, page=page, viewer=viewer, page_number=page_number)
    given = {"comments": comments.pieces(reader)}
    if viewer.is_authenticated:
        given["csrf"] = slots.csrf_token(request)
        state = {"follow_button": page.viewer.watch_level, "bookmark_button": page.viewer.bookmarked}
        for name, states in body["toggles"].items():
            given[name] = states[state[name]].fill(csrf=given["csrf"])
    if "submission" in body["html"].kinds:  # the reply form is shown: its one-time token
        given["submission"] = (
            comment_form.submission_token() if comment_form is not None else new_submission_token()
        )
    return body["html"].pieces(reader, **given)


def reaction_buttons(*, target, viewer, given: set[str]) -> bytes:
    """The reaction buttons of one post, every kind of reaction, for a viewer who gave the
    reactions `given` (kinds) there: the answer to an htmx reaction, and what a comment's
    "React" link opens in place of the reactions someone gave."""
    kind = "thread" if isinstance(target, Thread) else "comment"
    context = {"target": target, "kind": kind, "can_react": True, "every_kind": True}
    reader = ThreadViewer(user_id=viewer.pk, reactions=frozenset((kind, target.pk, each) for each in given))
    return slots.render_shared("community/components/reactions.html", context).fill(reader)
