"""A thread page's body and comments, rendered once per thread version and kind of viewer,
cached, then personalised for the viewer with a few string replacements.

Rendering, not SQL, dominates a thread page, so its parts are cached as HTML. Each is the
same for every viewer of a variant (anonymous, signed-in reader, member, the thread's author,
moderator) and is rendered without the request, so nothing of one viewer can be in it. What
differs per person comes in two ways, without queries: their CSRF token, follow and save
buttons and the reply form's one-time token fill holes (config.holes); which reactions are
theirs and which comments they wrote are marked in the markup with data attributes and
switched on here.
"""

import re
from dataclasses import astuple, dataclass

from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse

from community import caches
from config.holes import MarkedHtml, fill_bytes, hole, hole_key


@dataclass(frozen=True)
class Variant:
    name: str
    show_reaction_buttons: bool = False
    show_reply: bool = False
    show_member_links: bool = False
    show_edit: bool = False
    show_flag: bool = False
    show_accept: bool = False
    show_moderation: bool = False

    def context(self):
        return {key: value for key, value in vars(self).items() if key.startswith("show_")}


def variant_for(viewer, thread, page) -> Variant:
    if not viewer.is_authenticated:
        return Variant("anonymous")
    can_post = not page.posting_block
    flags = {
        "show_reaction_buttons": page.can_react,
        "show_reply": page.can_comment,
        "show_member_links": True,
        "show_edit": can_post,
        "show_flag": can_post,
        "show_accept": page.can_accept,
        "show_moderation": page.is_moderator,
    }
    name = "-".join(key.removeprefix("show_") for key, value in flags.items() if value)
    return Variant(name=name, **flags)


# The markers personalise() switches: reaction buttons, a comment's own controls, its flag
# link, and the reaction buttons of the viewer's own posts.
MARKERS = re.compile(
    rb'data-r="[^"]+" aria-pressed="false"|data-own="\d+" hidden|data-flag="\d+"|data-self="\d+"'
)


def marked(html: str) -> MarkedHtml:
    return MarkedHtml(html, MARKERS)


def personalise(fragment: MarkedHtml, *, viewer, reaction_keys) -> bytes:
    """Mark the viewer's own reactions as pressed and their own posts as theirs."""
    if not viewer.is_authenticated:
        return fragment.html
    own = viewer.pk
    changes = {
        f'data-r="{key}" aria-pressed="false"': f'data-r="{key}" aria-pressed="true"' for key in reaction_keys
    }
    changes[f'data-own="{own}" hidden'] = f'data-own="{own}"'
    changes[f'data-flag="{own}"'] = f'data-flag="{own}" hidden'
    changes[f'data-self="{own}"'] = f'data-self="{own}" disabled'
    return fragment.replace({marker.encode(): change.encode() for marker, change in changes.items()})


def comments_html(*, thread, page, viewer, page_number) -> MarkedHtml:
    """The thread's comments for this viewer's variant (their own state not yet marked)."""
    from community.selectors import comment_page

    variant = variant_for(viewer, thread, page)
    context = {"thread": thread, "mine": set(), **variant.context()}

    def render(reader):
        comments = comment_page(thread=thread, viewer=reader, page_number=page_number)
        return marked(
            render_to_string("community/components/comment_list.html", {**context, "comments": comments})
        )

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


@dataclass(frozen=True)
class BodyVariant:
    """What the body of a thread page (all but the comments) shows to a kind of viewer."""

    signed_in: bool
    is_author: bool
    can_react: bool
    can_comment: bool
    can_edit: bool
    can_delete: bool
    is_moderator: bool

    @classmethod
    def of(cls, viewer, thread, page) -> "BodyVariant":
        return cls(
            signed_in=viewer.is_authenticated,
            is_author=viewer.is_authenticated and thread.author_id == viewer.pk,
            can_react=page.can_react,
            can_comment=page.can_comment,
            can_edit=page.can_edit,
            can_delete=page.can_delete,
            is_moderator=page.is_moderator,
        )

    @property
    def name(self) -> str:
        return "".join("1" if value else "0" for value in astuple(self))


def _toggles(thread) -> dict[str, tuple[bytes, bytes]]:
    """The follow and save buttons, off and on, each with a CSRF hole."""
    buttons = {
        "follow": ("community:thread-follow", "Follow", "Following"),
        "bookmark": ("community:thread-bookmark", "Save for later", "Saved"),
    }
    toggles = {}
    for name, (url_name, off_text, on_text) in buttons.items():
        context = {
            "url": reverse(url_name, args=[thread.pk, thread.slug]),
            "on_text": on_text,
            "off_text": off_text,
            "csrf_token": hole("csrf"),
        }
        toggles[name] = tuple(
            render_to_string("community/components/toggle_button.html", {**context, "is_on": is_on}).encode()
            for is_on in (False, True)
        )
    return toggles


def thread_body(request, *, thread, page, comment_form, page_number, reply: int | None) -> bytes:
    """The page's body for this viewer, as UTF-8: from the shared cache when it is the usual
    view (a signed-in reader's GET, no form to show again, no reply picked, nothing blocking
    them). `reply` is the id of a comment of this thread the reply form answers, or None."""
    viewer = request.user
    variant = BodyVariant.of(viewer, thread, page)
    shared = (
        viewer.is_authenticated
        and request.method == "GET"
        and not comment_form.is_bound
        and not reply
        and not page.posting_block
    )
    holes = "" if shared else hole_key()
    context = {
        "thread": thread,
        **vars(variant),
        "comment_form": comment_form,
        "reply": reply,
        "posting_block": page.posting_block,
        "login_next": request.get_full_path(),
        "csrf_token": hole("csrf", holes),
        "follow_button": hole("follow", holes),
        "bookmark_button": hole("bookmark", holes),
        "comments_html": hole("comments", holes),
        "submission": hole("submission", holes),
    }

    def render():
        html = render_to_string("community/thread_content.html", context)
        return {"html": marked(html), "toggles": _toggles(thread) if viewer.is_authenticated else {}}

    if shared:
        body = caches.THREAD_BODY.get(thread_id=thread.pk, variant=variant.name, build=render)
    else:
        body = render()
    keys = {f"{target[0]}{target_id}-{kind}" for target, target_id, kind in page.viewer.reactions}
    comments = comments_html(thread=thread, page=page, viewer=viewer, page_number=page_number)
    csrf = {"csrf": get_token(request).encode()} if viewer.is_authenticated else {}
    values = {
        **csrf,
        "comments": personalise(comments, viewer=viewer, reaction_keys=keys),
        "submission": comment_form.submission_token().encode(),
    }
    state = {"follow": page.viewer.follows_thread, "bookmark": page.viewer.bookmarked}
    for name, (off, on) in body["toggles"].items():
        values[name] = fill_bytes(on if state[name] else off, csrf)
    return fill_bytes(personalise(body["html"], viewer=viewer, reaction_keys=keys), values, holes)
