"""Serializers of the community API. Every field is named; everything the server decides
(authors, statuses, counts, ids, slugs, dates) is read-only."""

from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api import UserSummarySerializer
from community import notification_kinds, search
from community.models import (
    Comment,
    EmailPreference,
    Flag,
    Follow,
    FollowLevel,
    ModerationAction,
    Notification,
    Reaction,
    Status,
    Tag,
    Thread,
    WatchLevel,
)
from community.moderation import REASON_MAX, SUSPENSION_MAX_DAYS, validate_suspension_end
from config.api import ApiModelSerializer
from config.language import filled_in
from roadmap.models import Topic

# --- References -------------------------------------------------------------------------


class TagSerializer(ApiModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "name", "description", "thread_count"]
        read_only_fields = fields


class TopicReferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    roadmap = serializers.SlugField(source="roadmap.slug", read_only=True)
    slug = serializers.SlugField(read_only=True)
    title = serializers.CharField(read_only=True)


class ThreadReferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)


class TagSlugsField(serializers.ListField):
    """Tags named by their slugs; each must exist."""

    def __init__(self, **kwargs):
        super().__init__(child=serializers.SlugField(max_length=40), max_length=Thread.MAX_TAGS, **kwargs)

    def to_internal_value(self, data):
        slugs = list(dict.fromkeys(super().to_internal_value(data)))
        tags = {tag.slug: tag for tag in Tag.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in tags]
        if unknown:
            raise serializers.ValidationError(_("Unknown tags: %(tags)s.") % {"tags": ", ".join(unknown)})
        return [tags[slug] for slug in slugs]


