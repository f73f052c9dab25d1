"""The viewer slots of the roadmap map (config.slots): the map is rendered once for everyone
with no progress (roadmap.selectors.map_html), and each topic node's status and the "Next up"
mark are filled in from the viewer's MapProgress, for the few topics they have a status on."""

from django.utils.html import escape

from config import slots
from roadmap.models import Progress
from roadmap.selectors import MapProgress


def _is_next_up(progress: MapProgress, topic_id: int) -> bool:
    return progress.next_up is not None and progress.next_up["id"] == topic_id


@slots.kind("topic_status")
def _topic_status(progress: MapProgress, *, topic_id):
    """The node's class says its status: status-<this>."""
    return progress.statuses.get(topic_id) or None


@slots.kind("topic_status_label")
def _topic_status_label(progress: MapProgress, *, topic_id):
    status = progress.statuses.get(topic_id)
    return escape(Progress.Status(status).label) if status else None


@slots.kind("next_up")
def _next_up(progress: MapProgress, *, topic_id):
    """The node's class marks the next topic to learn."""
    return "is-next-up" if _is_next_up(progress, topic_id) else None


@slots.kind("next_up_badge")
def _next_up_badge(progress: MapProgress, *, topic_id):
    """The `hidden` of the node's "Next up" badge: gone on the next topic."""
    return "" if _is_next_up(progress, topic_id) else None
