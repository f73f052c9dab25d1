"""{% load seo %}: what a page tells search engines and link previews about itself.

- `{% canonical_url as canonical %}`: the absolute URL the page is known by
  (config.page_cache.canonical_url: SITE_URL, the path, the query parameters its view declares);
- `{{ html|plain_summary }}`: rendered Markdown as one line of plain text, cut at 160 characters,
  for descriptions;
- `{{ data|json_ld }}`: a JSON-LD script element, escaped as Django's json_script escapes, so no
  text in the data can close the element.
"""

import html

from django import template
from django.conf import settings
from django.utils.html import json_script, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from config.page_cache import canonical_url as page_canonical_url

register = template.Library()

DESCRIPTION_LENGTH = 160


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    request = context.get("request")
    return page_canonical_url(request) if request is not None else ""


def plain_text(rendered_html: str) -> str:
    """Rendered Markdown (or any HTML) as the text a reader sees, on one line."""
    return " ".join(html.unescape(strip_tags(rendered_html or "")).split())


@register.filter
def plain_summary(rendered_html: str, length: int = DESCRIPTION_LENGTH) -> str:
    return Truncator(plain_text(rendered_html)).chars(length)


def absolute(path: str) -> str:
    """A path of this site as an absolute URL on SITE_URL, as canonical links are."""
    return f"{settings.SITE_URL}{path}"


@register.filter
def json_ld(data) -> str:
    element = json_script(data)  # '<script type="application/json">…</script>', its text escaped
    return mark_safe(element.replace('type="application/json"', 'type="application/ld+json"', 1))
