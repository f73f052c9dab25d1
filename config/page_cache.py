"""Whole-page caching for anonymous visitors.

A page cached here is the same for every anonymous visitor: it is served only when the request
carries no session or messages (so nothing personal can be in it), keyed by the path, the
query parameters the view reads, the theme and the version tokens of what the page shows (the
view names their keys), so a change to that content makes the old copy unreachable at once.

Query parameters are declared where a view is cached, each with a function that normalises
its value: the key holds them sorted, without those that give the default page (a default
value, or one the view ignores), so junk cannot make new entries. Then:

- a request with a parameter the view does not read is served uncached (rendered, not kept),
  unless the parameter is a known tracking one (utm_*, fbclid, ...), which is ignored;
- a value whose page is not worth keeping (a page number past MAX_CACHED_PAGE, a search too
  long to be typed) is served uncached;
- a page is kept only when rendered for the canonical form of its URL (nothing ignored,
  dropped or spelled differently): pages echo their query string in links, and one visitor's
  `?utm_source=...` or `?tab=<junk>` must not show up in the copy served to everyone. Other
  spellings are served that copy when it is there, else rendered for them alone. A hit costs one round trip to the
cache for the tokens: the page itself usually comes from this process's memory (see
config.cache.LocalMemo), else from the shared cache. Responses say `Cache-Control: public` so
a proxy may keep them too, and `Vary: Cookie` so signed-in visitors never get them. Every
other page that is someone's own (a signed-in visitor's, or one that sets a cookie) says
`Cache-Control: private, no-cache` (PrivatePagesMiddleware), unless its view said more.

KeptPagesMiddleware, near the top of the stack, serves the most common hit cheaper still: the
whole response of a canonical URL, kept in this process's memory with its headers, before
sessions, authentication and the rest of the middleware run (see its docstring).

What is stored is the page's status, headers and bytes, never a response object: each hit
builds a fresh response, so what middleware adds to one request (a CSP header, a request id)
cannot leak into another.
"""

import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.http.response import ResponseHeaders
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import get_language

from accounts.context_processors import THEMES
from config import language
from config.cache import LocalMemo, read_ahead, tokens_unchanged, version_tokens, versioned_get_or_set
from config.caching import TIMEOUTS
from config.common import check_host

PUBLIC_MAX_AGE = 60


@dataclass(frozen=True)
class Page:
    """A kind of page cached whole for anonymous visitors, declared in an app's caches.py:
    `tokens(request, **view_kwargs)` returns the keys of the version tokens of what it shows;
    `varies(request, **view_kwargs)`, if given, what else its copy is kept apart by (a profile's
    activity calendar ends on its owner's today, so that day), and `varies_until(request,
    **view_kwargs)` when that changes by itself, as a Unix time (the owner's midnight):
    KeptPagesMiddleware keeps such a page until then, and one that varies without saying until
    when not at all."""

    name: str
    tokens: Callable[..., list[str]]
    varies: Callable[..., list[str]] | None = None
    varies_until: Callable[..., float] | None = None


@dataclass(frozen=True)
class StoredPage:
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    kept_until: float = 0.0  # when the shared cache lets it go, as a Unix time

    @classmethod
    def of(cls, response) -> "StoredPage":
        return cls(
            response.status_code,
            tuple(response.headers.items()),
            response.content,
            timezone.now().timestamp() + TIMEOUTS["page"],
        )

    @functools.cached_property
    def _checked_headers(self) -> ResponseHeaders:
        headers = ResponseHeaders(dict(self.headers))
        # Known here for free; CommonMiddleware would otherwise join a copy of the page to count it.
        headers.setdefault("Content-Length", str(len(self.content)))
        return headers

    def response(self) -> HttpResponse:
        """A new response with this content and these headers. The headers were checked once
        (ResponseHeaders checks every name and value it is given, which cost a kept page's hit
        a fifth of its time): each response gets a copy of the checked ones."""
        headers = self._checked_headers
        response = HttpResponse(self.content, status=self.status, content_type=headers.get("Content-Type"))
        response.headers._store = dict(headers._store)
        return response


def _may_share_page(request) -> bool:
    """A read that carries nothing of its own: no session, no message waiting, not a fragment
    htmx asks for. Whether a shared page may answer it (is_cacheable_request, and before the
    rest of the middleware, KeptPagesMiddleware)."""
    return (
        request.method in {"GET", "HEAD"}
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and "HTTP_HX_REQUEST" not in request.META
    )


