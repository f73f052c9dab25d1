"""Threads, comments, reactions, flags, follows, bookmarks and tags.

Threads and comments are looked up through the same visibility rules as the pages: a thread
someone may not see answers 404, exactly like one that does not exist. Reactions, follows and
bookmarks are set by POST and cleared by DELETE, each through its own service, so that a
client can repeat a request safely, even while the first one is still running.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from community import moderation, permissions, selectors, services
from community import search as search_selectors
from community.api.permissions import CanChangePost, CanFollow, CanPost
from community.api.serializers import (
    AcceptedAnswerSerializer,
    BookmarkStateSerializer,
    CommentCreateSerializer,
    CommentSerializer,
    CommentWriteSerializer,
    FlagCreateSerializer,
    FlagSerializer,
    FollowLevelSerializer,
    FollowStateSerializer,
    ReactionStateSerializer,
    TagSerializer,
    ThreadDetailSerializer,
    ThreadFilterSerializer,
    ThreadSerializer,
    ThreadWriteSerializer,
    WatchLevelSerializer,
)
from community.caches import API_THREADS
from community.models import Comment, Reaction, Tag, Thread, WatchLevel
from config.api import NewestFirstCursorPagination, OldestFirstCursorPagination
from roadmap import selectors as roadmap_selectors

SEARCH_LIMIT = 50


def viewer_state(thread: Thread, viewer) -> dict:
    """What the viewer did on the thread (the page's own selector) and may do there."""
    state = selectors.viewer_state(thread=thread, viewer=viewer)
    return {
        "reactions": sorted(kind for target, _, kind in state.reactions if target == "thread"),
        "is_following": state.follows_thread,
        "is_bookmarked": state.bookmarked,
        "can_comment": permissions.can_comment(viewer, thread),
        "can_edit": permissions.can_edit(viewer, thread),
        "can_delete": permissions.can_delete(viewer, thread),
        "can_react": permissions.can_react(viewer, thread),
        "can_flag": permissions.can_flag(viewer, thread),
        "can_accept_answer": permissions.can_accept_answer(viewer, thread),
        "can_moderate": permissions.can_moderate_content(viewer, thread),
    }


def _thread_detail(thread: Thread, viewer) -> dict:
    thread.viewer_state = viewer_state(thread, viewer)
    return ThreadDetailSerializer(thread).data


# --- Threads ----------------------------------------------------------------------------


class ThreadList(generics.ListAPIView):
    """Threads, newest first; mentors also see hidden ones, authors their own hidden ones.
    With `q`, the best matches of a full-text search over published threads, in one page."""

    serializer_class = ThreadSerializer
    pagination_class = NewestFirstCursorPagination
    permission_classes = [IsAuthenticatedOrReadOnly, CanPost]

    def get_filters(self) -> dict:
        if not hasattr(self, "_filters"):
            filters = ThreadFilterSerializer(data=self.request.query_params.dict())
            filters.is_valid(raise_exception=True)
            self._filters = filters.validated_data
        return self._filters

    def get_queryset(self):
        given = self.get_filters()
        return selectors.thread_list(
            viewer=self.request.user,
            tag=given.get("tag", ""),
            topic_id=given.get("topic"),
            author=given.get("author"),
            answered=given.get("answered"),
        )

    @extend_schema(parameters=[ThreadFilterSerializer], summary="Threads (filter, search)")
    def get(self, request):
        if request.user.is_authenticated:  # authors see their own hidden threads
            return Response(self.page_data(request))
        # Anonymous visitors all see the same page for the same filters: it is cached until any
        # list changes (the lists token), keyed by the validated filters and the page (and the
        # host, for the absolute links), so that junk query strings cannot fill the cache.
        # Parameters the view does not read are answered, not kept.
        # Only first pages are kept: a cursor is free text, so later pages are answered uncached.
        size_parameter = self.paginator.page_size_query_param
        if not set(request.query_params) <= {*ThreadFilterSerializer().fields, size_parameter}:
            return Response(self.page_data(request))
        filters = sorted((name, value) for name, value in self.get_filters().items() if value is not None)
        page_size = self.paginator.get_page_size(request)  # validated, capped: "010" is 10
        data = API_THREADS.get(
            host=request.build_absolute_uri("/"),
            filters=repr(filters),
            page_size=page_size,
            build=lambda: self.page_data(request),
        )
        return Response(data)

    def page_data(self, request) -> dict:
        threads = self.get_queryset()
        query = self.get_filters().get("q")
        if query is None:
            page = self.paginate_queryset(threads)
            return self.get_paginated_response(self.get_serializer(page, many=True).data).data
        self.paginator.get_page_size(request)  # one page of matches, but a wrong size is still refused
        results = search_selectors.search(query=query, viewer=request.user, limit=SEARCH_LIMIT)
        if not results.searched:
            raise serializers.ValidationError({"q": [results.message]})
        rank = {thread.pk: index for index, thread in enumerate(results.threads)}
        matches = sorted(threads.filter(pk__in=list(rank)), key=lambda thread: rank[thread.pk])
        return {"next": None, "previous": None, "results": self.get_serializer(matches, many=True).data}

    @extend_schema(
        request=ThreadWriteSerializer,
        responses={201: ThreadDetailSerializer},
        summary="Start a thread",
        description="The posting rules of the site apply: a verified email, no suspension, and the "
        "hourly (and, for new members, daily) limits, answered with 429 `rate_limited`.",
    )
    def post(self, request):
        given = ThreadWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        thread = services.create_thread(
            author=request.user,
            title=given.validated_data["title"],
            body=given.validated_data["body"],
            topic=given.validated_data.get("topic"),
            tags=given.validated_data.get("tags", []),
        )
        thread = selectors.visible_thread(pk=thread.pk, viewer=request.user)
        return Response(_thread_detail(thread, request.user), status=status.HTTP_201_CREATED)


class ThreadDetail(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly, CanChangePost]

    def get_object(self, pk) -> Thread:
        thread = selectors.visible_thread(pk=pk, viewer=self.request.user)
        self.check_object_permissions(self.request, thread)
        return thread

    @extend_schema(responses=ThreadDetailSerializer, summary="A thread, with what I did and may do on it")
    def get(self, request, pk):
        return Response(_thread_detail(self.get_object(pk), request.user))

    @extend_schema(
        request=ThreadWriteSerializer(partial=True),
        responses=ThreadDetailSerializer,
        summary="Edit my thread (only the fields sent change)",
    )
    def patch(self, request, pk):
        thread = self.get_object(pk)
        given = ThreadWriteSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        changes = given.validated_data
        services.edit_thread(
            thread=thread,
            editor=request.user,
            title=changes.get("title", thread.title),
            body=changes.get("body", thread.body),
            topic=changes["topic"] if "topic" in changes else thread.topic,
            tags=changes["tags"] if "tags" in changes else list(thread.tags.all()),
        )
        thread = selectors.visible_thread(pk=thread.pk, viewer=request.user)
        return Response(_thread_detail(thread, request.user))

    @extend_schema(responses={204: None}, summary="Delete my thread")
    def delete(self, request, pk):
        services.delete_thread(thread=self.get_object(pk), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Comments ---------------------------------------------------------------------------


class CommentList(generics.ListAPIView):
    """A thread's replies, oldest first; a reply to a reply carries its parent's id."""

    serializer_class = CommentSerializer
    pagination_class = OldestFirstCursorPagination
    permission_classes = [IsAuthenticatedOrReadOnly, CanPost]

    def get_queryset(self):
        self.thread = selectors.visible_thread(pk=self.kwargs["pk"], viewer=self.request.user)
        return selectors.visible_comments(self.thread, self.request.user).select_related("author", "reply_to")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "thread"):
            context["accepted_comment_id"] = self.thread.accepted_comment_id
        return context

    @extend_schema(summary="A thread's replies")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer}, summary="Reply")
    def post(self, request, pk):
        thread = selectors.visible_thread(pk=pk, viewer=request.user)
        given = CommentCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        parent = None
        if given.validated_data.get("parent"):
            parent = (
                selectors.visible_comments(thread, request.user)
                .filter(pk=given.validated_data["parent"])
                .first()
            )
            if parent is None:
                raise serializers.ValidationError({"parent": [_("There is no such reply in this thread.")]})
        comment = services.create_comment(
            thread=thread, author=request.user, body=given.validated_data["body"], parent=parent
        )
        comment = selectors.visible_comment(pk=comment.pk, viewer=request.user)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class CommentDetail(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly, CanChangePost]

    def get_object(self, pk) -> Comment:
        comment = selectors.visible_comment(pk=pk, viewer=self.request.user)
        self.check_object_permissions(self.request, comment)
        return comment

    @extend_schema(responses=CommentSerializer, summary="A reply")
    def get(self, request, pk):
        return Response(CommentSerializer(self.get_object(pk)).data)

    @extend_schema(
        request=CommentWriteSerializer(partial=True),
        responses=CommentSerializer,
        summary="Edit my reply (only the fields sent change)",
    )
    def patch(self, request, pk):
        comment = self.get_object(pk)
        given = CommentWriteSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        if "body" in given.validated_data:  # an edit that sends nothing changes nothing, as PATCH does
            services.edit_comment(comment=comment, editor=request.user, body=given.validated_data["body"])
        return Response(CommentSerializer(selectors.visible_comment(pk=pk, viewer=request.user)).data)

    @extend_schema(responses={204: None}, summary="Delete my reply")
    def delete(self, request, pk):
        services.delete_comment(comment=self.get_object(pk), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AcceptedAnswer(APIView):
    """The thread's author or a mentor marks a reply as the accepted answer (or unmarks it)."""

    permission_classes = [IsAuthenticated]

    def _answer(self, request, pk, *, accept: bool):
        comment = selectors.visible_comment(pk=pk, viewer=request.user)
        thread = comment.thread
        if not permissions.can_accept_answer(request.user, thread):
            raise PermissionDenied(_("Only the thread's author or a mentor can accept an answer."))
        if (thread.accepted_comment_id == comment.pk) != accept:
            services.accept_answer(thread=thread, comment=comment, user=request.user)
        return Response({"thread_id": thread.pk, "accepted_comment_id": thread.accepted_comment_id})

    @extend_schema(
        request=None, responses=AcceptedAnswerSerializer, summary="Accept this reply as the answer"
    )
    def post(self, request, pk):
        return self._answer(request, pk, accept=True)

    @extend_schema(responses={200: AcceptedAnswerSerializer}, summary="Unmark this reply as the answer")
    def delete(self, request, pk):
        return self._answer(request, pk, accept=False)


# --- Reactions --------------------------------------------------------------------------

KIND_PARAMETER = OpenApiParameter(
    "kind", str, location=OpenApiParameter.PATH, enum=Reaction.Kind.values, description="The reaction."
)


class ReactionView(APIView):
    """POST gives the reaction, DELETE takes it back; repeating either changes nothing."""

    permission_classes = [IsAuthenticated]
    target_kind = "thread"

    def get_target(self, request, pk):
        if self.target_kind == "thread":
            return selectors.visible_thread(pk=pk, viewer=request.user)
        return selectors.visible_comment(pk=pk, viewer=request.user)

    def _set_or_clear(self, request, pk, kind, *, on: bool):
        if kind not in Reaction.Kind.values:
            raise Http404(_("Unknown reaction: use like, helpful or insightful."))
        target = self.get_target(request, pk)
        change = services.reaction_set if on else services.reaction_clear
        change(user=request.user, target=target, kind=kind)
        target.refresh_from_db(fields=["reaction_count", "like_count", "helpful_count", "insightful_count"])
        return Response(
            {
                "kind": kind,
                "reacted": on,
                "reaction_count": target.reaction_count,
                "like_count": target.like_count,
                "helpful_count": target.helpful_count,
                "insightful_count": target.insightful_count,
            }
        )

    @extend_schema(
        request=None,
        parameters=[KIND_PARAMETER],
        responses=ReactionStateSerializer,
        summary="Give a reaction",
    )
    def post(self, request, pk, kind):
        return self._set_or_clear(request, pk, kind, on=True)

    @extend_schema(
        parameters=[KIND_PARAMETER], responses={200: ReactionStateSerializer}, summary="Take a reaction back"
    )
    def delete(self, request, pk, kind):
        return self._set_or_clear(request, pk, kind, on=False)


class CommentReactionView(ReactionView):
    target_kind = "comment"


# --- Flags ------------------------------------------------------------------------------


class FlagView(APIView):
    """Report a post to the mentors; the third open flag hides it until a mentor decides."""

    permission_classes = [IsAuthenticated, CanPost]
    target_kind = "thread"

    @extend_schema(request=FlagCreateSerializer, responses={201: FlagSerializer}, summary="Flag a post")
    def post(self, request, pk):
        if self.target_kind == "thread":
            target = selectors.visible_thread(pk=pk, viewer=request.user)
        else:
            target = selectors.visible_comment(pk=pk, viewer=request.user)
        given = FlagCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        flag = moderation.flag(reporter=request.user, target=target, **given.validated_data)
        return Response(FlagSerializer(flag).data, status=status.HTTP_201_CREATED)


class CommentFlagView(FlagView):
    target_kind = "comment"


# --- Follows and bookmarks --------------------------------------------------------------


class _SetOrClearView(APIView):
    """POST sets, DELETE clears, each through its service, so that a repeated request (even
    one sent while the first is still running) changes nothing more. Follows by default."""

    permission_classes = [CanFollow]
    state_name = "is_following"

    def target(self, request, **kwargs) -> dict:
        raise NotImplementedError

    def set_state(self, request, target: dict) -> None:
        services.follow_set(user=request.user, **target)

    def clear_state(self, request, target: dict) -> None:
        services.follow_clear(user=request.user, **target)

    def _set_or_clear(self, request, on: bool, **kwargs):
        target = self.target(request, **kwargs)
        (self.set_state if on else self.clear_state)(request, target)
        return Response({self.state_name: on})


class ThreadFollow(_SetOrClearView):
    """Follow a thread: a notification for every reply (the watch level "watching", which
    lifts a mute)."""

    def target(self, request, pk):
        return {"thread": selectors.visible_thread(pk=pk, viewer=request.user)}

    def set_state(self, request, target: dict) -> None:
        services.watch_level_set(user=request.user, level=WatchLevel.WATCHING, **target)

    @extend_schema(request=None, responses=FollowStateSerializer, summary="Follow a thread")
    def post(self, request, pk):
        return self._set_or_clear(request, True, pk=pk)

    @extend_schema(responses={200: FollowStateSerializer}, summary="Unfollow a thread")
    def delete(self, request, pk):
        return self._set_or_clear(request, False, pk=pk)


class ThreadWatch(APIView):
    """My watch level of a thread: `watching` (every reply), `normal` (replies to my posts and
    mentions) or `muted` (mentions only)."""

    permission_classes = [CanFollow]

    @extend_schema(responses=WatchLevelSerializer, summary="My watch level of a thread")
    def get(self, request, pk):
        thread = selectors.visible_thread(pk=pk, viewer=request.user)
        return Response({"level": selectors.viewer_state(thread=thread, viewer=request.user).watch_level})

    @extend_schema(request=WatchLevelSerializer, responses=WatchLevelSerializer, summary="Set my watch level")
    def put(self, request, pk):
        thread = selectors.visible_thread(pk=pk, viewer=request.user)
        given = WatchLevelSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.watch_level_set(user=request.user, thread=thread, level=given.validated_data["level"])
        return Response({"level": given.validated_data["level"]})


class _FollowLevel:
    """PUT `{"level": "none" | "digest" | "new_threads"}`: how I follow it (FollowLevel);
    new_threads also notifies me of each new thread there."""

    def put(self, request, **kwargs):
        target = self.target(request, **kwargs)
        given = FollowLevelSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.follow_level_set(user=request.user, level=given.validated_data["level"], **target)
        return Response({"level": given.validated_data["level"]})


class TagFollow(_FollowLevel, _SetOrClearView):
    """Follow a tag: its new threads come in my digest."""

    def target(self, request, slug):
        return {"tag": get_object_or_404(Tag, slug=slug)}

    @extend_schema(request=None, responses=FollowStateSerializer, summary="Follow a tag")
    def post(self, request, slug):
        return self._set_or_clear(request, True, slug=slug)

    @extend_schema(responses={200: FollowStateSerializer}, summary="Unfollow a tag")
    def delete(self, request, slug):
        return self._set_or_clear(request, False, slug=slug)

    @extend_schema(
        request=FollowLevelSerializer, responses=FollowLevelSerializer, summary="Set how I follow a tag"
    )
    def put(self, request, slug):
        return super().put(request, slug=slug)


class TopicFollow(_FollowLevel, _SetOrClearView):
    """Follow a roadmap topic: its new threads come in my digest."""

    def target(self, request, slug, topic):
        return {"topic": roadmap_selectors.published_topic(roadmap_slug=slug, topic_slug=topic)}

    @extend_schema(request=None, responses=FollowStateSerializer, summary="Follow a roadmap topic")
    def post(self, request, slug, topic):
        return self._set_or_clear(request, True, slug=slug, topic=topic)

    @extend_schema(responses={200: FollowStateSerializer}, summary="Unfollow a roadmap topic")
    def delete(self, request, slug, topic):
        return self._set_or_clear(request, False, slug=slug, topic=topic)

    @extend_schema(
        request=FollowLevelSerializer,
        responses=FollowLevelSerializer,
        summary="Set how I follow a roadmap topic",
    )
    def put(self, request, slug, topic):
        return super().put(request, slug=slug, topic=topic)


class ThreadBookmark(_SetOrClearView):
    """Save a thread for later (my bookmarks)."""

    state_name = "is_bookmarked"

    def target(self, request, pk):
        return {"thread": selectors.visible_thread(pk=pk, viewer=request.user)}

    def set_state(self, request, target):
        services.bookmark_set(user=request.user, **target)

    def clear_state(self, request, target):
        services.bookmark_clear(user=request.user, **target)

    @extend_schema(request=None, responses=BookmarkStateSerializer, summary="Save a thread for later")
    def post(self, request, pk):
        return self._set_or_clear(request, True, pk=pk)

    @extend_schema(responses={200: BookmarkStateSerializer}, summary="Unsave a thread")
    def delete(self, request, pk):
        return self._set_or_clear(request, False, pk=pk)


# --- Tags -------------------------------------------------------------------------------


class TagList(generics.ListAPIView):
    """The curated tags a thread can carry."""

    serializer_class = TagSerializer
    permission_classes = [AllowAny]

    def get_queryset(self):
        return selectors.curated_tags()
