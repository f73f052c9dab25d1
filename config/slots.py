"""Viewer slots: HTML rendered once and shared by many viewers, with the few places that differ
from one viewer to the next declared by the template itself, then filled in for each viewer.

    {% load slots %}
    <button ... aria-pressed="{% viewer_slot "reaction_pressed" target="comment" target_id=comment.pk reaction="like" %}false{% endviewer_slot %}">

While a shared part is rendered (`render_shared`), each `{% viewer_slot %}` renders its content,
the slot's default, and leaves in its place a sentinel of its own making: NUL, a key drawn at
random for that one rendering, the slot's number, NUL. The HTML is then split once at that key
into chunks, and each slot's place is indexed by its kind and arguments: a SlottedHtml, which
is what gets cached. For each viewer, `fill` puts their values in those places. Nothing is
ever found by searching markup, so a template can be reformatted, or its attributes
reordered, without turning anything off.

A kind is declared once, by the code that knows its values:
- `@kind("reaction_pressed", "target", "target_id", "reaction")` registers the function that
  gives this viewer's values for slots of that kind, and the arguments such a slot takes:
  `function(viewer)` returns `{where(target="comment", target_id=7, reaction="like"): "true"}`,
  HTML for just the slots where the viewer differs from the default (a viewer has reacted to
  a few posts of hundreds), so that filling costs no more than they do. The viewer is
  whatever the code filling the part passes (community.rendering.ThreadViewer, ...).
- `declare("comments")`: the code filling the part passes the value, `fill(comments=...)`.
  `csrf` (this request's CSRF token, which {% csrf_token %} shows in a shared part) and `body`
  (render_page) are declared here.

Mistakes are errors while they can be fixed: with settings.SLOTS_STRICT (on with DEBUG, and in
the tests) SlotError is raised for a slot of a kind nobody declared, or with other arguments
than its kind takes (both when its template is compiled), a value for other arguments, a slot
left with no value, a value given that no slot takes, and a slot whose sentinel did not reach
the output (a filter changed it). In production they are logged, and the slot shows its
default (bar the last: a sentinel that was changed cannot be found).

Nothing from outside can spell a sentinel: the key is drawn when the rendering starts, after
every post and request it shows already exists, and is never shown. Outside a shared
rendering (a template rendered for one viewer, such as an htmx partial) a slot just renders
its content.

Large parts (a thread page of 200 comments) are kept and filled as UTF-8 bytes, the form in
which they are sent, and put into the page in one copy (render_page): passed through the
template instead, a part is copied at every level of block and include. A part filled into
another is passed as its pieces (SlottedHtml.pieces), joined once with the page.

The page around those parts, base.html's chrome included, is itself a shared part for
signed-in members (render_page's `shell`): rendered once, it is filled with the viewer's CSRF
token, account menu and the parts the view names as theirs.
"""

import logging
import os
import secrets
import string
from collections.abc import Callable
from typing import NamedTuple

from django import template
from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from accounts import roles
from accounts.context_processors import THEMES
from config import messages, page_cache

logger = logging.getLogger(__name__)

RECORDER = "_viewer_slots"  # the context variable that holds the rendering's Recorder


class Kind(NamedTuple):
    function: Callable | None  # None: the value is given to fill()
    arguments: frozenset[str]


_KINDS: dict[str, Kind] = {}


class SlotError(Exception):
    pass


def _mistake(message: str) -> None:
    if settings.SLOTS_STRICT:
        raise SlotError(message)
    logger.error("Viewer slot: %s", message)


def declare(*names: str) -> None:
    """Declare kinds of slot whose value the code filling the part gives (`fill(name=...)`)."""
    for name in names:
        _KINDS.setdefault(name, Kind(None, frozenset()))


def kind(name: str, *arguments: str):
    """Register `function(viewer) -> {where(**arguments): html}` for slots of kind `name`."""

    def register(function):
        _KINDS[name] = Kind(function, frozenset(arguments))
        return function

    return register


def where(**arguments) -> tuple:
    """The slots with these arguments, as a key of what a kind's function returns."""
    if len(arguments) == 1:  # most kinds take one argument, and a map asks for hundreds of keys
        return tuple(arguments.items())
    return tuple(sorted(arguments.items()))


declare("csrf", "body")


Pieces = list[bytes | memoryview]  # HTML in pieces, to be joined once (SlottedHtml.pieces)


class Slot(NamedTuple):
    kind: str
    arguments: tuple[tuple[str, object], ...]
    default: bytes


