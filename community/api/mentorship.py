"""Review requests in the API: a learner's own requests (ask, read, withdraw, reply and
resubmit), the mentors' desk, claims and decisions, and the sections a mentor covers and
watches. The same services and selectors as the pages; the services' refusals map to 400, 403
and 409 (config.api.exception_handler)."""

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from community import mentorship, permissions
from community import mentorship_selectors as selectors
from community.api.permissions import IsModerator
from community.models import ReviewMessage, ReviewRequest
from config.api import NumberedPagination
from roadmap import selectors as roadmap_selectors
from roadmap.models import Project, Roadmap, Section


class ReviewMessageSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", allow_null=True, read_only=True, default=None)

    class Meta:
        model = ReviewMessage
        fields = ["id", "author", "kind", "body", "body_html", "created_at"]
        read_only_fields = fields


class ReviewRequestSerializer(serializers.ModelSerializer):
    learner = serializers.CharField(source="learner.username", read_only=True)
    kind = serializers.SerializerMethodField(help_text="What the work is for: `topic` or `project`.")
    title = serializers.CharField(
        source="subject_title", read_only=True, help_text="The topic's or project's title."
    )
    roadmap = serializers.SlugField(source="roadmap.slug", read_only=True)
    topic = serializers.SlugField(
        source="topic.slug", allow_null=True, default=None, read_only=True, help_text="Null for a project."
    )
    topic_title = serializers.CharField(source="topic.title", allow_null=True, default=None, read_only=True)
    project = serializers.IntegerField(
        source="project_id", allow_null=True, read_only=True, help_text="The project's id; null for a topic."
    )
    project_section = serializers.IntegerField(
        source="project.section_id",
        allow_null=True,
        default=None,
        read_only=True,
        help_text="The id of the project's section (its URL under /api/v1/roadmaps/<slug>/projects/); null for a topic.",
    )
    section = serializers.CharField(source="section.title", read_only=True)
    links = serializers.ListField(child=serializers.URLField(), read_only=True)
    claimed_by = serializers.CharField(
        source="claimed_by.username", allow_null=True, read_only=True, default=None
    )
    decided_by = serializers.CharField(
        source="decided_by.username", allow_null=True, read_only=True, default=None
    )
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = ReviewRequest
        fields = [
            "id",
            "learner",
            "kind",
            "title",
            "roadmap",
            "topic",
            "topic_title",
            "project",
            "project_section",
            "section",
            "state",
            "links",
            "explanation",
            "explanation_html",
            "shares_note",
            "claimed_by",
            "claim_expires_at",
            "decided_by",
            "decided_at",
            "created_at",
            "submitted_at",
            "url",
        ]
        read_only_fields = fields

    def get_kind(self, review) -> str:
        return "project" if review.is_project else "topic"


class ReviewRequestDetailSerializer(ReviewRequestSerializer):
    messages = ReviewMessageSerializer(many=True, read_only=True, source="conversation")
    shared_note = serializers.CharField(
        allow_null=True, read_only=True, help_text="The learner's note, for the mentor reviewing it only."
    )

    class Meta(ReviewRequestSerializer.Meta):
        fields = [*ReviewRequestSerializer.Meta.fields, "messages", "shared_note"]
        read_only_fields = fields


class ReviewRequestCreateSerializer(serializers.Serializer):
    roadmap = serializers.SlugField()
    topic = serializers.SlugField()
    links = serializers.ListField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        default=list,
        help_text="https links to the work: at most 5, each at most 2,000 characters (checked by the "
        "service, whose messages say which rule a link breaks).",
    )
    explanation = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=ReviewRequest.EXPLANATION_MAX
    )
    shares_note = serializers.BooleanField(required=False, default=False)


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(max_length=ReviewMessage.BODY_MAX)
    resubmit = serializers.BooleanField(
        required=False, default=False, help_text="Send a request that needs work back for review."
    )


class DecisionSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=["verified", "needs_work"])
    feedback = serializers.CharField(max_length=ReviewMessage.BODY_MAX)


class DeskFilterSerializer(serializers.Serializer):
    roadmap = serializers.SlugField(required=False, help_text="Only requests on this roadmap.")
    section = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    page = serializers.IntegerField(required=False, min_value=1, max_value=10_000)


