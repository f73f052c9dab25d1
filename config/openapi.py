"""How drf-spectacular describes the API: the token scheme and the error responses of every
operation. The Swagger UI page (config/urls.py) uses a template without inline style, for the
site's Content-Security-Policy."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from config.api import ErrorSerializer


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "config.api.BearerTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from /settings/tokens/: `Authorization: Bearer <key>`.",
        }


ERROR_RESPONSES = {
    "400": "The input is not valid: `fields` says which and why.",
    "401": "Not signed in: send `Authorization: Bearer <key>` or a session cookie.",
    "403": "Signed in, but not allowed (or the CSRF token is missing for a session).",
    "404": "No such object, or not one you may see.",
    "409": "Well formed, but the current state forbids it (e.g. already flagged, already locked).",
    "429": "Too many requests: wait for the number of seconds in `Retry-After`.",
}


READS_CANNOT_CONFLICT = {"GET", "HEAD"}


class ApiAutoSchema(AutoSchema):
    """Every operation documents the error responses it can give, in the one error format."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERROR_RESPONSES.items():
            if code == "409" and self.method in READS_CANNOT_CONFLICT:
                continue
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = description
                responses[code] = response
        return responses
