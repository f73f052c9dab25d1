"""Whole-page caching for anonymous visitors.

A page cached here is the same for every anonymous visitor: it is served only when the request
carries no session or messages (so nothing personal can be in it), keyed by the URL, the
theme and the version tokens of what the page shows (the view names their keys), so a change
to that content makes the old copy unreachable at once. A hit costs one round trip to the
cache for the tokens: the page itself usually comes from this process's memory (see
config.cache.LocalMemo), else from the shared cache. Responses say `Cache-Control: public` so
a proxy may keep them too, and `Vary: Cookie` so signed-in visitors never get them. Every
other page that is someone's own (a signed-in visitor's, or one that sets a cookie) says
`Cache-Control: private, no-cache` (PrivatePagesMiddleware), unless its view said more.

What is stored is the page's status, headers and bytes, never a response object: each hit
builds a fresh response, so what middleware adds to one request (a CSP header, a request id)
cannot leak into another.
"""

import functools
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

from accounts.context_processors import THEMES
from config.cache import version_tokens, versioned_get_or_set

PUBLIC_MAX_AGE = 60


@dataclass(frozen=True)
class CachedPage:
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes

    @classmethod
    def of(cls, response) -> "CachedPage":
        return cls(response.status_code, tuple(response.headers.items()), response.content)

    def response(self) -> HttpResponse:
        response = HttpResponse(self.content, status=self.status)
        for name, value in self.headers:
            response.headers[name] = value
        return response


def is_cacheable_request(request) -> bool:
    return (
        request.method in {"GET", "HEAD"}
        and not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not getattr(request, "htmx", False)
    )


def _key(request, tokens: list[str]) -> str:
    theme = request.COOKIES.get("theme")
    theme = theme if theme in THEMES else "system"
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    version = hashlib.sha256(":".join(tokens).encode()).hexdigest()[:32]
    return f"page:{version}:{theme}:{path}"


def _own_page(request, response) -> bool:
    """A page that holds a CSRF token or sets a cookie is someone's own page."""
    return (
        response.status_code != 200
        or bool(response.cookies)
        or bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
        or response.streaming
    )


def anonymous_page(token_keys_of, timeout: int = 60 * 10):
    """Cache the view's page for anonymous visitors under the version tokens it depends on.

    `token_keys_of(request, **kwargs)` returns the cache keys of those tokens
    (config.cache.version_tokens); a write that bumps any of them retires the cached page.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not is_cacheable_request(request):
                return view(request, *args, **kwargs)
            key = _key(request, version_tokens(*token_keys_of(request, **kwargs)))
            uncacheable = None

            def build():
                nonlocal uncacheable
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                if _own_page(request, response):
                    uncacheable = response
                    return None
                return CachedPage.of(response)

            page = versioned_get_or_set(key, build, timeout)
            if page is None:  # not cacheable (an error, a cookie, a CSRF token): as rendered
                return uncacheable
            response = page.response()
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
            patch_vary_headers(response, ["Cookie"])
            return response

        return wrapper

    return decorator


class PrivatePagesMiddleware:
    """`private, no-cache` on a signed-in visitor's responses and on any that set a cookie:
    no shared cache may keep them, and a browser asks again before showing one from its cache
    (after signing out, Back must not show the account's pages). Views that already set
    Cache-Control (`no-store` on tokens and exports, `public` on shared pages) keep theirs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and (request.user.is_authenticated or response.cookies):
            patch_cache_control(response, private=True, no_cache=True)
        return response
