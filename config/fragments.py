"""{% fragment %}: a part of a template rendered once per combination of the values it names,
then served from memory (config.cache.versioned_get_or_set), like Django's {% cache %} tag.

    {% load fragments %}
    {% fragment "account-menu" user.pk user.username unread_notifications %}...{% endfragment %}

Two differences make it fit the site's chrome (header, footer) on every page:

- every value the part shows must be named, and only those: they make the key, so there is
  nothing to invalidate, and a change to any of them (a new notification, a rename) is a new key;
- it is a shared part (config.slots): a CSRF token inside is a slot, filled with this request's
  token on each use, so a cached part never carries a token of another session.
"""

import hashlib

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

from config import slots
from config.cache import versioned_get_or_set

FRAGMENT_TIMEOUT = 60 * 10

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, nodelist, name, vary_on):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context):
        if settings.DEBUG:  # development: a template just edited shows at once
            return self.nodelist.render(context)
        # The page's template is part of the key: a block inside may be overridden by it.
        values = [str(context.template.name), *(str(value.resolve(context)) for value in self.vary_on)]
        digest = hashlib.sha256("\x1f".join(values).encode()).hexdigest()[:32]
        key = f"fragment:{self.name.resolve(context)}:{digest}"

        def build():
            recorder = slots.Recorder()
            with context.push({slots.RECORDER: recorder, "csrf_token": recorder.slot("csrf")}):
                return recorder.split(self.nodelist.render(context))

        html = versioned_get_or_set(key, build, FRAGMENT_TIMEOUT)
        # Asking for the token sets the CSRF cookie: only when a form in the part needs it.
        token = {"csrf": str(context.get("csrf_token", ""))} if "csrf" in html.kinds else {}
        return mark_safe(html.fill(**token).decode())


@register.tag
def fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"'{bits[0]}' takes a name, then the values it varies on.")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(
        nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]]
    )
