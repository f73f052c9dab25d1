"""`{% live_topic %}`: the attributes that make an element a page's live target (config.live);
`{% live_script %}`: the script that follows them, unless LIVE_UPDATES is off.

    <div {% live_topic "thread" thread.pk %} hidden></div>
    <div {% live_topic "progress" %} hidden></div>          the viewer's own; nothing if signed out

The version written is the one the page's cached parts were keyed by in this request, so a page
that is already out of date when it opens is told so as soon as its socket subscribes.
"""

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html

from config import live

register = template.Library()


@register.simple_tag(takes_context=True)
def live_topic(context, name: str, scope=None) -> str:
    topic = live.topics()[name]
    if topic.own:
        user = context["request"].user
        if not user.is_authenticated:
            return ""
        scope = user.pk
    return format_html(
        'data-live-topic="{}" data-live-version="{}"', topic.label(scope), live.page_version(topic, scope)
    )


@register.simple_tag
def live_script() -> str:
    if not settings.LIVE_UPDATES:
        return ""
    return format_html('<script src="{}" defer></script>', static("js/live.js"))