class MentorSectionSerializer(serializers.Serializer):
    section = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="A section's id, as the roadmap API gives it."
    )
    watching = serializers.BooleanField(
        required=False, default=False, help_text="Told at once of each review request and new thread in it."
    )
    roadmap = serializers.SlugField(read_only=True)
    title = serializers.CharField(read_only=True)


class MentorSectionsSerializer(serializers.Serializer):
    sections = MentorSectionSerializer(many=True, max_length=1000)

    def validate_sections(self, sections):
        ids = [section["section"] for section in sections]
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError(_("Give each section once."))
        known = set(
            Section.objects.filter(pk__in=ids, roadmap__is_published=True).values_list("pk", flat=True)
        )
        unknown = [pk for pk in ids if pk not in known]
        if unknown:
            raise serializers.ValidationError(
                _("No published section has the id %(id)s.") % {"id": unknown[0]}
            )
        return sections


def _review_for(request, pk) -> ReviewRequest:
    review = (
        ReviewRequest.objects.select_related(
            "learner",
            "topic__roadmap",
            "topic__section",
            "project__section__roadmap",
            "claimed_by",
            "decided_by",
        )
        .filter(pk=pk)
        .first()
    )
    if review is None or not permissions.can_view_review(request.user, review):
        raise Http404(_("No such review request."))
    return review


def _detail(request, pk, *, status_code=status.HTTP_200_OK) -> Response:
    page = selectors.review_page(pk=pk, viewer=request.user)
    page.review.conversation = page.conversation
    page.review.shared_note = page.shared_note.body if page.shared_note else None
    return Response(ReviewRequestDetailSerializer(page.review).data, status=status_code)


class MyReviewRequests(generics.ListAPIView):
    """My review requests, newest first; POST asks for a review of a topic I marked done."""

    serializer_class = ReviewRequestSerializer
    pagination_class = NumberedPagination
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return (
            ReviewRequest.objects.filter(learner=self.request.user)
            .select_related(
                "learner",
                "topic__roadmap",
                "topic__section",
                "project__section__roadmap",
                "claimed_by",
                "decided_by",
            )
            .order_by("-created_at", "-pk")
        )

    @extend_schema(
        request=ReviewRequestCreateSerializer,
        responses={201: ReviewRequestDetailSerializer},
        summary="Ask a mentor to review a done topic",
    )
    def post(self, request):
        given = ReviewRequestCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        topic = roadmap_selectors.published_topic(roadmap_slug=data["roadmap"], topic_slug=data["topic"])
        review = mentorship.request_review(
            learner=request.user,
            topic=topic,
            links=data["links"],
            explanation=data["explanation"],
            shares_note=data["shares_note"],
        )
        return _detail(request, review.pk, status_code=status.HTTP_201_CREATED)


class ProjectHandInSerializer(serializers.Serializer):
    repository = serializers.CharField(
        max_length=ReviewRequest.LINK_MAX_LENGTH, help_text="The https link to the project's repository."
    )
    explanation = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=ReviewRequest.EXPLANATION_MAX,
        help_text="Markdown, optional: what the mentor should know.",
    )


class ProjectHandIn(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ProjectHandInSerializer,
        responses={201: ReviewRequestDetailSerializer},
        summary="Hand in a section's project for a mentor's review",
    )
    def post(self, request, slug, section_id):
        roadmap = roadmap_selectors.published_roadmap(slug=slug)
        project = roadmap_selectors.section_project(roadmap=roadmap, section_id=section_id)
        given = ProjectHandInSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        review = mentorship.request_project_review(
            learner=request.user,
            project=Project.objects.get(pk=project.id),
            repository=given.validated_data["repository"],
            explanation=given.validated_data["explanation"],
        )
        return _detail(request, review.pk, status_code=status.HTTP_201_CREATED)


class ReviewRequestDetail(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ReviewRequestDetailSerializer, summary="A review request with its conversation")
    def get(self, request, pk):
        return _detail(request, pk)


class ReviewWithdraw(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None, responses=ReviewRequestDetailSerializer, summary="Withdraw my review request"
    )
    def post(self, request, pk):
        mentorship.withdraw(learner=request.user, review=_review_for(request, pk))
        return _detail(request, pk)


