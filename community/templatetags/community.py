from django import template

from community.models import Reaction

register = template.Library()

ICONS = {"like": "♥", "helpful": "✓", "insightful": "★"}


@register.filter
def reaction_counts(target):
    return [(kind, label, getattr(target, f"{kind}_count")) for kind, label in Reaction.Kind.choices]


@register.simple_tag
def reaction_icon(kind):
    return ICONS.get(kind, "")
