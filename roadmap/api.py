"""The API for roadmaps: the published roadmaps and topics (from the same cached structure as
the pages, with the viewer's statuses merged in), my progress and notes, and a member's
public progress."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import member_or_404
from config.api import ApiModelSerializer, NumberedPagination
from roadmap import caches, hooks, selectors, services
from roadmap.models import Note, Progress, Resource, Topic

# --- Serializers ------------------------------------------------------------------------


class RoadmapCardSerializer(serializers.Serializer):
    slug = serializers.CharField(source="roadmap.slug", read_only=True)
    title = serializers.CharField(source="roadmap.title", read_only=True)
    summary = serializers.CharField(source="roadmap.summary", read_only=True)
    topic_count = serializers.IntegerField(read_only=True)
    finished = serializers.IntegerField(
        read_only=True, help_text="Topics done or skipped by the viewer (by the member, on a profile)."
    )
    percent = serializers.IntegerField(read_only=True)
    done = serializers.IntegerField(read_only=True, help_text="Of those, the topics marked done.")
    verified = serializers.IntegerField(read_only=True, help_text="Of those, the topics a mentor verified.")
    quizzes_passed = serializers.IntegerField(read_only=True, help_text="Topics whose quiz was passed.")
    updated_at = serializers.DateTimeField(source="roadmap.updated_at", read_only=True)
    url = serializers.CharField(source="roadmap.get_absolute_url", read_only=True)


class ResourceSerializer(serializers.Serializer):
    title = serializers.CharField(read_only=True)
    url = serializers.URLField(read_only=True)
    kind = serializers.ChoiceField(choices=Resource.Kind.choices, read_only=True)
    is_free = serializers.BooleanField(read_only=True)


class MapTopicSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    slug = serializers.SlugField(read_only=True)
    title = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=Topic.Kind.choices, read_only=True)
    is_any_order = serializers.BooleanField(read_only=True)
    status = serializers.ChoiceField(
        choices=Progress.Status.choices,
        allow_null=True,
        read_only=True,
        help_text="Mine; null if not started.",
    )
    is_blocked = serializers.BooleanField(read_only=True, help_text="A prerequisite is not finished yet.")
    is_next_up = serializers.BooleanField(read_only=True)
    is_verified = serializers.BooleanField(read_only=True, help_text="Mine: a mentor verified it.")
    is_quiz_passed = serializers.BooleanField(read_only=True, help_text="Mine: I passed its quiz.")
    prerequisites = serializers.ListField(child=serializers.SlugField(), read_only=True)
    discussion_count = serializers.IntegerField(read_only=True)
    resources = ResourceSerializer(many=True, read_only=True)


class SectionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    project = serializers.CharField(
        allow_null=True, read_only=True, help_text="The section's project's title, if it has one."
    )
    project_url = serializers.CharField(
        allow_null=True, read_only=True, help_text="The project in the API (GET it; POST hand-in/ below it)."
    )
    topics = MapTopicSerializer(many=True, read_only=True)


class RoadmapDetailSerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    title = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    description_html = serializers.CharField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    url = serializers.CharField(read_only=True)
    topic_count = serializers.IntegerField(read_only=True)
    finished = serializers.IntegerField(read_only=True)
    percent = serializers.IntegerField(read_only=True)
    next_up = serializers.SlugField(allow_null=True, read_only=True, help_text="My next topic, if signed in.")
    sections = SectionSerializer(many=True, read_only=True)


class TopicLinkSerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    title = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=Progress.Status.choices, allow_null=True, read_only=True)


class TopicDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    roadmap = serializers.SlugField(read_only=True)
    slug = serializers.SlugField(read_only=True)
    title = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=Topic.Kind.choices, read_only=True)
    section = serializers.CharField(read_only=True)
    body_html = serializers.CharField(read_only=True)
    url = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(
        choices=Progress.Status.choices,
        allow_null=True,
        read_only=True,
        help_text="Mine; null if not started.",
    )
    is_blocked = serializers.BooleanField(read_only=True)
    is_verified = serializers.BooleanField(read_only=True, help_text="Mine: a mentor verified it.")
    is_quiz_passed = serializers.BooleanField(read_only=True, help_text="Mine: I passed its quiz.")
    reviewed_on = serializers.DateField(
        allow_null=True, read_only=True, help_text="When the topic was last reviewed."
    )
    quiz_questions = serializers.IntegerField(
        read_only=True, help_text="How many questions its quiz has (0: none)."
    )
    prerequisites = TopicLinkSerializer(many=True, read_only=True)
    resources = ResourceSerializer(many=True, read_only=True)


class QuizOptionSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True, help_text="What to send to choose this option.")
    text_html = serializers.CharField(read_only=True)


class QuizQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text_html = serializers.CharField(read_only=True)
    is_multiple = serializers.BooleanField(
        read_only=True, help_text="More than one option is right: choose all that apply."
    )
    options = QuizOptionSerializer(many=True, read_only=True)


class QuizSerializer(serializers.Serializer):
    roadmap = serializers.SlugField(read_only=True)
    topic = serializers.SlugField(read_only=True)
    is_passed = serializers.BooleanField(read_only=True, help_text="Mine: I passed this quiz.")
    questions = QuizQuestionSerializer(
        many=True, read_only=True, help_text="Options in a new random order each time."
    )


class QuizAttemptCreateSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.ListField(
            child=serializers.CharField(min_length=1, max_length=12, trim_whitespace=False), max_length=10
        ),
        help_text="For every question, by its id: the keys of the options chosen (one, or several for a question that has several right).",
    )


class MarkedOptionSerializer(serializers.Serializer):
    text_html = serializers.CharField(read_only=True)
    is_correct = serializers.BooleanField(read_only=True)
    was_chosen = serializers.BooleanField(read_only=True)
    explanation_html = serializers.CharField(read_only=True)


class MarkedQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    text_html = serializers.CharField(read_only=True)
    is_multiple = serializers.BooleanField(read_only=True)
    is_right = serializers.BooleanField(read_only=True)
    options = MarkedOptionSerializer(many=True, read_only=True)


class QuizResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="attempt.id", read_only=True)
    roadmap = serializers.SlugField(source="attempt.topic.roadmap.slug", read_only=True)
    topic = serializers.SlugField(source="attempt.topic.slug", read_only=True)
    score = serializers.IntegerField(
        source="attempt.score", read_only=True, help_text="Questions answered right."
    )
    total = serializers.IntegerField(source="attempt.total", read_only=True)
    passed = serializers.BooleanField(
        source="attempt.passed", read_only=True, help_text="Every question right."
    )
    created_at = serializers.DateTimeField(source="attempt.created_at", read_only=True)
    questions = MarkedQuestionSerializer(many=True, read_only=True)


class ProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    roadmap = serializers.SlugField(read_only=True)
    section_id = serializers.IntegerField(read_only=True)
    section = serializers.CharField(source="section_title", read_only=True)
    title = serializers.CharField(read_only=True)
    goal_html = serializers.CharField(read_only=True)
    requirements_html = serializers.ListField(child=serializers.CharField(), read_only=True)
    stretch_html = serializers.CharField(read_only=True)
    hand_in_html = serializers.CharField(read_only=True)
    topics = serializers.ListField(child=serializers.SlugField(), read_only=True)
    url = serializers.CharField(read_only=True)
    hand_in_url = serializers.CharField(read_only=True, help_text="POST the repository here to hand it in.")


class ProgressSerializer(ApiModelSerializer):
    roadmap = serializers.SlugField(source="topic.roadmap.slug", read_only=True)
    topic = serializers.SlugField(source="topic.slug", read_only=True)
    topic_id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(source="topic.title", read_only=True)
    verified_by = serializers.CharField(
        source="verified_by.username",
        allow_null=True,
        read_only=True,
        default=None,
        help_text="The mentor who verified the topic, if one did.",
    )

    class Meta:
        model = Progress
        fields = [
            "roadmap",
            "topic",
            "topic_id",
            "title",
            "status",
            "updated_at",
            "verified_by",
            "verified_at",
            "quiz_passed_at",
        ]
        read_only_fields = fields


class ProgressStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=Progress.Status.choices, help_text="To clear a topic's status, DELETE it instead."
    )


class ProgressCreateSerializer(ProgressStatusSerializer):
    roadmap = serializers.SlugField(max_length=80)
    topic = serializers.SlugField(max_length=80)


class NoteSerializer(ApiModelSerializer):
    roadmap = serializers.SlugField(source="topic.roadmap.slug", read_only=True)
    topic = serializers.SlugField(source="topic.slug", read_only=True)
    topic_id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(source="topic.title", read_only=True)

    class Meta:
        model = Note
        fields = ["roadmap", "topic", "topic_id", "title", "body", "body_html", "updated_at"]
        read_only_fields = fields


class NoteWriteSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=Note.MAX_LENGTH, help_text="Markdown, private to me. To remove the note, DELETE it."
    )


# --- Reads ------------------------------------------------------------------------------


def _resources_by_topic(roadmap) -> dict[int, list[dict]]:
    """Every published topic's resources, cached like the roadmap's structure."""
    return caches.API_RESOURCES.get(roadmap_id=roadmap.pk)


def build_resources(*, roadmap_id: int) -> dict[int, list[dict]]:
    """{topic id: resources} of every published topic of the roadmap, in one query."""
    grouped: dict[int, list[dict]] = {}
    rows = (
        Resource.objects.filter(topic__roadmap_id=roadmap_id, topic__is_published=True)
        .order_by("topic_id", "position", "pk")
        .values("topic_id", "title", "url", "kind", "is_free")
    )
    for row in rows:
        grouped.setdefault(row.pop("topic_id"), []).append(row)
    return grouped


# --- Roadmaps and topics ----------------------------------------------------------------


class RoadmapList(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=RoadmapCardSerializer(many=True), summary="Published roadmaps")
    def get(self, request):
        cards = selectors.roadmap_cards(viewer=request.user)
        return Response(RoadmapCardSerializer(cards, many=True).data)


class RoadmapDetail(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses=RoadmapDetailSerializer,
        summary="A roadmap: its sections, topics and resources, with my statuses",
    )
    def get(self, request, slug):
        roadmap = selectors.published_roadmap(slug=slug)
        roadmap_map = selectors.roadmap_map(
            roadmap=roadmap,
            viewer=request.user,
            discussion_counts=hooks.discussion_counts(roadmap_id=roadmap.pk),
        )
        resources = _resources_by_topic(roadmap)
        data = {
            "slug": roadmap.slug,
            "title": roadmap.title,
            "summary": roadmap.summary,
            "description_html": roadmap.description_html,
            "updated_at": roadmap.updated_at,
            "url": roadmap.get_absolute_url(),
            "topic_count": roadmap_map.total,
            "finished": roadmap_map.finished,
            "percent": roadmap_map.percent,
            "next_up": roadmap_map.next_up.slug if roadmap_map.next_up else None,
            "sections": [
                {
                    "id": section.id,
                    "title": section.title,
                    "description": section.description,
                    "project": section.project_title or None,
                    "project_url": reverse("api:roadmap-project", args=[roadmap.slug, section.id])
                    if section.project_title
                    else None,
                    "topics": [
                        {
                            "id": topic.id,
                            "slug": topic.slug,
                            "title": topic.title,
                            "kind": topic.kind,
                            "is_any_order": topic.is_any_order,
                            "status": topic.status or None,
                            "is_blocked": topic.is_blocked,
                            "is_next_up": topic.is_next_up,
                            "is_verified": topic.is_verified,
                            "is_quiz_passed": topic.is_quiz_passed,
                            "prerequisites": [prerequisite.slug for prerequisite in topic.prerequisites],
                            "discussion_count": topic.discussion_count,
                            "resources": resources.get(topic.id, []),
                        }
                        for topic in section.topics
                    ],
                }
                for section in roadmap_map.sections
            ],
        }
        return Response(RoadmapDetailSerializer(data).data)


class TopicDetail(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=TopicDetailSerializer, summary="A topic: its content, resources and my status")
    def get(self, request, slug, topic):
        roadmap = selectors.published_roadmap(slug=slug)
        content = selectors.topic_content(roadmap=roadmap, slug=topic)
        roadmap_map = selectors.roadmap_map(roadmap=roadmap, viewer=request.user)
        node = roadmap_map.topics_by_id[content.id]
        data = {
            "id": content.id,
            "roadmap": roadmap.slug,
            "slug": content.slug,
            "title": content.title,
            "kind": content.kind,
            "section": content.section_title,
            "body_html": content.body_html,
            "url": reverse("roadmap:topic-detail", kwargs={"slug": roadmap.slug, "topic": content.slug}),
            "status": node.status or None,
            "is_verified": node.is_verified,
            "is_quiz_passed": node.is_quiz_passed,
            "reviewed_on": content.reviewed_on,
            "quiz_questions": len(selectors.quiz(roadmap_id=roadmap.pk, topic_id=content.id)),
            "is_blocked": node.is_blocked,
            "prerequisites": [
                {
                    "slug": prerequisite.slug,
                    "title": prerequisite.title,
                    "status": prerequisite.status or None,
                }
                for prerequisite in node.prerequisites
            ],
            "resources": content.resources,
        }
        return Response(TopicDetailSerializer(data).data)


# --- Quizzes and projects ----------------------------------------------------------------


def _quiz_questions(roadmap, topic_id):
    questions = selectors.quiz(roadmap_id=roadmap.pk, topic_id=topic_id)
    if not questions:
        raise Http404(gettext("This topic has no quiz."))
    return questions


class TopicQuiz(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses=QuizSerializer, summary="A topic's quiz: its questions and options, without the answers"
    )
    def get(self, request, slug, topic):
        roadmap = selectors.published_roadmap(slug=slug)
        content = selectors.topic_content(roadmap=roadmap, slug=topic)
        questions = _quiz_questions(roadmap, content.id)
        _, _, passed = selectors.learner_state(user=request.user, roadmap_id=roadmap.pk)
        data = {
            "roadmap": roadmap.slug,
            "topic": content.slug,
            "is_passed": content.id in passed,
            "questions": selectors.asked_quiz(questions),
        }
        response = Response(QuizSerializer(data).data)
        response["Cache-Control"] = "private, no-store"  # a new order of the options each time
        return response


class TopicQuizAttempts(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=QuizAttemptCreateSerializer,
        responses={201: QuizResultSerializer},
        summary="Answer a topic's quiz: the result comes back with every option's explanation",
    )
    def post(self, request, slug, topic):
        topic_obj = selectors.published_topic(roadmap_slug=slug, topic_slug=topic)
        given = QuizAttemptCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            attempt = services.submit_quiz_attempt(
                user=request.user, topic=topic_obj, answers=given.validated_data["answers"]
            )
        except services.TooManyAttempts as error:
            raise exceptions.Throttled(wait=error.retry_after, detail=str(error)) from None
        except ValidationError as error:
            if error.code == "no_quiz":
                raise Http404(gettext("This topic has no quiz.")) from None
            raise
        result = selectors.quiz_result(attempt=attempt, roadmap_id=topic_obj.roadmap_id)
        return Response(QuizResultSerializer(result).data, status=status.HTTP_201_CREATED)


class QuizAttemptDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=QuizResultSerializer, summary="One of my quiz attempts, marked, with the explanations"
    )
    def get(self, request, pk):
        attempt = selectors.quiz_attempt_for(user=request.user, attempt_id=pk)
        result = selectors.quiz_result(attempt=attempt, roadmap_id=attempt.topic.roadmap_id)
        return Response(QuizResultSerializer(result).data)


class SectionProject(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses=ProjectSerializer, summary="A section's project: goal, requirements, stretch goal, hand-in"
    )
    def get(self, request, slug, section_id):
        roadmap = selectors.published_roadmap(slug=slug)
        project = selectors.section_project(roadmap=roadmap, section_id=section_id)
        data = {
            **{name: getattr(project, name) for name in ("id", "section_id", "section_title", "title")},
            **{name: getattr(project, name) for name in ("goal_html", "stretch_html", "hand_in_html")},
            "roadmap": roadmap.slug,
            "requirements_html": list(project.requirements_html),
            "topics": [topic["slug"] for topic in project.topics],
            "url": reverse("roadmap:project-detail", args=[roadmap.slug, section_id]),
            "hand_in_url": reverse("api:project-hand-in", args=[roadmap.slug, section_id]),
        }
        return Response(ProjectSerializer(data).data)


# --- My progress and notes --------------------------------------------------------------


class RoadmapFilterSerializer(serializers.Serializer):
    roadmap = serializers.SlugField(required=False, max_length=80, help_text="Only this roadmap (its slug).")


def _roadmap_filter(request) -> str | None:
    filters = RoadmapFilterSerializer(data=request.query_params.dict())
    filters.is_valid(raise_exception=True)
    return filters.validated_data.get("roadmap")


class ProgressList(generics.ListAPIView):
    """My status on each topic I started, roadmap by roadmap in map order."""

    serializer_class = ProgressSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = NumberedPagination

    def get_queryset(self):
        return selectors.progress_list(user=self.request.user, roadmap_slug=_roadmap_filter(self.request))

    @extend_schema(parameters=[RoadmapFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ProgressCreateSerializer,
        responses=ProgressSerializer,
        summary="Set my status on a topic (by roadmap and topic slug)",
    )
    def post(self, request):
        given = ProgressCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        topic = selectors.published_topic(
            roadmap_slug=given.validated_data["roadmap"], topic_slug=given.validated_data["topic"]
        )
        progress = services.set_progress(
            user=request.user, topic=topic, status=given.validated_data["status"]
        )
        return Response(ProgressSerializer(progress).data)


class ProgressDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ProgressSerializer, summary="My status on one topic")
    def get(self, request, slug, topic):
        topic = selectors.published_topic(roadmap_slug=slug, topic_slug=topic)
        progress = selectors.progress_for(user=request.user, topic_id=topic.pk)
        if progress is None:
            raise Http404(gettext("You have not started this topic."))
        progress.topic = topic
        return Response(ProgressSerializer(progress).data)

    @extend_schema(request=ProgressStatusSerializer, responses=ProgressSerializer, summary="Set my status")
    def put(self, request, slug, topic):
        topic = selectors.published_topic(roadmap_slug=slug, topic_slug=topic)
        given = ProgressStatusSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        progress = services.set_progress(
            user=request.user, topic=topic, status=given.validated_data["status"]
        )
        return Response(ProgressSerializer(progress).data)

    @extend_schema(responses={204: None}, summary="Clear my status")
    def delete(self, request, slug, topic):
        topic = selectors.published_topic(roadmap_slug=slug, topic_slug=topic)
        services.set_progress(user=request.user, topic=topic, status=services.CLEAR)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NoteList(generics.ListAPIView):
    """My private notes, roadmap by roadmap in map order."""

    serializer_class = NoteSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = NumberedPagination

    def get_queryset(self):
        # Only what the reader can open, so each note listed also answers at its own URL.
        return selectors.notes_list(user=self.request.user, roadmap_slug=_roadmap_filter(self.request))

    @extend_schema(parameters=[RoadmapFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NoteDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=NoteSerializer, summary="My note on one topic")
    def get(self, request, slug, topic):
        topic = selectors.published_topic(roadmap_slug=slug, topic_slug=topic)
        note = selectors.note_for(user=request.user, topic_id=topic.pk)
        if note is None:
            raise Http404(gettext("You have no note on this topic."))
        note.topic = topic
        return Response(NoteSerializer(note).data)

    @extend_schema(request=NoteWriteSerializer, responses=NoteSerializer, summary="Write my note")
    def put(self, request, slug, topic):
        topic = selectors.published_topic(roadmap_slug=slug, topic_slug=topic)
        given = NoteWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        note = services.save_note(user=request.user, topic=topic, body=given.validated_data["body"])
        return Response(NoteSerializer(note).data)

    @extend_schema(responses={204: None}, summary="Remove my note")
    def delete(self, request, slug, topic):
        topic = selectors.published_topic(roadmap_slug=slug, topic_slug=topic)
        services.save_note(user=request.user, topic=topic, body="")
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Public progress --------------------------------------------------------------------


class PublicProgress(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses=RoadmapCardSerializer(many=True),
        summary="A member's progress per roadmap, if they made it public",
    )
    def get(self, request, username):
        member = member_or_404(username)
        section = selectors.profile_progress_section(profile_user=member, viewer=request.user)
        if section is None:
            raise Http404(gettext("This member keeps their progress private."))
        return Response(RoadmapCardSerializer(section["cards"], many=True).data)


urlpatterns = [
    path("roadmaps/", RoadmapList.as_view(), name="roadmap-list"),
    path("roadmaps/<slug:slug>/", RoadmapDetail.as_view(), name="roadmap-detail"),
    path("roadmaps/<slug:slug>/topics/<slug:topic>/", TopicDetail.as_view(), name="topic-detail"),
    path("roadmaps/<slug:slug>/topics/<slug:topic>/quiz/", TopicQuiz.as_view(), name="topic-quiz"),
    path(
        "roadmaps/<slug:slug>/topics/<slug:topic>/quiz/attempts/",
        TopicQuizAttempts.as_view(),
        name="topic-quiz-attempts",
    ),
    path("roadmaps/<slug:slug>/projects/<int:section_id>/", SectionProject.as_view(), name="roadmap-project"),
    path("me/quiz-attempts/<int:pk>/", QuizAttemptDetail.as_view(), name="quiz-attempt-detail"),
    path("me/progress/", ProgressList.as_view(), name="progress-list"),
    path("me/progress/<slug:slug>/<slug:topic>/", ProgressDetail.as_view(), name="progress-detail"),
    path("me/notes/", NoteList.as_view(), name="note-list"),
    path("me/notes/<slug:slug>/<slug:topic>/", NoteDetail.as_view(), name="note-detail"),
    path("users/<str:username>/progress/", PublicProgress.as_view(), name="user-progress"),
]
