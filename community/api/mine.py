"""My side of the community: notifications, bookmarks and follows. Every query is scoped to
the signed-in user, so another member's id answers 404."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from community import selectors, services
from community.api.serializers import (
    BookmarkedThreadSerializer,
    EmailSettingsSerializer,
    FollowSerializer,
    MarkedSerializer,
    MarkReadSerializer,
    NotificationFilterSerializer,
    NotificationSerializer,
)
from config.api import NewestFirstCursorPagination, NumberedPagination


class NotificationList(generics.ListAPIView):
    """My notifications, newest first."""

    serializer_class = NotificationSerializer
    pagination_class = NewestFirstCursorPagination
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        filters = NotificationFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return selectors.user_notifications(
            user=self.request.user, unread_only=bool(filters.validated_data.get("unread"))
        )

    @extend_schema(parameters=[NotificationFilterSerializer], summary="My notifications")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=NotificationSerializer, summary="One of my notifications")
    def get(self, request, pk):
        return Response(NotificationSerializer(selectors.user_notification(user=request.user, pk=pk)).data)


class NotificationRead(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=NotificationSerializer, summary="Mark one notification read")
    def post(self, request, pk):
        selectors.user_notification(user=request.user, pk=pk)
        services.mark_notifications_read(user=request.user, ids=[pk])
        return Response(NotificationSerializer(selectors.user_notification(user=request.user, pk=pk)).data)


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
        return selectors.bookmarked_threads(user=self.request.user)


class FollowList(generics.ListAPIView):
    """What I follow: threads, tags and roadmap topics."""

    serializer_class = FollowSerializer
    pagination_class = NumberedPagination
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return selectors.user_follows(user=self.request.user)


class EmailSettings(APIView):
    """How I want each kind of notification by email; the same choices as the settings page."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=EmailSettingsSerializer, summary="My notification email settings")
    def get(self, request):
        return Response(selectors.email_modes(user=request.user))

    @extend_schema(
        request=EmailSettingsSerializer,
        responses=EmailSettingsSerializer,
        summary="Change some of my notification email settings",
    )
    def patch(self, request):
        return self._change(request, partial=True)

    @extend_schema(
        request=EmailSettingsSerializer,
        responses=EmailSettingsSerializer,
        summary="Set all my notification email settings",
    )
    def put(self, request):
        return self._change(request, partial=False)

    def _change(self, request, *, partial: bool) -> Response:
        given = EmailSettingsSerializer(data=request.data, partial=partial)
        given.is_valid(raise_exception=True)
        services.set_email_preferences(user=request.user, modes=given.validated_data)
        return Response(selectors.email_modes(user=request.user))