class TopicField(serializers.PrimaryKeyRelatedField):
    """A published roadmap topic, by id, or null."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Topic.objects.published(), allow_null=True, **kwargs)


# --- Threads ----------------------------------------------------------------------------


class ThreadSerializer(ApiModelSerializer):
    author = UserSummarySerializer(read_only=True, allow_null=True)
    topic = TopicReferenceSerializer(read_only=True, allow_null=True)
    tags = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    has_answer = serializers.BooleanField(read_only=True)
    accepted_comment_id = serializers.IntegerField(read_only=True, allow_null=True)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Thread
        fields = [
            "id",
            "title",
            "slug",
            "url",
            "author",
            "topic",
            "tags",
            "status",
            "is_pinned",
            "is_locked",
            "has_answer",
            "accepted_comment_id",
            "comment_count",
            "reaction_count",
            "like_count",
            "helpful_count",
            "insightful_count",
            "created_at",
            "edited_at",
            "last_activity_at",
        ]
        read_only_fields = fields


class BookmarkedThreadSerializer(ThreadSerializer):
    """A thread in my bookmarks (its own schema name: that list pages by number)."""


class ViewerStateSerializer(serializers.Serializer):
    """What the signed-in viewer has done and may do on this thread."""

    reactions = serializers.ListField(
        child=serializers.ChoiceField(choices=Reaction.Kind.choices), read_only=True
    )
    is_following = serializers.BooleanField(read_only=True)
    is_bookmarked = serializers.BooleanField(read_only=True)
    can_comment = serializers.BooleanField(read_only=True)
    can_edit = serializers.BooleanField(read_only=True)
    can_delete = serializers.BooleanField(read_only=True)
    can_react = serializers.BooleanField(read_only=True)
    can_flag = serializers.BooleanField(read_only=True)
    can_accept_answer = serializers.BooleanField(read_only=True)
    can_moderate = serializers.BooleanField(read_only=True)


class ThreadDetailSerializer(ThreadSerializer):
    viewer = ViewerStateSerializer(source="viewer_state", read_only=True)

    class Meta(ThreadSerializer.Meta):
        fields = [*ThreadSerializer.Meta.fields, "body", "body_html", "viewer"]
        read_only_fields = fields


class ThreadWriteSerializer(serializers.Serializer):
    title = serializers.CharField(min_length=Thread.TITLE_MIN, max_length=Thread.TITLE_MAX)
    body = serializers.CharField(
        min_length=Thread.BODY_MIN,
        max_length=Thread.BODY_MAX,
        trim_whitespace=False,
        help_text="Markdown. Mention someone with @username.",
    )
    topic = TopicField(
        required=False,
        help_text="The id of a published roadmap topic the thread is about, or null; another id answers 400.",
    )
    tags = TagSlugsField(
        required=False,
        help_text=f"Up to {Thread.MAX_TAGS} slugs of existing tags (GET /tags/); another answers 400.",
    )

    def validate_body(self, body):
        if not body.strip():
            raise serializers.ValidationError(_("Write something in the body."))
        return body


class ThreadFilterSerializer(serializers.Serializer):
    tag = serializers.SlugField(required=False, max_length=40, help_text="Only threads with this tag (slug).")
    topic = serializers.IntegerField(
        required=False, min_value=1, help_text="Only threads on this topic (id)."
    )
    author = serializers.CharField(required=False, max_length=30, help_text="Only threads by this username.")
    answered = serializers.BooleanField(
        required=False, help_text="true: with an accepted answer; false: without."
    )
    q = serializers.CharField(
        required=False,
        max_length=search.MAX_QUERY_LENGTH,
        validators=[
            RegexValidator(
                search.SEARCHABLE_QUERY,
                filled_in(
                    gettext_lazy("Type at least %(count)s characters to search."),
                    count=search.MIN_QUERY_LENGTH,
                ),
            )
        ],
        help_text="Full-text search: the best matches, ranked, in a single page. At least "
        f"{search.MIN_QUERY_LENGTH} characters other than spaces and control characters.",
    )


# --- Comments ---------------------------------------------------------------------------


class CommentSerializer(ApiModelSerializer):
    """A reply to a thread; a deleted one that still holds replies is an empty placeholder."""

    thread_id = serializers.IntegerField(read_only=True)
    parent_id = serializers.IntegerField(read_only=True, allow_null=True)
    author = UserSummarySerializer(read_only=True, allow_null=True)
    reply_to = UserSummarySerializer(read_only=True, allow_null=True)
    is_accepted = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Comment
        fields = [
            "id",
            "thread_id",
            "parent_id",
            "url",
            "author",
            "reply_to",
            "body",
            "body_html",
            "status",
            "is_accepted",
            "reaction_count",
            "like_count",
            "helpful_count",
            "insightful_count",
            "created_at",
            "edited_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_accepted(self, comment) -> bool:
        if "accepted_comment_id" in self.context:
            return self.context["accepted_comment_id"] == comment.pk
        return comment.thread.accepted_comment_id == comment.pk

    def to_representation(self, comment):
        data = super().to_representation(comment)
        if comment.status == Status.REMOVED:
            data["author"] = None
        return data


class CommentWriteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=Comment.BODY_MAX, trim_whitespace=False, help_text="Markdown.")

    def validate_body(self, body):
        if not body.strip():
            raise serializers.ValidationError(_("Write something before you post."))
        return body


class CommentCreateSerializer(CommentWriteSerializer):
    parent = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="The id of the reply this one answers."
    )


class AcceptedAnswerSerializer(serializers.Serializer):
    thread_id = serializers.IntegerField(read_only=True)
    accepted_comment_id = serializers.IntegerField(read_only=True, allow_null=True)


# --- Reactions, flags, follows, bookmarks -----------------------------------------------


class ReactionStateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Reaction.Kind.choices, read_only=True)
    reacted = serializers.BooleanField(read_only=True, help_text="Whether I now give this reaction.")
    reaction_count = serializers.IntegerField(read_only=True)
    like_count = serializers.IntegerField(read_only=True)
    helpful_count = serializers.IntegerField(read_only=True)
    insightful_count = serializers.IntegerField(read_only=True)


class FlagCreateSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Flag.Reason.choices)
    note = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required, with some text, when the reason is other.",
    )


NOT_ONLY_SPACES = r"\S"


class FlagCreateSerializerSchema(OpenApiSerializerExtension):
    """States the service's rule (community.moderation.flag): a reason of "other" needs a note."""

    target_class = FlagCreateSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        other_reasons = [reason for reason in Flag.Reason.values if reason != Flag.Reason.OTHER]
        schema["anyOf"] = [
            {"properties": {"reason": {"type": "string", "enum": other_reasons}}},
            {"properties": {"note": {"pattern": NOT_ONLY_SPACES}}, "required": ["note"]},
        ]
        return schema


class FlagSerializer(ApiModelSerializer):
    class Meta:
        model = Flag
        fields = ["id", "reason", "note", "status", "created_at"]
        read_only_fields = fields


class FollowStateSerializer(serializers.Serializer):
    is_following = serializers.BooleanField(read_only=True)


class WatchLevelSerializer(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=WatchLevel.choices,
        help_text="watching: every reply; normal: replies to my posts and mentions; muted: mentions only.",
    )


class FollowLevelSerializer(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=FollowLevel.choices,
        help_text="none: not following; digest: its threads in my digest; new_threads: also a notification "
        "for each new thread.",
    )


class BookmarkStateSerializer(serializers.Serializer):
    is_bookmarked = serializers.BooleanField(read_only=True)


class FollowSerializer(ApiModelSerializer):
    kind = serializers.SerializerMethodField()
    thread = ThreadReferenceSerializer(read_only=True, allow_null=True)
    tag = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    topic = TopicReferenceSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Follow
        fields = ["id", "kind", "thread", "tag", "topic", "notify_new_threads", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["thread", "tag", "topic"]))
    def get_kind(self, follow) -> str:
        if follow.thread_id:
            return "thread"
        return "tag" if follow.tag_id else "topic"


# --- Notifications ----------------------------------------------------------------------


