"""{% fragment %}: a part of a template rendered once per combination of the values it names,
then served from memory (config.cache.versioned_get_or_set), like Django's {% cache %} tag.

    {% load fragments %}
    {% fragment "account-menu" user.pk user.username unread_notifications %}...{% endfragment %}

Two differences make it fit the site's chrome (header, footer) on every page:

- every value the part shows must be named, and only those: they make the key, so there is
  nothing to invalidate, and a change to any of them (a new notification, a rename) is a new key;
- CSRF tokens inside are holes (config.holes), filled with this request's token on each use,
  so a cached part never carries a token of another session.
"""

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

from config.caching import Cached
from config.holes import fill, hole

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
            with context.push(csrf_token=hole("csrf")):
                return self.nodelist.render(context)

        html = CHROME.get(
            template=context.template.name, name=self.name.resolve(context), values=values, build=build
        )
        if "\x00" in html:  # asking for the token sets the CSRF cookie: only when a form needs it
            html = fill(html, {"csrf": str(context.get("csrf_token", ""))})
        return mark_safe(html)


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