class SlottedHtml:
    """Shared HTML as UTF-8, with every slot showing its default (`html`), and where each slot
    is in it, by kind and then arguments: (offset, length of the default) (`places`).

    Filling copies the HTML once, changing only the slots whose value differs from their
    default for this viewer (a few of the hundreds a long thread holds) and those given."""

    __slots__ = ("html", "places", "_fills")

    def __init__(self, chunks: list[bytes], slots: list[Slot]):
        pieces = [chunks[0]]
        offset = len(chunks[0])
        self.places: dict[str, dict[tuple, list[tuple[int, int]]]] = {}
        for slot, chunk in zip(slots, chunks[1:], strict=True):
            where_ = self.places.setdefault(slot.kind, {}).setdefault(slot.arguments, [])
            where_.append((offset, len(slot.default)))
            pieces += [slot.default, chunk]
            offset += len(slot.default) + len(chunk)
        self.html = b"".join(pieces)
        self._fills: dict[tuple, list] = {}

    def __getstate__(self):
        return self.html, self.places

    def __setstate__(self, state):
        self.html, self.places = state
        self._fills = {}

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self.places)

    def fill(self, viewer=None, **given: str | bytes | Pieces) -> bytes:
        """The HTML for one viewer: each slot's value, given or from its kind's function, and
        its default where there is none."""
        return b"".join(self.pieces(viewer, **given))

    def pieces(self, viewer=None, **given: str | bytes | Pieces) -> Pieces:
        """fill() before its pieces are joined. A part that goes into another one is given
        to it as its pieces, so that a page of parts within parts is copied once, not once a
        level (a thread's 300 kB of comments, in its body, in its page)."""
        for name in given.keys() - self.places.keys():
            _mistake(f"a value was given for {name!r}, but the part has no such slot")
        if not given:
            return self._viewer_pieces(viewer)
        changes = list(self._viewer_changes(viewer, given))
        for order, (name, places) in enumerate(self.places.items()):
            if name in given:
                value = _as_pieces(given[name])
                changes += [
                    (start, length, order, value) for where_ in places.values() for start, length in where_
                ]
        changes.sort(key=_by_place)
        return self._apply(changes)

    def _apply(self, changes: list) -> Pieces:
        if not changes:
            return [self.html]
        html = memoryview(self.html)
        pieces, end = [], 0
        for start, length, _, value in changes:
            pieces.append(html[end:start])
            pieces += value
            end = start + length
        pieces.append(html[end:])
        return pieces

    def _viewer_pieces(self, viewer) -> Pieces:
        """The pieces for `viewer` when nothing is given: kept with their changes (below)."""
        fill_key = getattr(viewer, "fill_key", None)
        if fill_key is None:
            return self._apply(self._viewer_changes(viewer, {}))
        key = ("pieces", fill_key, get_language())
        if (kept := self._fills.get(key)) is None:
            kept = self._keep(key, self._apply(self._viewer_changes(viewer, {})))
        return kept

    def _viewer_changes(self, viewer, given) -> list:
        """The changes the kinds' functions make for `viewer` to the slots not `given`, in
        order. A viewer with a `fill_key` (what the functions read of it, hashable) has them
        kept on this HTML, per language, for the next request: the HTML is kept in memory
        and read by the same viewers again and again (a member reloading their map)."""
        fill_key = getattr(viewer, "fill_key", None)
        if fill_key is not None:
            fill_key = (fill_key, get_language(), *sorted(given))
            if (kept := self._fills.get(fill_key)) is not None:
                return kept
        changes = []
        for order, (name, places) in enumerate(self.places.items()):
            if name in given:
                continue
            if name in _KINDS and _KINDS[name].function is not None:
                values = _KINDS[name].function(viewer)
                # A kind's function makes all its keys alike: the first one shows a mistake.
                if (arguments := next(iter(values), None)) is not None and {
                    key for key, _ in arguments
                } != _KINDS[name].arguments:
                    _mistake(f"{name!r} slots take {sorted(_KINDS[name].arguments)}, not {arguments}")
            else:
                _mistake(f"no value for the {name!r} slots")
                continue
            for arguments, value in values.items():
                value = _as_pieces(value)
                changes += [(start, length, order, value) for start, length in places.get(arguments, ())]
        changes.sort(key=_by_place)
        return changes if fill_key is None else self._keep(fill_key, changes)

    def _keep(self, key: tuple, value: list) -> list:
        """Keep a viewer's fill (never changed once kept: callers copy before they add)."""
        if len(self._fills) >= FILLS_KEPT:
            self._fills.clear()
        self._fills[key] = value
        return value


# Viewers' fills kept on one shared part (SlottedHtml._viewer_changes); when full, all go.
FILLS_KEPT = 256


def _as_pieces(value: str | bytes | Pieces) -> Pieces:
    if isinstance(value, str):
        return [value.encode()]
    return [value] if isinstance(value, bytes) else value


