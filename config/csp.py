"""The Content-Security-Policy header, built once rather than for every response.

django-csp builds the header from settings on every response, twice (the policy and the
report-only one): a dataclass copied to a dict, each directive copied and joined. On a page
served from the cache that was a fifth of the whole request. The header only differs between
responses by a nonce or by a view's own policy (csp_update, csp_replace, csp_exempt, as on the
admin's delivery list). So it is built once per setting, with a placeholder where a nonce goes,
and a response whose view changed its policy is built the usual way.
"""

import functools

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

NONCE_PLACEHOLDER = "stepwise-csp-nonce-placeholder"
# What a view's decorators set on its response; any of them means a policy of its own.
OWN_POLICY_ATTRIBUTES = frozenset(
    f"_csp_{name}{suffix}" for name in ("config", "update", "replace", "exempt") for suffix in ("", "_ro")
)


@functools.cache
def _policy(*, report_only: bool, with_nonce: bool) -> str:
    return build_policy(nonce=NONCE_PLACEHOLDER if with_nonce else None, report_only=report_only)


@functools.cache
def _excluded_prefixes(setting: str) -> tuple[str, ...]:
    return tuple((getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ())


@receiver(setting_changed)
def _forget_policies(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policy.cache_clear()
        _excluded_prefixes.cache_clear()
        _headers.cache_clear()


@functools.cache
def _headers(*, with_nonce: bool) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """The headers to write (name, policy, the path prefixes left without it), for a response
    whose page used a nonce or not: the policy and the report-only one, each if set."""
    return tuple(
        (header, policy, _excluded_prefixes(setting))
        for header, setting, report_only in (
            (HEADER, "CONTENT_SECURITY_POLICY", False),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
        )
        if (policy := _policy(report_only=report_only, with_nonce=with_nonce))
    )


class CSPMiddleware(DjangoCSPMiddleware):
    def process_response(self, request, response):
        # The decorators set them on the response itself (eight failed hasattr calls cost more).
        if settings.DEBUG or not OWN_POLICY_ATTRIBUTES.isdisjoint(vars(response)):
            return super().process_response(request, response)
        nonce = request.__dict__.get("_csp_nonce")
        headers = response.headers
        for header, policy, excluded in _headers(with_nonce=nonce is not None):
            if header in headers or request.path_info.startswith(excluded):
                continue
            # Set as ResponseHeaders would store it, without checking it again: the policy is
            # ASCII from our settings, and a nonce is base64.
            value = policy if nonce is None else policy.replace(NONCE_PLACEHOLDER, nonce)
            headers._store[header.lower()] = (header, value)
        if nonce is None:
            # As django-csp: a nonce asked for after the header is written would not be in it.
            request.csp_nonce = NONCE_AFTER_RESPONSE
        return response


# What `request.csp_nonce` is once the header is written without one: asking it raises
# (CSPNonceError), every time, so one object serves every request.
NONCE_AFTER_RESPONSE = CheckableLazyObject(DjangoCSPMiddleware._csp_nonce_post_response)
