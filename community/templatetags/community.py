from django import template

from community.models import Reaction

register = template.Library()


@register.filter
def reaction_counts(target):
    return [(kind, label, getattr(target, f"{kind}_count")) for kind, label in Reaction.Kind.choices]