def _by_place(change) -> tuple[int, int, int]:
    """By offset; at one offset an empty default comes before a longer one, and slots of one
    length in the order their kinds first appear."""
    return change[0], change[1], change[2]


class Recorder:
    """The slots of one rendering, and the key of its sentinels."""

    def __init__(self):
        self.key = secrets.token_hex(16)
        self.slots: list[Slot] = []
        self.required: set[int] = set()

    def slot(self, kind: str, default: str = "", *, required: bool = False, **arguments) -> SafeString:
        """The sentinel of a new slot, to be put where the slot goes. A slot that is `required`
        must reach the output; one put into the context (csrf, body) may be left unused."""
        number = len(self.slots)
        self.slots.append(Slot(kind, where(**arguments), default.encode()))
        if required:
            self.required.add(number)
        return mark_safe(f"\x00{self.key}:{number}\x00")

    def split(self, html: str | bytes) -> SlottedHtml:
        data = html.encode() if isinstance(html, str) else html
        first, *rest = data.split(f"\x00{self.key}:".encode())
        chunks, numbers = [first], []
        for part in rest:
            number, _, chunk = part.partition(b"\x00")
            numbers.append(int(number))
            chunks.append(chunk)
        if missing := self.required.difference(numbers):
            _mistake(f"the {self.slots[min(missing)].kind!r} slot is not in the output: was it filtered?")
        return SlottedHtml(chunks, [self.slots[number] for number in numbers])


def render_shared(template_name: str, context: dict) -> SlottedHtml:
    """`template_name` rendered without the request, for every viewer, with its slots marked.
    {% csrf_token %} in it is a slot of kind "csrf"."""
    recorder = Recorder()
    context = {**context, RECORDER: recorder, "csrf_token": recorder.slot("csrf")}
    return recorder.split(render_to_string(template_name, context))


def csrf_token(request) -> str:
    """This request's CSRF token, for every form of its page: the secret of its CSRF cookie,
    masked anew for this response (BREACH), as Django's get_token masks it, and with the same
    effect (the cookie is sent again, to renew it). Once a page is enough."""
    if not hasattr(request, "page_csrf_token"):
        secret = request.META.get("CSRF_COOKIE")
        if secret is None:  # no cookie yet: Django makes one
            get_token(request)
            secret = request.META["CSRF_COOKIE"]
        else:
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
        request.page_csrf_token = _masked(secret)
    return request.page_csrf_token


_CSRF_CHARS = string.ascii_letters + string.digits  # django.middleware.csrf.CSRF_ALLOWED_CHARS
_CSRF_INDEX = {char: index for index, char in enumerate(_CSRF_CHARS)}


def _masked(secret: str) -> str:
    """Django's masking of a CSRF secret (a random mask, then each character of the secret
    shifted by the mask's), the mask drawn from one read of the system's randomness: Django
    reads it once a character. Bytes past the last whole multiple of 62 are dropped, so that
    every character is as likely."""
    size = len(_CSRF_CHARS)
    mask: list[int] = []
    while len(mask) < len(secret):
        mask += [byte % size for byte in os.urandom(2 * len(secret)) if byte < 256 - 256 % size]
    mask = mask[: len(secret)]
    return "".join(_CSRF_CHARS[each] for each in mask) + "".join(
        _CSRF_CHARS[(_CSRF_INDEX[char] + each) % size] for char, each in zip(secret, mask, strict=True)
    )


# What render_page adds to the key of a page's shell, besides what the view binds.
SHELL_KEY = ("url", "theme")

declare("account_menu")


def render_page(
    request,
    template_name: str,
    context: dict,
    *,
    body: bytes | Pieces,
    status: int = 200,
    personal: dict[str, str] | None = None,
    shell: Callable | None = None,
):
    """render(), with `body` (UTF-8 or its pieces, already personal) put where the template
    shows {{ body }}, and each of `personal` (the viewer's own parts, HTML) where it shows
    {{ name }}. The template's forms carry the body's CSRF token (csrf_token), asked for only
    if shown.

    `shell` is the page's declared Cached `get`, bound to what the view shows (`THREAD_SHELL.bind(
    thread_id=...)`), keyed by SHELL_KEY too. With it, a signed-in visitor's page is rendered
    once around its body and personal parts for every signed-in visitor (takes_shell), cached,
    and filled in for each: their CSRF token, their account menu and the personal parts.
    """
    personal = personal or {}
    if shell is not None and status == 200 and takes_shell(request):
        theme = request.COOKIES.get("theme")
        html = shell(
            build=lambda: _render_shell(request, template_name, context, personal=list(personal)),
            url=page_cache.canonical_url(request),
            theme=theme if theme in THEMES else "",
        )
        token = csrf_token(request)
        return HttpResponse(
            html.fill(body=body, csrf=token, account_menu=account_menu(request, token), **personal)
        )
    recorder = Recorder()
    context = {
        **context,
        **personal,
        "body": recorder.slot("body"),
        "csrf_token": SimpleLazyObject(lambda: csrf_token(request)),
    }
    response = render(request, template_name, context, status=status)
    response.content = recorder.split(response.content).fill(body=body)
    return response


