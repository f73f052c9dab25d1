"""Whole-page caching for anonymous visitors.

A page cached here is the same for every anonymous visitor: it is served only when the request
carries no session or messages (so nothing personal can be in it), keyed by the URL, the
theme and a version key the view computes from what the page shows, so a change to that
content makes the old copy unreachable at once. Responses say `Cache-Control: public` so a
proxy may keep them too, and `Vary: Cookie` so signed-in visitors never get them.
"""

import functools
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.utils.cache import patch_cache_control, patch_vary_headers

from accounts.context_processors import THEMES

PUBLIC_MAX_AGE = 60


def is_cacheable_request(request) -> bool:
    return (
        request.method in {"GET", "HEAD"}
        and not request.user.is_authenticated
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
        and not getattr(request, "htmx", False)
    )


def _key(request, version: str) -> str:
    theme = request.COOKIES.get("theme")
    theme = theme if theme in THEMES else "system"
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"page:{version}:{theme}:{path}"


def anonymous_page(version_of, timeout: int = 60 * 10):
    """Cache the view's response for anonymous visitors under `version_of(request, **kwargs)`."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if not is_cacheable_request(request):
                return view(request, *args, **kwargs)
            key = _key(request, version_of(request, **kwargs))
            cached = cache.get(key)
            if cached is not None:
                response = cached
            else:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                # A page that holds a CSRF token or sets a cookie is someone's own page.
                if (
                    response.status_code != 200
                    or response.cookies
                    or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
                ):
                    return response
                cache.set(key, response, timeout)
            patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
            patch_vary_headers(response, ["Cookie"])
            return response

        return wrapper

    return decorator
