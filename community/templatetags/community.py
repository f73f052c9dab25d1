from django import template

from community.models import Reaction

register = template.Library()


@register.filter
def reaction_counts(target):
    return [(kind, label, getattr(target, f"{kind}_count")) for kind, label in Reaction.Kind.choices]


@register.filter
def reactions_given(target):
    """reaction_counts without the reactions nobody gave."""
    return [(kind, label, count) for kind, label, count in reaction_counts(target) if count]
