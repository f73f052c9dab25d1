"""Refuse input that no page or endpoint can use, before any view sees it.

A NUL character is valid in a URL (`%00`), a form field and a JSON string, but PostgreSQL
text cannot hold one: a view that looks it up raises an error and answers 500. No username,
slug, search or post ever needs it, so it is refused here, once, for every view:

- in the address: 404, as no page has such an address;
- in a query parameter or a form field (its name or value): 400, naming the parameter.

Browsers get the site's error page with the reason, the API its JSON error shape. The API
reads no forms (its parser refuses them with 415), and its JSON bodies are checked by that
parser (config.api.JSONParser), the only reader of JSON.
SQLite stores NUL without complaint, so the answer is the same on either database.
"""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

NUL = "\x00"
FORM_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
NUL_IN_ADDRESS = _("This address contains a NUL character (%00), which no page address has.")
NUL_IN_PARAMETER = _("Text in “%(name)s” must not contain NUL characters (%%00).")


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _named_texts(request):
    """(name, texts) of every query parameter and form field; an upload's text is its file name.
    A query string reaches us still encoded, so one without `%00` (or a raw NUL) holds none and
    is not parsed here: most requests are GETs that would pay for it."""
    query = request.META.get("QUERY_STRING", "")
    if "%00" in query or NUL in query:
        yield from request.GET.lists()
    if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES and not _is_api(request):
        yield from request.POST.lists()
        for name, files in request.FILES.lists():
            yield name, [file.name or "" for file in files]


def _parameter_with_nul(request) -> str | None:
    for name, texts in _named_texts(request):
        if NUL in name or any(NUL in text for text in texts):
            return name.replace(NUL, "") or "?"
    return None


def _not_found(request):
    if _is_api(request):
        body = {"error": {"code": "not_found", "message": str(NUL_IN_ADDRESS), "fields": {}}}
        return JsonResponse(body, status=404)
    return render(request, "errors/404.html", {"message": NUL_IN_ADDRESS}, status=404)


def _bad_request(request, name: str):
    message = NUL_IN_PARAMETER % {"name": name}
    if _is_api(request):
        body = {"error": {"code": "validation_error", "message": message, "fields": {name: [message]}}}
        return JsonResponse(body, status=400)
    return render(request, "errors/400.html", {"message": message}, status=400)


class InputGuardMiddleware:
    """Last in MIDDLEWARE, so the refusal still gets the security headers, the CSP nonce and
    the visitor's own header that the other middleware provide."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if NUL in request.path:
            return _not_found(request)
        name = _parameter_with_nul(request)
        if name is not None:
            return _bad_request(request, name)
        return self.get_response(request)


LARGEST_ID = 10**18 - 1  # every number of 18 digits fits a bigint column


def database_id(value: str) -> int | None:
    """`value` as a row id if it is one, else None: ASCII digits only (`"²".isdigit()` is true,
    and int() refuses it) and small enough for a bigint column, so a lookup never raises."""
    if value.isascii() and value.isdigit() and 0 < len(value) <= len(str(LARGEST_ID)) and int(value) > 0:
        return int(value)
    return None
