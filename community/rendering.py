"""The comments of a thread page, rendered once per thread version and viewer variant,
cached, then personalised for the viewer with a few string replacements.

Rendering, not SQL, dominates a long thread page, so the fragment is cached as HTML. It is
the same for every viewer of a variant (anonymous, signed-in reader, member, the thread's
author, moderator); what differs per person (which reactions are theirs, which comments they
wrote) is marked in the markup with data attributes and switched on here, without queries.
"""

import re
from dataclasses import dataclass

from django.template.loader import render_to_string

from community import versions
from config.cache import versioned_get_or_set

FRAGMENT_TIMEOUT = 60 * 10


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


def personalise(html: str, *, viewer, reaction_keys) -> str:
    """Mark the viewer's own reactions as pressed and their own comments as theirs.

    One pass over the fragment (a long thread's is hundreds of kB), matching only this
    viewer's markers.
    """
    if not viewer.is_authenticated:
        return html
    own = viewer.pk
    changes = {
        f'data-r="{key}" aria-pressed="false"': f'data-r="{key}" aria-pressed="true"' for key in reaction_keys
    }
    changes[f'data-own="{own}" hidden'] = f'data-own="{own}"'
    changes[f'data-flag="{own}"'] = f'data-flag="{own}" hidden'
    changes[f'data-self="{own}"'] = f'data-self="{own}" disabled'
    pattern = re.compile("|".join(re.escape(marker) for marker in sorted(changes, key=len, reverse=True)))
    return pattern.sub(lambda match: changes[match.group(0)], html)


def comments_html(*, thread, page, viewer, page_number) -> str:
    """The thread's comments for this viewer: from the shared cache when possible."""
    from community.selectors import comment_page

    variant = variant_for(viewer, thread, page)
    context = {"thread": thread, "mine": set(), **variant.context()}

    def render():
        comments = comment_page(thread=thread, viewer=viewer, page_number=page_number)
        return render_to_string("community/components/comment_list.html", {**context, "comments": comments})

    # A viewer who wrote a hidden comment sees it (marked); shared fragments leave it out.
    if page.viewer.has_hidden_comments and not page.is_moderator:
        html = render()
    else:
        key = f"thread:{thread.pk}:{versions.thread_version(thread.pk)}:page:{page_number}:{variant.name}"
        html = versioned_get_or_set(key, render, FRAGMENT_TIMEOUT)
    keys = {
        f"c{target_id}-{kind}" for target, target_id, kind in page.viewer.reactions if target == "comment"
    }
    return personalise(html, viewer=viewer, reaction_keys=keys)
