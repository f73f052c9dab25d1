"""What every endpoint of the REST API shares: personal-token authentication, the JSON parser,
throttles, pagination and the one error format (config/openapi.py describes them in the schema).

Errors always look like `{"error": {"code": ..., "message": ..., "fields": {...}}}`: the code
is for machines, the message for people, and `fields` names the inputs that were wrong.
"""

import json
import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, parsers, serializers
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle
from rest_framework.utils.json import strict_constant

from accounts import services as account_services
from config.errors import Conflict
from config.input_guard import LARGEST_ID, database_id

# --- Authentication ---------------------------------------------------------------------

TOKEN_KEYWORDS = {"bearer", "token"}


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <key>` (or `Token <key>`) with a personal API token.

    Listed first among the authentication classes, so that a request without credentials
    answers 401 with a `WWW-Authenticate` header rather than 403."""

    def authenticate(self, request):
        words = get_authorization_header(request).split()
        if not words or words[0].decode("latin-1").lower() not in TOKEN_KEYWORDS:
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as `Authorization: Bearer <key>`."))
        try:
            key = words[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from None
        token = account_services.authenticate_api_token(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid: it may have been revoked."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is not active."))
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


# --- Parsing ----------------------------------------------------------------------------

MAX_JSON_DEPTH = 20
NUL_IN_TEXT = gettext_lazy("Null characters are not allowed.")


def _json_depth(data) -> int:
    """How deeply parsed JSON nests (a scalar is 0), counted without recursion."""
    deepest = 0
    pending = [(data, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            pending.extend(
                (value, depth + 1) for value in (item.values() if isinstance(item, dict) else item)
            )
    return deepest


def _fields_with_nul(data) -> list[str]:
    """The top-level fields whose keys or text anywhere inside hold a NUL ("" for the body itself)."""
    found = []
    items = data.items() if isinstance(data, dict) else [("", data)]
    for field, value in items:
        pending = [field, value]
        while pending:
            item = pending.pop()
            if isinstance(item, str) and "\x00" in item:
                found.append(field.replace("\x00", ""))
                break
            if isinstance(item, dict):
                pending.extend(item.keys())
                pending.extend(item.values())
            elif isinstance(item, list):
                pending.extend(item)
    return found


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing what a view cannot use before it reaches one.

    Python's json module recurses once per level of nesting, so a few kilobytes of `[` raise
    RecursionError, which DRF does not catch (a 500): that is answered as too deep, and so is
    anything nested more than MAX_JSON_DEPTH levels, counted on the parsed data without
    recursion (a scan of the text would have to skip strings, which is easy to get quadratic). NUL characters, which PostgreSQL text cannot hold, are refused wherever they
    are, as a validation error of the field that holds them (config.input_guard does the same
    for addresses, query parameters and forms).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as error:
            raise exceptions.ParseError(
                _("JSON parse error - the body is not valid %(encoding)s.") % {"encoding": encoding}
            ) from error
        too_deep = exceptions.ParseError(
            _("JSON parse error - nested deeper than %(depth)s levels.") % {"depth": MAX_JSON_DEPTH}
        )
        try:
            data = json.loads(text, parse_constant=strict_constant if self.strict else None)
        except RecursionError:
            raise too_deep from None
        except ValueError as error:
            raise exceptions.ParseError(_("JSON parse error - %(error)s") % {"error": error}) from error
        if _json_depth(data) > MAX_JSON_DEPTH:
            raise too_deep
        fields = _fields_with_nul(data)
        if fields:
            raise exceptions.ValidationError(
                {field or api_settings.NON_FIELD_ERRORS_KEY: [NUL_IN_TEXT] for field in fields}
            )
        return data


# --- Serializers ----------------------------------------------------------------------


class JsonBooleanField(serializers.BooleanField):
    """In a JSON body a boolean is `true` or `false`. DRF's own field also takes 0/1 and
    strings such as "true" or "no", which are how forms and query strings spell booleans; the
    query-string filters keep that field."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


class ApiModelSerializer(serializers.ModelSerializer):
    """The base of the API's model serializers: model booleans become JsonBooleanField."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.BooleanField: JsonBooleanField,
    }


# --- Throttling -------------------------------------------------------------------------


class _RatesFromSettings:
    """Read the rate when the throttle is made, not when the class is imported, so that the
    rates follow the settings (and tests can lower them)."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonymousRateThrottle(_RatesFromSettings, AnonRateThrottle):
    scope = "anon"


class UserRequestRateThrottle(_RatesFromSettings, UserRateThrottle):
    scope = "user"


class WriteRateThrottle(_RatesFromSettings, UserRateThrottle):
    """A stricter budget for requests that change something."""

    scope = "write"

    def allow_request(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


def write_wait(request) -> int | None:
    """The API's write budget, for the site's own forms that share it: None while this write
    is within the budget (and now counted against it), else the seconds to wait."""
    throttle = WriteRateThrottle()
    if throttle.allow_request(request, None):
        return None
    return max(1, math.ceil(throttle.wait() or 1))


# --- Pagination -------------------------------------------------------------------------

MAX_PAGE_SIZE = 100
CURSOR_PATTERN = "^[A-Za-z0-9+/]*={0,2}$"


class StrictPageSize:
    """`page_size` is a whole number from 1 (more than MAX_PAGE_SIZE gives MAX_PAGE_SIZE, up to
    the largest number database_id reads): any other value answers 400 instead of being
    ignored, and the schema says so."""

    def get_page_size(self, request):
        given = request.query_params.getlist(self.page_size_query_param)
        if not given:
            return self.page_size
        value = given[0]
        if len(given) > 1 or database_id(value) is None:
            raise exceptions.ValidationError(
                {
                    "page_size": [
                        _("Give page_size once, as a whole number from 1 to %(largest)s.")
                        % {"largest": self.max_page_size}
                    ]
                }
            )
        return min(int(value), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}
                parameter["description"] = (
                    f"Results per page, from 1 (default {self.page_size}); more than "
                    f"{self.max_page_size} gives {self.max_page_size}."
                )
            if parameter["name"] == getattr(self, "cursor_query_param", None):
                parameter["schema"] = {"type": "string", "pattern": CURSOR_PATTERN}
                parameter["description"] = "From a `next` or `previous` link; another cursor answers 404."
        return parameters


class NewestFirstCursorPagination(StrictPageSize, CursorPagination):
    """Stable pages for lists that grow while they are read (threads, notifications, the log).
    A cursor is base64 text from a `next` or `previous` link; one that is not answers 404."""

    page_size = 30
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = ("-created_at", "-pk")


class OldestFirstCursorPagination(NewestFirstCursorPagination):
    """Comments read top to bottom."""

    ordering = ("created_at", "pk")


class NumberedPagination(StrictPageSize, PageNumberPagination):
    """Small lists of one's own things (progress, notes, bookmarks, follows). `page` is a whole
    number from 1: an empty or repeated one answers 400 rather than the first page, and one past
    the end 404."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_number(self, request, paginator):
        given = request.query_params.getlist(self.page_query_param)
        if given and (len(given) > 1 or database_id(given[0]) is None):
            raise exceptions.ValidationError({"page": [_("Give page once, as a whole number from 1.")]})
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": LARGEST_ID}
        return parameters


# --- Errors -----------------------------------------------------------------------------

# community.services.RateLimited counts posts over the last hour and does not say when the
# oldest one leaves the window; a few minutes is an honest first retry.
POSTING_RETRY_AFTER = 300
NOT_AUTHENTICATED = gettext_lazy(
    "Sign in first: send a personal API token as `Authorization: Bearer <key>` "
    "(create one at /settings/tokens/), or use your browser session."
)


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable, e.g. `validation_error` or `not_found`.")
    message = serializers.CharField(help_text="What went wrong, in words for people.")
    fields = serializers.DictField(
        help_text="For validation errors: the messages for each input that was wrong.",
        child=serializers.JSONField(),
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


def error_response(*, status: int, code: str, message: str, fields=None, headers=None) -> Response:
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return Response(body, status=status, headers=headers)


def _django_validation_detail(error: DjangoValidationError):
    if hasattr(error, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return error.messages


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _flatten(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _flatten(value)]
    return [str(detail)]


def _validation_message(detail) -> tuple[str, dict]:
    if not isinstance(detail, dict):
        return " ".join(_flatten(detail)) or _("The input is not valid."), {}
    general = detail.get(api_settings.NON_FIELD_ERRORS_KEY)
    fields = {name: value for name, value in detail.items() if name != api_settings.NON_FIELD_ERRORS_KEY}
    if general:
        message = " ".join(_flatten(general))
    else:
        message = _("Some fields are not valid: %(fields)s.") % {"fields": ", ".join(sorted(fields))}
    return message, fields


def exception_handler(exc, context):
    """DRF's exception handler, with our error format and the services' exceptions mapped:
    Django's ValidationError → 400, Conflict → 409, PermissionDenied → 403, Http404 → 404,
    RateLimited → 429."""
    # Imported here: rest_framework.views imports this module (the settings name its classes),
    # and every app's api module imports it too, while roadmap must not import community.
    from rest_framework.views import set_rollback

    from community.services import RateLimited

    if isinstance(exc, RateLimited):
        set_rollback()
        return error_response(
            status=429,
            code="rate_limited",
            message=str(exc),
            headers={"Retry-After": str(POSTING_RETRY_AFTER)},
        )
    if isinstance(exc, Conflict):
        set_rollback()
        return error_response(status=409, code="conflict", message=" ".join(exc.messages))
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if not isinstance(exc, exceptions.APIException):
        return None

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(max(1, math.ceil(exc.wait)))
    set_rollback()
    if isinstance(exc, exceptions.ValidationError):
        message, fields = _validation_message(exc.detail)
        return error_response(
            status=exc.status_code, code="validation_error", message=message, fields=fields, headers=headers
        )
    message = (
        str(NOT_AUTHENTICATED)
        if isinstance(exc, exceptions.NotAuthenticated)
        else " ".join(_flatten(exc.detail))
    )
    return error_response(status=exc.status_code, code=exc.default_code, message=message, headers=headers)


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/: a JSON 404 (whatever the method, so no CSRF check),
    with a hint about a missing slash."""
    message = _("There is no API endpoint at this address.")
    if not request.path.endswith("/"):
        try:
            resolved = resolve(request.path + "/")
        except Resolver404:
            resolved = None
        if resolved is not None and resolved.func is not not_found:
            message = _("Not found. Did you mean %(path)s/ (with a trailing slash)?") % {"path": request.path}
    return JsonResponse({"error": {"code": "not_found", "message": message, "fields": {}}}, status=404)