class NotificationSerializer(ApiModelSerializer):
    actor = UserSummarySerializer(read_only=True, allow_null=True)
    thread = ThreadReferenceSerializer(read_only=True, allow_null=True)
    comment_id = serializers.IntegerField(read_only=True, allow_null=True)
    is_read = serializers.SerializerMethodField()
    message = serializers.CharField(
        source="text", read_only=True, help_text="In the language asked for when the app wrote it."
    )

    class Meta:
        model = Notification
        fields = [
            "id",
            "verb",
            "actor",
            "thread",
            "comment_id",
            "message",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_is_read(self, notification) -> bool:
        return notification.read_at is not None


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        max_length=100,
        required=False,
        help_text="Only these notifications; all of mine when left out.",
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(read_only=True, help_text="How many were unread and are now read.")


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, help_text="true: only unread ones.")


# --- Moderation -------------------------------------------------------------------------


class ModeratorFlagSerializer(ApiModelSerializer):
    reporter = UserSummarySerializer(read_only=True, allow_null=True)
    thread_id = serializers.SerializerMethodField()
    comment_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Flag
        fields = ["id", "reason", "note", "status", "reporter", "thread_id", "comment_id", "created_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_thread_id(self, flag) -> int:
        """The flagged thread, or the thread of the flagged reply."""
        return flag.thread_id or flag.comment.thread_id


class FlaggedCommentSerializer(ApiModelSerializer):
    class Meta:
        model = Comment
        fields = ["id", "body", "status", "created_at"]
        read_only_fields = fields


class FlaggedThreadSerializer(ApiModelSerializer):
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Thread
        fields = ["id", "title", "url", "status", "created_at"]
        read_only_fields = fields


class FlaggedPostSerializer(serializers.Serializer):
    """One flagged post with all its open flags."""

    kind = serializers.ChoiceField(choices=["thread", "comment"], read_only=True)
    thread = FlaggedThreadSerializer(read_only=True)
    comment = FlaggedCommentSerializer(read_only=True, allow_null=True)
    author = UserSummarySerializer(read_only=True, allow_null=True)
    flag_count = serializers.IntegerField(read_only=True)
    reasons = serializers.DictField(child=serializers.IntegerField(), source="reason_counts", read_only=True)
    first_flagged_at = serializers.DateTimeField(source="oldest", read_only=True)
    last_flagged_at = serializers.DateTimeField(source="newest", read_only=True)
    flags = ModeratorFlagSerializer(many=True, read_only=True)


class ModerationActionSerializer(ApiModelSerializer):
    moderator = UserSummarySerializer(read_only=True, allow_null=True)
    target_user = UserSummarySerializer(read_only=True, allow_null=True)
    thread = ThreadReferenceSerializer(read_only=True, allow_null=True)
    comment_id = serializers.IntegerField(read_only=True, allow_null=True)
    details = serializers.DictField(read_only=True)
    reason = serializers.CharField(
        source="reason_text", read_only=True, help_text="In the language asked for when the app wrote it."
    )

    class Meta:
        model = ModerationAction
        fields = [
            "id",
            "action",
            "moderator",
            "target_user",
            "thread",
            "comment_id",
            "reason",
            "details",
            "created_at",
        ]
        read_only_fields = fields


class AuditLogFilterSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ModerationAction.Action.choices, required=False)
    moderator = serializers.CharField(required=False, max_length=30, help_text="The moderator's username.")
    user = serializers.CharField(required=False, max_length=30, help_text="The username acted upon.")
    thread = serializers.IntegerField(required=False, min_value=1, help_text="The thread's id.")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REASON_MAX, help_text="Goes into the audit log and, for most actions, to the author."
    )


class MoveSerializer(ReasonSerializer):
    topic = TopicField(help_text="The id of a published topic, or null for none; another id answers 400.")


class RetagSerializer(ReasonSerializer):
    tags = TagSlugsField(
        help_text=f"The thread's new tags, up to {Thread.MAX_TAGS} slugs of existing tags (GET /tags/); "
        "another answers 400."
    )


class ResolveFlagsSerializer(ReasonSerializer):
    decision = serializers.ChoiceField(
        choices=["resolve", "dismiss"],
        help_text="resolve: the flags are right (the post stays hidden); dismiss: they are not (restored).",
    )


class SuspendSerializer(ReasonSerializer):
    until = serializers.DateTimeField(
        validators=[validate_suspension_end],
        help_text=f"When the suspension ends: must be in the future, at most {SUSPENSION_MAX_DAYS} days ahead.",
    )


class EmailSettingsSerializer(serializers.Serializer):
    """My notification email settings: for each kind (community.notification_kinds, read when
    the serializer is made, so a kind registered later is here too), `now` (an email at once),
    `digest` (in the digest only) or `off`. A PUT gives every kind, a PATCH (partial) some of
    them; other keys are ignored, as everywhere in the API."""

    def get_fields(self):
        return {
            kind.verb: serializers.ChoiceField(
                choices=EmailPreference.Mode.choices,
                help_text=kind.label,
                error_messages={
                    "required": gettext_lazy("Give every kind of notification a setting, or PATCH some.")
                },
            )
            for kind in notification_kinds.kinds()
        }