def is_cacheable_request(request) -> bool:
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return _may_share_page(request)  # nobody is signed in: no need to make a session to see
    # The member first: loading them reads the session with the tokens the page announced
    # (read_ahead), in the one round trip a signed-in page makes.
    return not request.user.is_authenticated and _may_share_page(request)


# --- Query parameters ------------------------------------------------------------------

MAX_CACHED_PAGE = 50
TRACKING_PARAMETER = re.compile(r"utm_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_ga")


class NotCached(Exception):
    """Raised by a normaliser for a value whose page is served uncached. `canonical` is the
    value as the page's canonical link spells it, when the page is worth linking though not
    keeping (page 60 of a list); without it the link leaves the parameter out."""

    def __init__(self, canonical: str | None = None):
        super().__init__(canonical)
        self.canonical = canonical


Normaliser = Callable[[str], str | None]


def value_only(normalise: Normaliser) -> Normaliser:
    """Mark a normaliser whose answer depends on the value alone, not on stored data (as
    `existing` does). A page whose query has only such parameters is kept by KeptPagesMiddleware
    too, which serves it again without running the view's normalisers."""
    normalise.value_only = True
    return normalise


def choice(*values: str, default: str) -> Normaliser:
    """One of `values`; the default, and anything else (the view falls back to it), is dropped."""

    @value_only
    def normalise(value):
        return value if value in values and value != default else None

    return normalise


@value_only
def page_number(value: str) -> str | None:
    """Page 1 is dropped; other whole numbers up to MAX_CACHED_PAGE are kept, the rest uncached."""
    if not (value.isascii() and value.isdigit()) or int(value) < 1:
        raise NotCached
    if int(value) > MAX_CACHED_PAGE:
        raise NotCached(canonical=str(int(value)))
    return None if int(value) == 1 else str(int(value))


def text(*, max_length: int) -> Normaliser:
    """Free text, kept as typed (the page shows it); empty is dropped, longer than `max_length`
    uncached. Searches are endless: KeptPagesMiddleware keeps their pages apart from the others
    (kept_searches), so that a run of different ones cannot push the others out."""

    @value_only
    def normalise(value):
        if len(value) > max_length:
            raise NotCached(canonical=value)
        return value or None

    normalise.endless = True
    return normalise


def existing(exists: Callable[[str], bool]) -> Normaliser:
    """A value the view looks up: kept if `exists(value)`, else dropped (the view ignores it)."""

    def normalise(value):
        return value if value and exists(value) else None

    return normalise


@value_only
def _language(value: str) -> str | None:
    """`?lang=`, which every page reads (config.language): another of our languages is kept,
    English (the page without it) is dropped, anything else is not a page worth keeping."""
    if value not in language.supported():
        raise NotCached
    return None if value == settings.LANGUAGE_CODE else value


def _read_query(request, parameters: dict[str, Normaliser]) -> tuple[dict[str, str], bool]:
    """The declared parameters that make this page differ from the default one, normalised and
    sorted, and whether the page may be cached (no undeclared parameter but tracking ones, no
    value raising NotCached). Every page also declares `?lang=`."""
    parameters = _with_language(parameters)
    query, cacheable = {}, True
    for name, values in request.GET.lists():
        if name not in parameters:
            if not TRACKING_PARAMETER.fullmatch(name):
                cacheable = False
            continue
        try:
            value = parameters[name](values[-1])  # QueryDict.get, as views read it, takes the last
        except NotCached as uncached:
            cacheable, value = False, uncached.canonical
        if value is not None:
            query[name] = value
    return dict(sorted(query.items())), cacheable


def _with_language(parameters: dict[str, Normaliser]) -> dict[str, Normaliser]:
    return {language.QUERY_PARAMETER: _language, **parameters}


def canonical_url(request) -> str:
    """The absolute URL search engines should know this page by: SITE_URL, the path, and the
    query parameters its view declared (@anonymous_page) in their canonical spelling; tracking,
    undeclared and default-valued parameters left out. A page whose view declares none is its path."""
    query = getattr(request, "canonical_page_query", None)
    if query is None:  # a signed-in visitor's page: the normalisers have not run yet
        query, _ = _read_query(request, getattr(request, "page_parameters", {}))
    return f"{settings.SITE_URL}{request.path}" + (f"?{urlencode(query)}" if query else "")


