"""The language a request is served in, chosen once and made active for the whole request.

The order of choice:
1. `?lang=xx` in the URL: that page in that language, for this request only. Search engines
   find the other languages of a page this way (its hreflang links); nothing is remembered.
2. A signed-in member's saved choice (`User.language`). It travels in the language cookie,
   set when they sign in and whenever they choose, so that it is known here without loading
   the member. Should the cookie say otherwise (they chose on another device), the member's
   choice replaces it once they are loaded, before the page renders
   (accounts.middleware.AuthenticationMiddleware), and the cookie is put right.
3. The language switcher's cookie, for visitors.
4. The browser's Accept-Language.
5. English (LANGUAGE_CODE).

The URL stays the same in every language, so every page varies on Accept-Language and the
cookie, and every cached page or part is keyed by the active language (config.caching).

Activating the language once also keeps pages cheap: Django asks for the active language many
times a page (every number shown, every {% url %}, every translated string), and with none
active each ask is a failed context-local lookup.
"""

from functools import cache, lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

QUERY_PARAMETER = "lang"


def filled_in(message, **params) -> str:
    """A lazily translated message with its named placeholders filled in when it is shown, in
    the language active then: for texts set at import (a field's help text, a choice's label),
    where `gettext_lazy(...) % params` would translate once, in the language of the import."""
    return _lazy_filled_in(message, params)


_lazy_filled_in = lazy(lambda message, params: str(message) % params, str)


@cache
def supported() -> frozenset[str]:
    return frozenset(code for code, _ in settings.LANGUAGES)


@receiver(setting_changed)
def _languages_changed(*, setting, **kwargs):
    if setting.startswith("LANGUAGE"):
        supported.cache_clear()
        _negotiated.cache_clear()


def from_query(request) -> str | None:
    """The language `?lang=` asks for, if it is one of ours."""
    if f"{QUERY_PARAMETER}=" not in request.META.get("QUERY_STRING", ""):
        return None
    code = request.GET.get(QUERY_PARAMETER)
    return code if code in supported() else None


def choose(request) -> str:
    return from_query(request) or _negotiated(
        request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME), request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    )


class _Asked:
    """What Django's negotiation reads of a request: its cookies and its Accept-Language."""

    def __init__(self, cookie: str | None, accept: str):
        self.COOKIES = {} if cookie is None else {settings.LANGUAGE_COOKIE_NAME: cookie}
        self.META = {"HTTP_ACCEPT_LANGUAGE": accept}


@lru_cache(maxsize=512)
def _negotiated(cookie: str | None, accept: str) -> str:
    """Django's choice for this cookie and Accept-Language, made once per process for each pair
    (a few pairs make nearly all requests; the bound keeps odd headers from growing it)."""
    return translation.get_language_from_request(_Asked(cookie, accept))


def remember(request, code: str) -> None:
    """Serve the rest of the request in `code` and keep it in the language cookie; with no
    code, forget the cookie, so the browser's Accept-Language decides again."""
    if code:
        translation.activate(code)
        request.LANGUAGE_CODE = code
    request.remembered_language = code


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        language = choose(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        remembered = getattr(request, "remembered_language", None)
        if remembered == "":
            response.delete_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        elif remembered:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                remembered,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        if not request.path.startswith(self.static_prefix):
            if "Vary" in response.headers:
                patch_vary_headers(response, ("Accept-Language", "Cookie"))
            else:
                response.headers["Vary"] = "Accept-Language, Cookie"
            response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


def apply_saved_choice(request, user) -> None:
    """A loaded member's saved language wins over what the cookie or the browser said."""
    saved = getattr(user, "language", "")
    if saved and saved != getattr(request, "LANGUAGE_CODE", None) and saved in supported():
        if from_query(request) is None:
            remember(request, saved)


@csrf_exempt  # a display preference, like the colour theme: the form sits on cached public pages
@require_POST
def set_language(request):
    """The language switcher: remember the choice (for a member, on their account too) and go back."""
    code = request.POST.get("language", "")
    if code not in supported():
        names = ", ".join(code for code, _ in settings.LANGUAGES)
        return HttpResponseBadRequest(
            translation.gettext("Choose one of the languages offered: %(names)s.") % {"names": names},
            content_type="text/plain; charset=utf-8",
        )
    user = request.user
    if user.is_authenticated and user.language != code:
        user.language = code
        user.save(update_fields=["language"])
    remember(request, code)
    return HttpResponseRedirect(_back(request))


def _back(request) -> str:
    """Where the switcher was used: the form's `next`, else the referring page of this site;
    without its `?lang=`, which would outvote the choice just made."""
    for candidate in (request.POST.get("next", ""), request.META.get("HTTP_REFERER", "")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            parts = urlsplit(candidate)
            query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)]
            kept = [(name, value) for name, value in query if name != QUERY_PARAMETER]
            return urlunsplit(parts._replace(query=urlencode(kept))) if kept != query else candidate
    return "/"
