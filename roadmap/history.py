"""The progress history: every change of a learner's status on a topic, appended as a ProgressEvent
(and a first pass of the topic's quiz).

It is driven by the Progress model, not by the services, so the site, the API, the admin, a
command and the shell all write it. A save appends the status it sets (when it changed) and a
verification it adds; deleting Progress rows appends a reset, unless the rows go with their
learner or their topic (account deletion takes the history too). Where a request came in says
which source an event records (`SourceMiddleware`); a command names its own (`source`).

`QuerySet.update()` and `bulk_create()` send no signal, and a delete of many rows would append
them one insert at a time: such a path appends its events itself with `append`, inside
`recorded_by_caller()` when the write would otherwise append them again.
"""

from collections.abc import Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from roadmap.models import Progress, ProgressEvent

_source: ContextVar[str] = ContextVar("progress_source", default=ProgressEvent.Source.OTHER)
_recorded_by_caller: ContextVar[bool] = ContextVar("progress_recorded_by_caller", default=False)

SOURCE_OF_NAMESPACE = {"api": ProgressEvent.Source.API, "admin": ProgressEvent.Source.ADMIN}


@contextmanager
def source(name: str):
    """Progress changes made inside the block record `name` as their source."""
    token = _source.set(name)
    try:
        yield
    finally:
        _source.reset(token)


@contextmanager
def recorded_by_caller():
    """Progress changes made inside the block append nothing: the caller appends them with `append`."""
    token = _recorded_by_caller.set(True)
    try:
        yield
    finally:
        _recorded_by_caller.reset(token)


def append(*, user_id: int, topic_ids: Iterable[int], kind: str) -> None:
    """Append one event of `kind` per topic for a learner, in one insert."""
    ProgressEvent.objects.bulk_create(
        ProgressEvent(user_id=user_id, topic_id=topic_id, kind=kind, source=_source.get())
        for topic_id in topic_ids
    )


class SourceMiddleware:
    """Progress changed while answering a request records where it came from: the API, the admin
    or the site's pages (a mentor verifying from the desk included)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _source.set(ProgressEvent.Source.PAGE)
        try:
            return self.get_response(request)
        finally:
            _source.reset(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        namespaces = request.resolver_match.namespaces
        if namespaces and namespaces[0] in SOURCE_OF_NAMESPACE:
            _source.set(SOURCE_OF_NAMESPACE[namespaces[0]])


@receiver(post_save, sender=Progress, dispatch_uid="roadmap.history.saved")
def _progress_saved(sender, instance: Progress, created: bool, raw: bool, **kwargs) -> None:
    if raw or _recorded_by_caller.get():
        return
    nothing = (None, None, None)
    status, verified_at, quiz_passed_at = nothing if created else getattr(instance, "saved_state", nothing)
    kinds = []
    if instance.status != status:
        kinds.append(instance.status)
    if instance.verified_at is not None and verified_at is None:
        kinds.append(ProgressEvent.Kind.VERIFIED)
    if instance.quiz_passed_at is not None and quiz_passed_at is None:
        kinds.append(ProgressEvent.Kind.QUIZ_PASSED)
    ProgressEvent.objects.bulk_create(
        ProgressEvent(user_id=instance.user_id, topic_id=instance.topic_id, kind=kind, source=_source.get())
        for kind in kinds
    )
    instance.remember_saved()


@receiver(post_delete, sender=Progress, dispatch_uid="roadmap.history.deleted")
def _progress_deleted(sender, instance: Progress, origin=None, **kwargs) -> None:
    """Only a deletion of progress itself is a reset: one that started from the learner or the
    topic removes their history with it."""
    if _recorded_by_caller.get() or not _deletes_progress_itself(origin):
        return
    ProgressEvent.objects.create(
        user_id=instance.user_id,
        topic_id=instance.topic_id,
        kind=ProgressEvent.Kind.RESET,
        source=_source.get(),
    )


def _deletes_progress_itself(origin) -> bool:
    if isinstance(origin, QuerySet):
        return origin.model is Progress
    return isinstance(origin, Progress)
