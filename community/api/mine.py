"""My side of the community: notifications, bookmarks and follows. Every query is scoped to
the signed-in user, so another member's id answers 404."""

from django.db.models import Q
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from community import services
from community.api.serializers import (
    BookmarkedThreadSerializer,
    FollowSerializer,
    MarkedSerializer,
    MarkReadSerializer,
    NotificationFilterSerializer,
    NotificationSerializer,
)
from community.api.threads import thread_queryset
from community.models import Follow, Notification, Thread
from config.api import NewestFirstCursorPagination, NumberedPagination


def _my_notifications(user):
    return Notification.objects.filter(recipient=user).select_related("actor", "thread")


def _my_notification(user, pk) -> Notification:
    notification = _my_notifications(user).filter(pk=pk).first()
    if notification is None:
        raise Http404("You have no notification with this id.")
    return notification


class NotificationList(generics.ListAPIView):
    """My notifications, newest first."""

    serializer_class = NotificationSerializer
    pagination_class = NewestFirstCursorPagination
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        filters = NotificationFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        notifications = _my_notifications(self.request.user)
        if filters.validated_data.get("unread"):
            notifications = notifications.filter(read_at__isnull=True)
        return notifications

    @extend_schema(parameters=[NotificationFilterSerializer], summary="My notifications")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=NotificationSerializer, summary="One of my notifications")
    def get(self, request, pk):
        return Response(NotificationSerializer(_my_notification(request.user, pk)).data)


class NotificationRead(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=NotificationSerializer, summary="Mark one notification read")
    def post(self, request, pk):
        _my_notification(request.user, pk)
        services.mark_notifications_read(user=request.user, ids=[pk])
        return Response(NotificationSerializer(_my_notification(request.user, pk)).data)


class NotificationReadAll(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_notifications_read_all",
        request=MarkReadSerializer,
        responses=MarkedSerializer,
        summary="Mark my notifications read (all, or some)",
    )
    def post(self, request):
        given = MarkReadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        marked = services.mark_notifications_read(user=request.user, ids=given.validated_data.get("ids"))
        return Response({"marked": marked})


class BookmarkList(generics.ListAPIView):
    """Threads I saved for later, most recently saved first."""

    serializer_class = BookmarkedThreadSerializer
    pagination_class = NumberedPagination
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return (
            thread_queryset(self.request.user)
            .filter(bookmarks__user=self.request.user)
            .order_by("-bookmarks__created_at", "-pk")
        )


class FollowList(generics.ListAPIView):
    """What I follow: threads, tags and roadmap topics."""

    serializer_class = FollowSerializer
    pagination_class = NumberedPagination
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        user = self.request.user
        return (
            Follow.objects.filter(user=user)
            .filter(Q(thread__isnull=True) | Q(thread__in=Thread.objects.visible_to(user)))
            .select_related("thread", "tag", "topic__roadmap")
            .order_by("-created_at", "-pk")
        )
