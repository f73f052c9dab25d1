"""The viewer slots of the roadmap map (config.slots): the map is rendered once for everyone
with no progress (roadmap.selectors.map_html), and each topic node's status, its "Verified"
and "Quiz passed" marks and the "Next up" mark are filled in from the viewer's MapProgress, for the few topics they have a status on."""

from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.translation import ngettext

from config import slots
from roadmap.models import Progress
from roadmap.selectors import MapProgress


def _next_up(progress: MapProgress, value: str) -> dict:
    """`value` for the slots of the next topic to learn, if there is one."""
    return {} if progress.next_up is None else {slots.where(topic_id=progress.next_up["id"]): value}


@slots.kind("topic_status", "topic_id")
def _topic_status(progress: MapProgress):
    """The node's class says its status: status-<this>."""
    return {slots.where(topic_id=topic_id): status for topic_id, status in progress.statuses.items()}


@slots.kind("topic_status_label", "topic_id")
def _topic_status_label(progress: MapProgress):
    """The words of the node's status (the labels are lazy: each is made text once a map)."""
    labels = {status: escape(str(label)) for status, label in Progress.Status.choices}
    return {slots.where(topic_id=topic_id): labels[status] for topic_id, status in progress.statuses.items()}


@slots.kind("topic_verified", "topic_id")
def _topic_verified(progress: MapProgress):
    """The `hidden` of the node's "Verified" mark: gone on the topics a mentor verified."""
    return {slots.where(topic_id=topic_id): "" for topic_id in progress.verified}


@slots.kind("topic_quiz_passed", "topic_id")
def _topic_quiz_passed(progress: MapProgress):
    """The node's class marks the topics whose quiz the viewer passed."""
    return {slots.where(topic_id=topic_id): " quiz-passed" for topic_id in progress.quiz_passed}


@slots.kind("topic_quiz_mark", "topic_id")
def _topic_quiz_mark(progress: MapProgress):
    """The node's "Quiz passed" mark, in the viewer's language, on the topics whose quiz they passed."""
    if not progress.quiz_passed:
        return {}
    mark = render_to_string("roadmap/components/quiz_mark.html")
    return {slots.where(topic_id=topic_id): mark for topic_id in progress.quiz_passed}


@slots.kind("next_up", "topic_id")
def _next_up_class(progress: MapProgress):
    """The node's class marks the next topic to learn."""
    return _next_up(progress, "is-next-up")


@slots.kind("next_up_badge", "topic_id")
def _next_up_badge(progress: MapProgress):
    """The `hidden` of the node's "Next up" badge: gone on the next topic."""
    return _next_up(progress, "")


@slots.kind("section_progress", "section_id")
def _section_progress(progress: MapProgress):
    """A signed-in viewer's "3 of 11 done" on each section, in place of its topic count."""
    if not progress.is_personal:
        return {}
    wordings = {}  # sections of a size share one: a lookup per size, not per section

    def wording(total: int) -> str:
        if total not in wordings:
            wordings[total] = ngettext(
                "%(finished)s of %(counter)s topic done", "%(finished)s of %(counter)s topics done", total
            )
        return wordings[total]

    return {
        slots.where(section_id=section_id): escape(wording(total) % {"finished": finished, "counter": total})
        for section_id, (finished, total) in progress.sections.items()
    }
