"""How drf-spectacular describes the API: the token scheme, the error responses of every
operation, and that no text the API reads may hold a NUL. The Swagger UI page (config/urls.py)
uses a template without inline style, for the site's Content-Security-Policy."""

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


# JSON Schema (ECMA-262) spelling, as clients and the fuzzer read it.
WITHOUT_NUL = "^[^\\u0000]*$"
# Any JSON value with no NUL in a string or a key: `pattern` applies to strings only,
# `propertyNames` and `additionalProperties` to objects, `items` to arrays.
ANY_WITHOUT_NUL = "AnyWithoutNul"
ANY_WITHOUT_NUL_SCHEMA = {
    "description": "Any JSON value, without a NUL character in any text or key.",
    "pattern": WITHOUT_NUL,
    "propertyNames": {"pattern": WITHOUT_NUL},
    "additionalProperties": {"$ref": f"#/components/schemas/{ANY_WITHOUT_NUL}"},
    "items": {"$ref": f"#/components/schemas/{ANY_WITHOUT_NUL}"},
}
PARAMETER_LOCATIONS = {"query", "path", "header", "cookie"}


def _types(schema: dict) -> set:
    types = schema.get("type")
    return set(types) if isinstance(types, list) else {types}


def _refuse_nul(schema, components: dict, seen: set) -> None:
    """Give every free-text string in `schema` a pattern without NUL, and every object that
    takes properties it does not name the rule that their names and values hold none either."""
    if not isinstance(schema, dict):
        return
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            seen.add(name)
            _refuse_nul(components.get(name), components, seen)
        return
    types = _types(schema)
    if "string" in types and "enum" not in schema and "format" not in schema:
        if "pattern" not in schema:
            schema["pattern"] = WITHOUT_NUL
        elif schema["pattern"] != WITHOUT_NUL:  # a search pattern allows NUL around its match
            schema.setdefault("allOf", []).append({"pattern": WITHOUT_NUL})
    if "object" in types and schema.get("additionalProperties", True) is True:
        schema["propertyNames"] = {"pattern": WITHOUT_NUL}
        schema["additionalProperties"] = {"$ref": f"#/components/schemas/{ANY_WITHOUT_NUL}"}
    for child in schema.get("properties", {}).values():
        _refuse_nul(child, components, seen)
    for keyword in ("items", "additionalProperties"):
        _refuse_nul(schema.get(keyword), components, seen)
    for keyword in ("allOf", "anyOf", "oneOf"):
        for child in schema.get(keyword, []):
            _refuse_nul(child, components, seen)


def state_that_requests_hold_no_nul(result, generator, request, public):
    """A postprocessing hook: the schema says what config.api.JSONParser and
    config.input_guard refuse, a NUL anywhere in a request body (keys included) or in a
    parameter, so that a client, or a fuzzer, knows before it sends one. PostgreSQL text
    cannot hold a NUL; the refusal stays where it is, this only states it."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    seen = {ANY_WITHOUT_NUL}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                if parameter.get("in") in PARAMETER_LOCATIONS:
                    _refuse_nul(parameter.get("schema"), components, seen)
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _refuse_nul(media.get("schema"), components, seen)
    components[ANY_WITHOUT_NUL] = ANY_WITHOUT_NUL_SCHEMA
    return result