def spells_canonical_url(request) -> bool:
    """Whether the request is for its page's canonical URL: every query parameter one its view
    declares, each in its normal spelling, none giving a page not worth keeping."""
    query, cacheable = _read_query(request, getattr(request, "page_parameters", {}))
    return cacheable and _is_canonical(request, query)


def _is_canonical(request, query: dict[str, str]) -> bool:
    return {name: values for name, values in request.GET.lists()} == {
        name: [value] for name, value in query.items()
    }


def _key(page: Page, request, query: dict[str, str], tokens: list[str], varies: list[str]) -> str:
    parts = [request.path, urlencode(query), _theme(request), get_language(), *tokens, *varies]
    return f"page:{page.name}:{hashlib.sha256(chr(31).join(parts).encode()).hexdigest()[:40]}"


def _theme(request) -> str:
    """The colour theme a shared page is rendered for: the visitor's choice, else the system's."""
    theme = request.COOKIES.get("theme")
    return theme if theme in THEMES else "system"


def _value_only(parameters: dict[str, Normaliser], query: dict[str, str]) -> bool:
    parameters = _with_language(parameters)
    return all(getattr(parameters[name], "value_only", False) for name in query)


def _own_page(request, response) -> bool:
    """A page that holds a CSRF token or sets a cookie is someone's own page."""
    return (
        response.status_code != 200
        or bool(response.cookies)
        or bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
        or response.streaming
    )


def anonymous_page(page: Page, *, parameters: dict[str, Normaliser] | None = None):
    """Cache the view's page for anonymous visitors under the version tokens it depends on.

    `page` is the page's declaration; a write that bumps any of its tokens retires the cached
    page. It is keyed by the path, the theme, the language and what the page `varies` by as
    well. `parameters` maps each query parameter the view reads to its normaliser (choice,
    page_number, text, existing, or any function of the same shape). For any other visitor
    the view runs, and the page's tokens are read with the next ones the request reads (the
    signed-in visitor's), so the view finds them read.
    """
    parameters = parameters or {}

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            request.page_parameters = parameters  # for its canonical link (canonical_url)
            tokens = page.tokens(request, **kwargs)
            # A signed-in visitor's page reads them with the visitor's tokens, in one round trip.
            read_ahead(*tokens)
            query = None
            if is_cacheable_request(request):
                request.canonical_page_query, cacheable = _read_query(request, parameters)
                query = request.canonical_page_query if cacheable else None
            if query is None:
                return view(request, *args, **kwargs)
            varies = page.varies(request, **kwargs) if page.varies else []
            # Read with what it varies by, before the page is built: a day that ends meanwhile
            # must not leave the old day's page kept into the new one.
            varies_until = page.varies_until(request, **kwargs) if page.varies_until else None
            token_values = version_tokens(*tokens)
            key = _key(page, request, query, token_values, varies)
            is_canonical = _is_canonical(request, query)
            uncacheable = None

            def build():
                nonlocal uncacheable
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                if not is_canonical or _own_page(request, response):
                    uncacheable = response
                    return None
                return StoredPage.of(response)

            stored = versioned_get_or_set(key, build, TIMEOUTS["page"])
            if stored is None:  # not kept (another spelling, an error, a cookie, a CSRF token): as rendered
                return uncacheable
            response = stored.response()
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
            patch_vary_headers(response, ["Cookie"])
            if is_canonical and _value_only(parameters, query) and (not page.varies or varies_until):
                until = min(stored.kept_until, varies_until or stored.kept_until)
                endless = any(getattr(parameters.get(name), "endless", False) for name in query)
                response.kept_page = KeptPage(tuple(tokens), tuple(token_values), until, endless)
            return response

        return wrapper

    return decorator


# --- Kept pages: served before the rest of the stack ------------------------------------


@dataclass(frozen=True)
class KeptPage:
    """What a page served by @anonymous_page carries out, for KeptPagesMiddleware to keep it:
    the version tokens it was built under, and when the shared cache lets it go."""

    token_keys: tuple[str, ...]
    token_values: tuple[str, ...]
    kept_until: float
    endless: bool = False  # one of endlessly many (a search): kept in kept_searches


@dataclass(frozen=True)
class _Entry:
    page: KeptPage
    response: StoredPage  # as the rest of the stack left it


