"""{{ value|ago }}: how long ago a time was, the one way the site says it ("just now",
"5 minutes ago", "3 days ago"), wherever a time is shown relatively.

    {% load times %}
    <time datetime="{{ thread.created_at|date:'c' }}">{{ thread.created_at|ago }}</time>

The words come from django.contrib.humanize's catalogue, whose units are written to sit inside
"%(delta)s ago" (German needs "vor 3 Tagen", not the "3 Tage" that plain timesince gives), so
every shipped language gets the right plural and case without strings of ours.
"""

from datetime import timedelta

from django import template
from django.contrib.humanize.templatetags.humanize import NaturalTimeFormatter
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext

register = template.Library()

JUST_NOW = timedelta(minutes=1)


@register.filter
def ago(value) -> str:
    """Under a minute ago (or a clock a little ahead) is "just now"; the rest is the largest
    unit only ("2 hours ago", not "2 hours, 3 minutes ago")."""
    if not value:
        return ""
    if timezone.now() - value < JUST_NOW:
        return gettext("just now")
    delta = timesince(value, depth=1, time_strings=NaturalTimeFormatter.past_substrings)
    return NaturalTimeFormatter.time_strings["past-day"] % {"delta": delta}