class ReviewReply(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ReplySerializer,
        responses={201: ReviewRequestDetailSerializer},
        summary="Reply on my review request, and resubmit it",
    )
    def post(self, request, pk):
        review = _review_for(request, pk)
        given = ReplySerializer(data=request.data)
        given.is_valid(raise_exception=True)
        mentorship.reply(author=request.user, review=review, **given.validated_data)
        return _detail(request, pk, status_code=status.HTTP_201_CREATED)


class MentorDesk(generics.ListAPIView):
    """Requests waiting for a mentor: the mentor's sections first, then oldest first."""

    serializer_class = ReviewRequestSerializer
    permission_classes = [IsModerator]

    @extend_schema(
        parameters=[DeskFilterSerializer],
        responses=ReviewRequestSerializer(many=True),
        summary="The mentors' desk",
    )
    def get(self, request):
        filters = DeskFilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        given = filters.validated_data
        roadmap = Roadmap.objects.filter(slug=given["roadmap"]).first() if "roadmap" in given else None
        section = Section.objects.filter(pk=given["section"]).first() if "section" in given else None
        if ("roadmap" in given and roadmap is None) or ("section" in given and section is None):
            return Response([])
        page = selectors.desk(
            mentor=request.user, roadmap=roadmap, section=section, page_number=given.get("page", 1)
        )
        return Response(ReviewRequestSerializer(page.object_list, many=True).data)


class MentorSections(APIView):
    """The sections I cover, in roadmap order, and whether I watch each."""

    permission_classes = [IsModerator]

    def _chosen(self, request) -> Response:
        return Response({"sections": selectors.mentor_section_list(mentor=request.user)})

    @extend_schema(responses=MentorSectionsSerializer, summary="The sections I cover")
    def get(self, request):
        return self._chosen(request)

    @extend_schema(
        request=MentorSectionsSerializer,
        responses=MentorSectionsSerializer,
        summary="Choose the sections I cover and those I watch",
    )
    def put(self, request):
        given = MentorSectionsSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        chosen = given.validated_data["sections"]
        mentorship.set_mentor_sections(
            mentor=request.user,
            section_ids=[row["section"] for row in chosen],
            watched_ids=[row["section"] for row in chosen if row["watching"]],
        )
        return self._chosen(request)


CLAIM_ACTS = {"claim": mentorship.claim, "extend": mentorship.extend, "release": mentorship.release}


class ReviewClaim(APIView):
    """Claim a request, extend my claim, or release it back to the desk."""

    permission_classes = [IsModerator]
    act = "claim"

    @extend_schema(request=None, responses=ReviewRequestDetailSerializer)
    def post(self, request, pk):
        CLAIM_ACTS[self.act](mentor=request.user, review=_review_for(request, pk))
        return _detail(request, pk)


class ReviewDecision(APIView):
    permission_classes = [IsModerator]

    @extend_schema(
        request=DecisionSerializer,
        responses=ReviewRequestDetailSerializer,
        summary="Answer a request I hold: verified or needs work, with feedback",
    )
    def post(self, request, pk):
        review = _review_for(request, pk)
        given = DecisionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        mentorship.decide(mentor=request.user, review=review, **given.validated_data)
        return _detail(request, pk)


def routes():
    return [
        path("me/reviews/", MyReviewRequests.as_view(), name="my-review-list"),
        path(
            "roadmaps/<slug:slug>/projects/<int:section_id>/hand-in/",
            ProjectHandIn.as_view(),
            name="project-hand-in",
        ),
        path("reviews/<int:pk>/", ReviewRequestDetail.as_view(), name="review-detail"),
        path("reviews/<int:pk>/withdraw/", ReviewWithdraw.as_view(), name="review-withdraw"),
        path("reviews/<int:pk>/reply/", ReviewReply.as_view(), name="review-reply"),
        path("reviews/<int:pk>/decision/", ReviewDecision.as_view(), name="review-decision"),
        *(
            path(f"reviews/<int:pk>/{act}/", ReviewClaim.as_view(act=act), name=f"review-{act}")
            for act in CLAIM_ACTS
        ),
        path("mentor/desk/", MentorDesk.as_view(), name="mentor-desk"),
        path("mentor/sections/", MentorSections.as_view(), name="mentor-sections"),
    ]
