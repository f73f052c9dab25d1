from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Q

from config.admin import ReadOnlyAdmin
from roadmap.models import Note, Progress, ProgressEvent, Resource, Roadmap, Section, Topic


class SectionInline(admin.TabularInline):
    model = Section
    fields = ["position", "title", "description"]
    extra = 0
    ordering = ["position"]


@admin.register(Roadmap)
class RoadmapAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "is_published", "position", "section_count", "topic_count", "updated_at"]
    list_editable = ["position"]
    list_filter = ["is_published"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [SectionInline]
    actions = ["publish", "unpublish"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                section_total=Count("sections", distinct=True),
                topic_total=Count("topics", filter=Q(topics__is_published=True), distinct=True),
            )
        )

    @admin.display(description="sections", ordering="section_total")
    def section_count(self, roadmap):
        return roadmap.section_total

    @admin.display(description="published topics", ordering="topic_total")
    def topic_count(self, roadmap):
        return roadmap.topic_total

    @admin.action(description="Publish selected roadmaps")
    def publish(self, request, queryset):
        for roadmap in queryset:
            roadmap.is_published = True
            roadmap.save(update_fields=["is_published", "updated_at"])
        self.message_user(request, f"Published {queryset.count()} roadmap(s).", messages.SUCCESS)

    @admin.action(description="Unpublish selected roadmaps")
    def unpublish(self, request, queryset):
        for roadmap in queryset:
            roadmap.is_published = False
            roadmap.save(update_fields=["is_published", "updated_at"])
        self.message_user(request, f"Unpublished {queryset.count()} roadmap(s).", messages.SUCCESS)


class ResourceInline(admin.TabularInline):
    model = Resource
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = ["position", "title", "url", "kind", "is_free"]
    extra = 1
    ordering = ["position"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "slug",
        "roadmap",
        "section",
        "kind",
        "is_published",
        "position",
        "resource_count",
    ]
    list_editable = ["position"]
    list_filter = ["roadmap", "section", "kind", "is_published", "is_any_order"]
    list_select_related = ["roadmap", "section__roadmap"]
    search_fields = ["title", "slug", "body"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["prerequisites"]
    ordering = ["roadmap", "position"]
    inlines = [ResourceInline]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "roadmap",
                    "section",
                    "title",
                    "slug",
                    "kind",
                    "is_any_order",
                    "is_published",
                    "position",
                ]
            },
        ),
        ("Content", {"fields": ["body", "prerequisites"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(resource_total=Count("resources"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "section":
            kwargs["queryset"] = Section.objects.select_related("roadmap")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="resources", ordering="resource_total")
    def resource_count(self, topic):
        return topic.resource_total

    def _set_published(self, request, queryset, value):
        changed = 0
        for topic in queryset.select_related("roadmap"):
            topic.is_published = value
            topic.save(update_fields=["is_published", "updated_at"])
            changed += 1
        verb = "Published" if value else "Unpublished"
        self.message_user(request, f"{verb} {changed} topic(s).", messages.SUCCESS)

    @admin.action(description="Publish selected topics")
    def publish(self, request, queryset):
        self._set_published(request, queryset, True)

    @admin.action(description="Unpublish selected topics (progress and notes are kept)")
    def unpublish(self, request, queryset):
        self._set_published(request, queryset, False)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["title", "roadmap", "position", "topic_count"]
    list_filter = ["roadmap"]
    list_select_related = ["roadmap"]
    search_fields = ["title"]
    ordering = ["roadmap", "position"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(topic_total=Count("topics"))

    @admin.display(description="topics", ordering="topic_total")
    def topic_count(self, section):
        return section.topic_total


@admin.register(Progress)
class ProgressAdmin(admin.ModelAdmin):
    list_display = ["user", "topic", "status", "verified_by", "verified_at", "updated_at"]
    list_filter = ["status", "topic__roadmap"]
    list_select_related = ["user", "topic", "verified_by"]
    search_fields = ["user__username", "user__email", "topic__slug"]
    raw_id_fields = ["user", "topic", "verified_by"]
    show_full_result_count = False


@admin.register(ProgressEvent)
class ProgressEventAdmin(ReadOnlyAdmin):
    """The history is appended by the Progress model (roadmap.history): read here, never edited."""

    list_display = ["created_at", "user", "topic", "kind", "source"]
    list_filter = ["kind", "source", "topic__roadmap"]
    list_select_related = ["user", "topic"]
    search_fields = ["user__username", "topic__slug"]
    show_full_result_count = False


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    """Notes are private: admins see that they exist, not what they say."""

    list_display = ["user", "topic", "updated_at"]
    list_select_related = ["user", "topic"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "topic"]
    show_full_result_count = False
    fields = ["user", "topic", "updated_at"]
    readonly_fields = ["user", "topic", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
