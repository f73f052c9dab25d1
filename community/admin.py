from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from accounts.models import User
from community import digest
from community.markdown import render_post
from community.models import (
    Bookmark,
    Comment,
    DigestDelivery,
    Flag,
    Follow,
    MentorSection,
    ModerationAction,
    Notification,
    NotificationEmail,
    OutboxEvent,
    Reaction,
    ReviewMessage,
    ReviewRequest,
    Tag,
    Thread,
    TopicInsight,
)
from config.admin import ReadOnlyAdmin
from config.input_guard import database_id


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "thread_count", "created_at"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["thread_count"]


class CommentInline(admin.TabularInline):
    model = Comment
    fields = ["author", "status", "created_at", "body"]
    raw_id_fields = ["author"]
    readonly_fields = ["created_at"]
    extra = 0
    show_change_link = True
    max_num = 0
    can_delete = False


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "author",
        "status",
        "topic",
        "is_pinned",
        "is_locked",
        "comment_count",
        "reaction_count",
        "created_at",
    ]
    list_filter = ["status", "is_pinned", "is_locked", ("created_at", admin.DateFieldListFilter), "tags"]
    list_select_related = ["author", "topic"]
    search_fields = ["title", "body", "author__username", "author__email"]
    raw_id_fields = ["author", "topic", "accepted_comment"]
    filter_horizontal = ["tags"]
    readonly_fields = [
        "comment_count",
        "reaction_count",
        "like_count",
        "helpful_count",
        "insightful_count",
        "created_at",
        "edited_at",
        "last_activity_at",
    ]
    date_hierarchy = "created_at"
    show_full_result_count = False
    inlines = [CommentInline]

    def save_model(self, request, obj, form, change):
        obj.body_html = render_post(obj.body).html
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        """A reply edited in the thread's inline is rendered as in its own change form."""
        for inline_form in formset.forms:
            if isinstance(inline_form.instance, Comment) and "body" in inline_form.changed_data:
                inline_form.instance.body_html = render_post(inline_form.instance.body).html
        super().save_formset(request, form, formset, change)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["pk", "thread", "author", "status", "reaction_count", "created_at"]
    list_filter = ["status", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["thread", "author"]
    search_fields = ["body", "author__username", "thread__title"]
    raw_id_fields = ["thread", "author", "parent", "reply_to"]
    readonly_fields = [
        "reaction_count",
        "like_count",
        "helpful_count",
        "insightful_count",
        "created_at",
        "edited_at",
    ]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        obj.body_html = render_post(obj.body).html
        super().save_model(request, obj, form, change)


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "thread", "comment", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["user", "thread", "comment"]
    raw_id_fields = ["user", "thread", "comment"]
    show_full_result_count = False


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["user", "thread", "tag", "topic", "created_at"]
    list_select_related = ["user", "thread", "tag", "topic"]
    raw_id_fields = ["user", "thread", "tag", "topic"]
    show_full_result_count = False


@admin.register(Bookmark)
class BookmarkAdmin(admin.ModelAdmin):
    list_display = ["user", "thread", "created_at"]
    list_select_related = ["user", "thread"]
    raw_id_fields = ["user", "thread"]
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "verb", "actor", "thread", "created_at", "read_at"]
    list_filter = ["verb", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["recipient", "actor", "thread"]
    raw_id_fields = ["recipient", "actor", "thread", "comment"]
    show_full_result_count = False


class OutboxStateFilter(admin.SimpleListFilter):
    title = pgettext_lazy("outbox event", "state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("pending", _("Pending (not processed yet)")),
            ("retrying", _("Retrying (failed, will be tried again)")),
            ("failed", _("Failed (given up)")),
            ("processed", pgettext_lazy("outbox event", "Processed")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.pending()
        if self.value() == "retrying":
            return queryset.pending().filter(attempts__gt=0)
        if self.value() == "failed":
            return queryset.failed()
        if self.value() == "processed":
            return queryset.filter(processed_at__isnull=False)
        return queryset


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    """The follow-up work of posts (community.outbox): read-only. The pending backlog should stay
    near zero and failed events should not exist; `manage.py drain_outbox --retry-failed` retries."""

    list_display = ["created_at", "kind", "state", "attempts", "next_attempt_at", "processed_at", "error"]
    list_filter = [OutboxStateFilter, "kind", ("created_at", admin.DateFieldListFilter)]
    show_full_result_count = False

    @admin.display(description=gettext_lazy("last error"))
    def error(self, obj):
        return obj.last_error.strip().splitlines()[-1][:120] if obj.last_error.strip() else ""


@admin.register(ModerationAction)
class ModerationActionAdmin(ReadOnlyAdmin):
    """The audit log: read-only, append-only."""

    list_display = ["created_at", "moderator", "action", "thread", "comment", "target_user", "reason"]
    list_filter = ["action", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["moderator", "thread", "comment", "target_user"]
    search_fields = ["reason", "moderator__username", "target_user__username"]
    show_full_result_count = False


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(ReadOnlyAdmin):
    """What was sent to whom: read-only. Any user's digest can be previewed as it would go out now."""

    list_display = [
        "created_at",
        "user",
        "period_key",
        "status",
        "attempts",
        "sent_at",
        "reason",
        "preview_link",
    ]
    list_filter = ["status", "will_retry", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__username", "period_key"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    change_list_template = "admin/community/digestdelivery/change_list.html"

    def get_urls(self):
        return [
            path(
                "preview/",
                self.admin_site.admin_view(self.preview_lookup_view),
                name="community_digestdelivery_preview_lookup",
            ),
            path(
                "preview/<int:user_id>/",
                self.admin_site.admin_view(self.preview_view),
                name="community_digestdelivery_preview",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("preview"))
    def preview_link(self, obj):
        url = reverse("admin:community_digestdelivery_preview", args=[obj.user_id])
        return format_html('<a href="{}">{}</a>', url, _("Preview"))

    def preview_lookup_view(self, request):
        """?user=<id, email or username> -> that user's preview."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        query = request.GET.get("user", "").strip()
        match = Q(email__iexact=query) | Q(username__iexact=query)
        if database_id(query) is not None:
            match |= Q(pk=database_id(query))
        user = User.objects.filter(match).first() if query else None
        if user is None:
            messages.error(request, _("No user matches “%(query)s”.") % {"query": query})
            return redirect("admin:community_digestdelivery_changelist")
        return redirect("admin:community_digestdelivery_preview", user_id=user.pk)

    def preview_view(self, request, user_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return _digest_preview(
            request, get_object_or_404(User, pk=user_id), admin_context=self.admin_site.each_context(request)
        )


@csp_replace({"style-src": [SELF, UNSAFE_INLINE], "img-src": [SELF, "https:", "data:"]})
def _digest_preview(request, user, *, admin_context):
    """The digest the user would get now (nothing is claimed or sent); the email's inline
    styles need 'unsafe-inline' on this page only."""
    now = timezone.now()
    since = digest.digest_since(user=user, now=now)
    built = digest.build_digest(user, since=since, now=now)
    text, html = built.render() if built else ("", "")
    return TemplateResponse(
        request,
        "admin/community/digestdelivery/preview.html",
        {
            **admin_context,
            "title": _("Digest preview for %(username)s") % {"username": user.username},
            "subject_user": user,
            "is_due": digest.is_due(user, now),
            "since": since,
            "digest": built,
            "text": text,
            "html": html,
            "opts": DigestDelivery._meta,
        },
    )


# The audit log's reason for a decision taken with the flag list's actions (community.notices).
DECIDED_IN_ADMIN = {"resolve": "log-resolved-in-admin", "dismiss": "log-dismissed-in-admin"}


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["created_at", "reason", "status", "reporter", "thread", "comment", "resolved_by"]
    list_filter = ["status", "reason", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["reporter", "thread", "comment", "resolved_by"]
    search_fields = ["note", "reporter__username", "thread__title"]
    raw_id_fields = ["reporter", "thread", "comment", "resolved_by"]
    readonly_fields = ["resolved_by", "resolved_at", "created_at"]
    show_full_result_count = False
    actions = ["resolve", "dismiss"]

    def _decide(self, request, queryset, decision):
        """Decide through the moderation service, so the audit log and the author hear of it."""
        from community import moderation

        done, refused = 0, []
        targets = {
            (flag.thread_id, flag.comment_id): flag for flag in queryset.filter(status=Flag.State.OPEN)
        }
        for flag in targets.values():
            target = flag.comment or flag.thread
            try:
                moderation.resolve_flags(
                    moderator=request.user,
                    target=target,
                    decision=decision,
                    reason_code=DECIDED_IN_ADMIN[decision],
                )
                done += 1
            except (PermissionDenied, ValidationError) as error:
                refused.append(str(error))
        if done:
            self.message_user(
                request,
                ngettext("Decided %(count)s flagged post.", "Decided %(count)s flagged posts.", done)
                % {"count": done},
                messages.SUCCESS,
            )
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    @admin.action(description=gettext_lazy("Resolve: hide the posts and close their flags"))
    def resolve(self, request, queryset):
        self._decide(request, queryset, "resolve")

    @admin.action(description=gettext_lazy("Dismiss: keep the posts and close their flags"))
    def dismiss(self, request, queryset):
        self._decide(request, queryset, "dismiss")


# --- Mentorship -------------------------------------------------------------------------


class ReviewMessageInline(admin.TabularInline):
    model = ReviewMessage
    fields = ["author", "kind", "created_at", "body"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(ReviewRequest)
class ReviewRequestAdmin(admin.ModelAdmin):
    """Review requests, with the review throughput per section above the list. An admin may
    correct a request (its state, its claim); each correction goes to the audit log."""

    list_display = [
        "subject_title",
        "learner",
        "state",
        "claimed_by",
        "claim_expires_at",
        "submitted_at",
        "decided_by",
    ]
    list_filter = ["state", "topic__roadmap"]
    list_select_related = ["topic", "project", "learner", "claimed_by", "decided_by"]
    search_fields = ["learner__username", "topic__slug", "topic__title", "project__title"]
    raw_id_fields = ["learner", "topic", "project", "claimed_by", "decided_by"]
    readonly_fields = ["explanation_html", "created_at", "updated_at", "first_response_at"]
    inlines = [ReviewMessageInline]
    show_full_result_count = False
    change_list_template = "admin/community/reviewrequest/change_list.html"

    @admin.display(description=gettext_lazy("topic or project"))
    def subject_title(self, review):
        return (
            _("Project: %(title)s") % {"title": review.project.title}
            if review.is_project
            else review.topic.title
        )

    def changelist_view(self, request, extra_context=None):
        from community.mentorship_selectors import throughput

        return super().changelist_view(request, {**(extra_context or {}), "throughput": throughput()})

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            ModerationAction.objects.create(
                moderator=request.user,
                action=ModerationAction.Action.REVIEW_CORRECT,
                review=obj,
                target_user=obj.learner,
                reason_code="log-corrected-in-admin",
                details={
                    "project" if obj.is_project else "topic": obj.subject_title,
                    "fields": form.changed_data,
                },
            )


@admin.register(MentorSection)
class MentorSectionAdmin(admin.ModelAdmin):
    list_display = ["mentor", "section", "watching", "created_at"]
    list_filter = ["watching"]
    list_select_related = ["mentor", "section__roadmap"]
    raw_id_fields = ["mentor", "section"]
    search_fields = ["mentor__username", "section__title"]


@admin.register(NotificationEmail)
class NotificationEmailAdmin(ReadOnlyAdmin):
    """Which notification emails went to whom, and how each ended (community.notification_emails):
    read-only, like the digest deliveries."""

    list_display = [
        "claimed_at",
        "recipient",
        "kind",
        "thread",
        "review",
        "status",
        "attempts",
        "sent_at",
        "reason",
    ]
    list_filter = ["status", "kind", "will_retry", ("claimed_at", admin.DateFieldListFilter)]
    list_select_related = ["recipient", "thread", "review"]
    search_fields = ["recipient__email", "recipient__username", "key"]
    raw_id_fields = ["recipient", "thread", "review"]
    date_hierarchy = "claimed_at"
    show_full_result_count = False


@admin.register(TopicInsight)
class TopicInsightAdmin(ReadOnlyAdmin):
    """Where learners get stuck, per topic: recomputed hourly (community.insights); sort by a
    column to find the topics that hold learners longest or lose them."""

    list_display = [
        "topic",
        "learners_now",
        "finished",
        "median_days",
        "p90_days",
        "gave_up",
        "questions",
        "unanswered",
        "reviews_waiting",
        "computed_at",
    ]
    list_filter = ["topic__roadmap", "topic__section"]
    list_select_related = ["topic"]
    search_fields = ["topic__title", "topic__slug"]
    ordering = ["-gave_up"]