ACCOUNT_AREA = "components/account_area.html"
PER_REQUEST = "per-request"  # kept for a member whose account menu is rendered for each request


def account_menu(request, token: str) -> bytes | str:
    """The header's account menu of the signed-in member, with this request's CSRF token:
    rendered once until one of their tokens changes (accounts.caches.ACCOUNT_MENU), and for each
    request for mentors and admins, whose counts of waiting review requests change with time."""
    from accounts.caches import ACCOUNT_MENU

    menu = ACCOUNT_MENU.get(user_id=request.user.pk, build=lambda: _shared_account_menu(request))
    if menu == PER_REQUEST:
        return render_to_string(ACCOUNT_AREA, {"csrf_token": token}, request)
    return menu.fill(csrf=token)


def _shared_account_menu(request) -> SlottedHtml | str:
    if roles.is_admin(request.user) or roles.is_mentor(request.user):
        return PER_REQUEST
    recorder = Recorder()
    html = render_to_string(ACCOUNT_AREA, {RECORDER: recorder, "csrf_token": recorder.slot("csrf")}, request)
    return recorder.split(html)


def takes_shell(request) -> bool:
    """Whether this request's page may come from the shell shared by signed-in visitors:
    a read of the page's canonical URL (its query shows only through the canonical link) by a
    member in good standing with no message waiting, so the page around their own parts is
    the same for every one of them."""
    user = request.user
    return (
        request.method in {"GET", "HEAD"}
        and user.is_authenticated
        and not user.is_suspended
        and not messages.any_waiting(request)
        and page_cache.spells_canonical_url(request)
    )


def _render_shell(request, template_name: str, context: dict, *, personal: list[str]) -> SlottedHtml:
    """The page for any signed-in visitor, each part that is someone's own a slot: the body,
    the CSRF token, the account menu, and the `personal` parts the view names."""
    recorder = Recorder()
    context = {
        **context,
        **{name: recorder.slot(name) for name in personal},
        "body": recorder.slot("body"),
        "csrf_token": recorder.slot("csrf"),
        "account_menu": recorder.slot("account_menu"),
    }
    return recorder.split(render_to_string(template_name, context, request))


# --- The template tag -------------------------------------------------------------------------

register = template.Library()


class ViewerSlotNode(template.Node):
    def __init__(self, nodelist, kind, arguments, *, is_usable):
        self.nodelist = nodelist
        self.kind = kind
        self.arguments = arguments
        self.is_usable = is_usable

    def render(self, context):
        default = self.nodelist.render(context)
        recorder = context.get(RECORDER)
        if recorder is None or not self.is_usable:
            return default
        if f"\x00{recorder.key}:" in default:
            _mistake(f"a slot inside the {self.kind!r} slot: the outer one is left out")
            return default
        arguments = {name: value.resolve(context) for name, value in self.arguments.items()}
        return recorder.slot(self.kind, default, required=True, **arguments)


@register.tag
def viewer_slot(parser, token):
    """{% viewer_slot "kind" name=value ... %}default{% endviewer_slot %}"""
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "'\"" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(f"'{bits[0]}' takes a kind, in quotes, then name=value arguments.")
    name = bits[1][1:-1]
    arguments = template.base.token_kwargs(bits[2:], parser, support_legacy=False)
    if len(arguments) != len(bits) - 2:
        raise template.TemplateSyntaxError(f"'{bits[0]}' arguments are name=value pairs.")
    nodelist = parser.parse(("endviewer_slot",))
    parser.delete_first_token()
    return ViewerSlotNode(nodelist, name, arguments, is_usable=_is_usable(name, arguments))


def _is_usable(name: str, arguments: dict) -> bool:
    """Whether a slot of kind `name` with these arguments can be filled (else it shows its default)."""
    if name not in _KINDS:
        _mistake(f"unknown kind {name!r} (declare it with config.slots.kind or declare)")
        return False
    if set(arguments) != _KINDS[name].arguments:
        _mistake(f"a {name!r} slot takes {sorted(_KINDS[name].arguments)}, not {sorted(arguments)}")
        return False
    return True
