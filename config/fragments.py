"""{% fragment %}: a part of a template rendered once per combination of the values it names,
then served from memory (declared as config.fragments.CHROME), like Django's {% cache %} tag.

    {% load fragments %}
    {% fragment "account-menu" user.pk user.username unread_notifications %}...{% endfragment %}

Two differences make it fit the site's chrome (header, footer) on every page:

- every value the part shows must be named, and only those: they make the key, so there is
  nothing to invalidate, and a change to any of them (a new notification, a rename) is a new key;
- it is a shared part (config.slots): a CSRF token inside is a slot, filled with this request's
  token on each use, so a cached part never carries a token of another session.
"""

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

from config import slots
from config.caching import Cached

CHROME = Cached(
    "chrome",  # a {% fragment %} of the page's chrome, rendered by the tag
    key=("template", "name", "values"),
    tokens=lambda template, name, values: [],
    timeout="fragment",
    build=None,
    per_language=True,
)

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
        values = "\x1f".join(str(value.resolve(context)) for value in self.vary_on)

        def build():
            recorder = slots.Recorder()
            with context.push({slots.RECORDER: recorder, "csrf_token": recorder.slot("csrf")}):
                return recorder.split(self.nodelist.render(context))

        html = CHROME.get(
            template=context.template.name, name=self.name.resolve(context), values=values, build=build
        )
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
