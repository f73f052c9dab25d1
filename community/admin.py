from django.contrib import admin

from community.models import Bookmark, Comment, Follow, ModerationAction, Notification, Reaction, Tag, Thread


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
        from community.markdown import render_post

        obj.body_html = render_post(obj.body).html
        super().save_model(request, obj, form, change)


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
        from community.markdown import render_post

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


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """The audit log: read-only, append-only."""

    list_display = ["created_at", "moderator", "action", "thread", "comment", "target_user", "reason"]
    list_filter = ["action", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["moderator", "thread", "comment", "target_user"]
    search_fields = ["reason", "moderator__username", "target_user__username"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