class KeptPagesMiddleware:
    """Serve an anonymous page kept by @anonymous_page before the rest of the stack runs.

    A hit on @anonymous_page still runs every middleware (sessions, authentication, CSRF, the
    headers) and resolves the URL before it reads the tokens; for a page that is the same for
    every anonymous visitor, all of that yields the same response each time. This middleware,
    near the top of the stack, keeps in this process's memory the whole response of each such
    page (headers included, as the rest of the stack left them) the first time it goes out, and
    serves it again to a request for the same URL, language and theme once the page's version
    tokens are found unchanged, in one round trip: a write anywhere retires it on the next
    request, as it retires the page behind it.

    Kept only: responses @anonymous_page marked (a 200 of a canonical URL, for a request with no
    session or messages, whose query parameters it can judge by their values alone, and whose
    copy is kept apart by nothing that changes by itself unless it says until when, like a
    profile's day), that set no cookie and hold no CSP nonce. Asked only by GET and HEAD
    requests without a session, messages or htmx, that the security middleware would not
    redirect. The request id is added outside it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        # Most paths are never kept (the API, a signed-in visitor's pages): they skip the key.
        key = self._key(request) if request.path in _kept_paths else None
        if key is not None:
            entry = kept_pages.get(key) or kept_searches.get(key)
            if (
                entry is not None
                and entry.page.kept_until > timezone.now().timestamp()
                and tokens_unchanged(entry.page.token_keys, entry.page.token_values)
            ):
                return entry.response.response()
        response = self.get_response(request)
        page = getattr(response, "kept_page", None)
        # A page that set a cookie, or whose policy holds a nonce, is this request's alone.
        if page is not None and not response.cookies and not _has_nonce(request):
            key = key or self._key(request)
            lifetime = page.kept_until - timezone.now().timestamp()
            if key is not None and lifetime > 0:
                stored = StoredPage(
                    response.status_code, tuple(response.items()), response.content, page.kept_until
                )
                kept = kept_searches if page.endless else kept_pages
                kept.set(key, _Entry(page, stored), len(stored.content), lifetime)
                if len(_kept_paths) >= MOST_KEPT_PATHS:
                    _kept_paths.clear()
                _kept_paths.add(request.path)
        return response

    def _key(self, request) -> tuple[str | bool, ...] | None:
        """The URL, scheme, language and theme a kept page is found by; None for a request that
        may not be served one: one that is someone's own, or that the middleware further in
        would redirect or refuse (a host not allowed raises here, as it would there)."""
        if (
            not _may_share_page(request)
            or request.path.startswith(self.static_prefix)
            or (settings.SECURE_SSL_REDIRECT and not request.is_secure())
            or settings.PREPEND_WWW
            or settings.DISALLOWED_USER_AGENTS
        ):
            return None
        check_host(request)
        return (
            request.path,
            request.META.get("QUERY_STRING", ""),
            request.is_secure(),  # HTTPS responses carry HSTS
            language.choose(request),
            _theme(request),
        )


def _has_nonce(request) -> bool:
    """Whether the page used this request's CSP nonce (the header then holds it)."""
    return getattr(request, "_csp_nonce", None) is not None


kept_pages = LocalMemo(max_bytes=16 * 1024 * 1024)
kept_searches = LocalMemo(max_bytes=2 * 1024 * 1024)  # the last few dozen searches' pages
# The paths of the pages this process has kept (some may have gone since): only a request for
# one of them looks for a kept page. When full, all are forgotten.
_kept_paths: set[str] = set()
MOST_KEPT_PATHS = 16384


@receiver(setting_changed)
def _forget_kept_pages(**kwargs):
    """A kept page holds what the settings made of it (its headers, its links)."""
    kept_pages.clear()
    kept_searches.clear()


class PrivatePagesMiddleware:
    """`private, no-cache` on a signed-in visitor's responses and on any that set a cookie:
    no shared cache may keep them, and a browser asks again before showing one from its cache
    (after signing out, Back must not show the account's pages). Views that already set
    Cache-Control (`no-store` on tokens and exports, `public` on shared pages) keep theirs.
    It sits outside the session and CSRF middleware, so it sees the cookies they set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and (response.cookies or _is_signed_in(request)):
            patch_cache_control(response, private=True, no_cache=True)
        return response


def _is_signed_in(request) -> bool:
    """Whether the response was made for a signed-in visitor, without loading one that nothing
    looked at from a request with no session: no session cookie, nobody signed in (signing in
    during the request sets the cookie on the response)."""
    user = getattr(request, "user", None)  # unset when a middleware answered before auth
    if user is None:
        return False
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return False
    return user.is_authenticated
