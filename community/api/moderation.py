"""For mentors and admins: the open flags, the moderation acts (the same functions as the
/mod/ pages, each with its reason) and the audit log."""

from django.http import Http404
from django.utils.translation import gettext as _
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
from community.models import Comment
from config.api import NewestFirstCursorPagination, NumberedPagination

# --- The flag queue ---------------------------------------------------------------------


class OpenFlagList(generics.ListAPIView):
    """Every open flag, oldest first."""

    serializer_class = ModeratorFlagSerializer
    pagination_class = NumberedPagination
    permission_classes = [IsModerator]

    def get_queryset(self):
        return selectors.open_flags()


class FlaggedPostList(generics.ListAPIView):
    """The flagged posts in the order of the /mod/ queue (the one flagged longest ago first),
    each with its open flags."""

    serializer_class = FlaggedPostSerializer
    pagination_class = NumberedPagination
    permission_classes = [IsModerator]

    def get_queryset(self):
        return selectors.moderation_queue_order()

    def list(self, request, *args, **kwargs):
        posts = selectors.flagged_posts(self.paginate_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(posts, many=True).data)


# --- Moderation acts --------------------------------------------------------------------


def _comment_for_moderator(pk, moderator) -> Comment:
    comment = Comment.objects.select_related("author", "thread").filter(pk=pk).first()
    if comment is None:
        raise Http404(_("No such reply."))
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
        return selectors.moderation_actions(
            action=given.get("action", ""),
            moderator=given.get("moderator", ""),
            target=given.get("user", ""),
            thread_id=given.get("thread"),
        )

    @extend_schema(parameters=[AuditLogFilterSerializer], summary="The moderation audit log")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
