"""{% script_words %}: the words the site's scripts show (static/js), in the page's language.

    {% load script_words %}
    {% script_words %}

They travel in the page itself, as a JSON data block that no browser runs (so the
Content-Security-Policy needs nothing for it) and that is cached with the page's chrome,
which is kept per language: no extra request, and a cached page never has another language's
words. Scripts read them with `Stepwise.say(name, values)` (static/js/app.js), which fills in
`%(name)s` placeholders.

A text that depends on a number comes in the two forms "one" and "other", picked in the
browser by Intl.PluralRules: enough for the languages shipped; a language with more plural
forms would need a form for each of its categories here.
"""

from django import template
from django.utils.html import json_script
from django.utils.translation import gettext, ngettext, pgettext

register = template.Library()

ELEMENT_ID = "script-words"


def _plural(singular: str, plural: str) -> dict[str, str]:
    return {"one": ngettext(singular, plural, 1), "other": ngettext(singular, plural, 2)}


def words() -> dict:
    return {
        "timezone_offer": gettext("Use %(zone)s (your browser's timezone)"),
        "replying_to": gettext("Replying to @%(name)s."),
        "new_replies": _plural("%(count)s new reply: show", "%(count)s new replies: show"),
        "new_replies_next_page": _plural(
            "%(count)s new reply on the next page: go", "%(count)s new replies on the next page: go"
        ),
        "new_replies_on_page": _plural(
            "%(count)s new reply on page %(page)s: go", "%(count)s new replies on page %(page)s: go"
        ),
        "unread": pgettext("after the number of notifications", "unread"),
        "thread_closed": gettext("This discussion is no longer open to you: what you see is as it was."),
    }


@register.simple_tag
def script_words() -> str:
    return json_script(words(), ELEMENT_ID)
