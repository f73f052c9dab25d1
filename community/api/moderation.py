"""For mentors and admins: the open flags, the moderation acts (the same functions as the
/mod/ pages, each with its reason) and the audit log."""

from collections import Counter

from django.db.models import Count, Max, Min, Q
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from accounts.api import member_or_404
from community import moderation, selectors
from community.api.permissions import IsModerator
from community.api.serializers import (
    AuditLogFilterSerializer,
    FlaggedPostSerializer,
    ModerationActionSerializer,
    ModeratorFlagSerializer,
    MoveSerializer,
    ReasonSerializer,
    ResolveFlagsSerializer,
    RetagSerializer,
    SuspendSerializer,
)
from community.models import Comment, Flag, ModerationAction, Thread
from config.api import NewestFirstCursorPagination, NumberedPagination

# --- The flag queue ---------------------------------------------------------------------


class OpenFlagList(generics.ListAPIView):
    """Every open flag, oldest first."""

    serializer_class = ModeratorFlagSerializer
    pagination_class = NumberedPagination
    permission_classes = [IsModerator]

    def get_queryset(self):
        return (
            Flag.objects.filter(status=Flag.State.OPEN)
            .select_related("reporter", "comment")
            .order_by("created_at", "pk")
        )


class FlaggedPostList(generics.ListAPIView):
    """The flagged posts, most flagged first, each with its open flags."""

    serializer_class = FlaggedPostSerializer
    pagination_class = NumberedPagination
    permission_classes = [IsModerator]

    def get_queryset(self):
        return (
            Flag.objects.filter(status=Flag.State.OPEN)
            .values("thread_id", "comment_id")
            .annotate(
                flag_count=Count("pk"), first_flagged_at=Min("created_at"), last_flagged_at=Max("created_at")
            )
            .order_by("-flag_count", "first_flagged_at", "thread_id", "comment_id")
        )

    def list(self, request, *args, **kwargs):
        groups = self.paginate_queryset(self.get_queryset())
        thread_ids = [group["thread_id"] for group in groups if group["thread_id"]]
        comment_ids = [group["comment_id"] for group in groups if group["comment_id"]]
        comments = Comment.objects.select_related("author", "thread").in_bulk(comment_ids)
        threads = Thread.objects.select_related("author").in_bulk(
            thread_ids + [comment.thread_id for comment in comments.values()]
        )
        flags_of: dict[tuple, list[Flag]] = {}
        for flag in (
            Flag.objects.filter(status=Flag.State.OPEN)
            .filter(Q(thread_id__in=thread_ids) | Q(comment_id__in=comment_ids))
            .select_related("reporter", "comment")
            .order_by("created_at", "pk")
        ):
            flags_of.setdefault((flag.thread_id, flag.comment_id), []).append(flag)
        posts = []
        for group in groups:
            comment = comments.get(group["comment_id"])
            thread = threads[comment.thread_id] if comment else threads[group["thread_id"]]
            flags = flags_of.get((group["thread_id"], group["comment_id"]), [])
            posts.append(
                {
                    **group,
                    "kind": "comment" if comment else "thread",
                    "thread": thread,
                    "comment": comment,
                    "author": (comment or thread).author,
                    "reasons": dict(Counter(flag.reason for flag in flags)),
                    "flags": flags,
                }
            )
        return self.get_paginated_response(self.get_serializer(posts, many=True).data)


# --- Moderation acts --------------------------------------------------------------------


def _comment_for_moderator(pk, moderator) -> Comment:
    comment = Comment.objects.select_related("author", "thread").filter(pk=pk).first()
    if comment is None:
        raise Http404("No such reply.")
    selectors.visible_thread(pk=comment.thread_id, viewer=moderator)
    return comment


# name: (request serializer, moderation function, the keyword it takes its target by)
THREAD_ACTS = {
    "hide": (ReasonSerializer, moderation.hide, "target"),
    "restore": (ReasonSerializer, moderation.restore, "target"),
    "lock": (ReasonSerializer, moderation.lock, "thread"),
    "unlock": (ReasonSerializer, moderation.unlock, "thread"),
    "pin": (ReasonSerializer, moderation.pin, "thread"),
    "unpin": (ReasonSerializer, moderation.unpin, "thread"),
    "move": (MoveSerializer, moderation.move, "thread"),
    "retag": (RetagSerializer, moderation.retag, "thread"),
    "resolve-flags": (ResolveFlagsSerializer, moderation.resolve_flags, "target"),
}
COMMENT_ACTS = {
    "hide": (ReasonSerializer, moderation.hide, "target"),
    "restore": (ReasonSerializer, moderation.restore, "target"),
    "resolve-flags": (ResolveFlagsSerializer, moderation.resolve_flags, "target"),
}
USER_ACTS = {
    "warn": (ReasonSerializer, moderation.warn, "user"),
    "suspend": (SuspendSerializer, moderation.suspend, "user"),
    "unsuspend": (ReasonSerializer, moderation.unsuspend, "user"),
}


class ModerationActView(generics.GenericAPIView):
    """One moderation act on one thread, comment or member, with its reason; answers the
    audit-log entry it wrote. Each route sets the target kind, the act and its serializer."""

    permission_classes = [IsModerator]
    serializer_class = ReasonSerializer
    target_kind = "thread"
    act = None
    target_argument = "target"

    def get_target(self, request, *, pk=None, username=None):
        if self.target_kind == "thread":
            return selectors.visible_thread(pk=pk, viewer=request.user)
        if self.target_kind == "comment":
            return _comment_for_moderator(pk, request.user)
        return member_or_404(username)

    @extend_schema(responses={201: ModerationActionSerializer})
    def post(self, request, **lookup):
        target = self.get_target(request, **lookup)
        given = self.get_serializer(data=request.data)
        given.is_valid(raise_exception=True)
        entry = self.act(moderator=request.user, **{self.target_argument: target}, **given.validated_data)
        return Response(ModerationActionSerializer(entry).data, status=status.HTTP_201_CREATED)


def act_routes():
    """(route, view, name) for every moderation act."""
    kinds = [
        ("threads", "<int:pk>", "thread", THREAD_ACTS),
        ("comments", "<int:pk>", "comment", COMMENT_ACTS),
        ("users", "<str:username>", "user", USER_ACTS),
    ]
    for collection, key, kind, acts in kinds:
        for name, (serializer, act, target_argument) in acts.items():
            view = ModerationActView.as_view(
                target_kind=kind, act=act, target_argument=target_argument, serializer_class=serializer
            )
            yield f"mod/{collection}/{key}/{name}/", view, f"mod-{kind}-{name}"


# --- The audit log ----------------------------------------------------------------------


class AuditLog(generics.ListAPIView):
    """Every moderation act, newest first."""

    serializer_class = ModerationActionSerializer
    pagination_class = NewestFirstCursorPagination
    permission_classes = [IsModerator]

    def get_queryset(self):
        filters = AuditLogFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        entries = ModerationAction.objects.select_related("moderator", "target_user", "thread")
        if "action" in given:
            entries = entries.filter(action=given["action"])
        if "moderator" in given:
            entries = entries.filter(moderator__username__iexact=given["moderator"])
        if "user" in given:
            entries = entries.filter(target_user__username__iexact=given["user"])
        if "thread" in given:
            entries = entries.filter(thread_id=given["thread"])
        return entries

    @extend_schema(parameters=[AuditLogFilterSerializer], summary="The moderation audit log")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
