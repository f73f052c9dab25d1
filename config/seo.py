"""{% load seo %}: what a page tells search engines and link previews about itself.

- `{% canonical_url as canonical %}`: the absolute URL the page is known by
  (config.page_cache.canonical_url: SITE_URL, the path, the query parameters its view declares);
- `{% language_alternates as alternates %}`: (hreflang, URL) for each of the page's languages
  and x-default, for `<link rel="alternate">`: the same page with `?lang=`;
- `{{ html|plain_summary }}`: rendered Markdown as one line of plain text, cut at 160 characters,
  for descriptions;
- `{{ data|json_ld }}`: a JSON-LD script element, escaped as Django's json_script escapes, so no
  text in the data can close the element.
"""

import html
import json
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from config.language import QUERY_PARAMETER
from config.page_cache import canonical_url as page_canonical_url

register = template.Library()

DESCRIPTION_LENGTH = 160


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    request = context.get("request")
    return page_canonical_url(request) if request is not None else ""


@register.simple_tag(takes_context=True)
def language_alternates(context) -> list[tuple[str, str]]:
    request = context.get("request")
    if request is None:
        return []
    parts = urlsplit(page_canonical_url(request))
    query = [(name, value) for name, value in parse_qsl(parts.query) if name != QUERY_PARAMETER]

    def url(code: str | None) -> str:
        wanted = sorted([*query, (QUERY_PARAMETER, code)]) if code else query
        return urlunsplit(parts._replace(query=urlencode(wanted)))

    alternates = [
        (code, url(None if code == settings.LANGUAGE_CODE else code)) for code, _ in settings.LANGUAGES
    ]
    return [*alternates, ("x-default", url(None))]


def plain_text(rendered_html: str) -> str:
    """Rendered Markdown (or any HTML) as the text a reader sees, on one line."""
    return " ".join(html.unescape(strip_tags(rendered_html or "")).split())


@register.filter
def plain_summary(rendered_html: str, length: int = DESCRIPTION_LENGTH) -> str:
    return Truncator(plain_text(rendered_html)).chars(length)


def absolute(path: str) -> str:
    """A path of this site as an absolute URL on SITE_URL, as canonical links are."""
    return f"{settings.SITE_URL}{path}"


# What json_script escapes, so that no text in the data can close the element or start a tag.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(data) -> str:
    """A JSON-LD element of `data`, its text escaped as json_script does, without the spaces
    json_script puts after every comma and colon (a thread's JSON-LD has hundreds)."""
    text = json.dumps(data, cls=DjangoJSONEncoder, separators=(",", ":")).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))
