from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from config.admin import ReadOnlyAdmin
from roadmap.models import (
    Note,
    Progress,
    ProgressEvent,
    Project,
    QuizAttempt,
    QuizOption,
    QuizQuestion,
    Resource,
    Roadmap,
    Section,
    Topic,
)


class SectionInline(TranslationTabularInline):
    model = Section
    fields = ["position", "title", "description"]
    extra = 0
    ordering = ["position"]


@admin.register(Roadmap)
class RoadmapAdmin(TranslationAdmin):
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

    @admin.display(description=_("sections"), ordering="section_total")
    def section_count(self, roadmap):
        return roadmap.section_total

    @admin.display(description=_("published topics"), ordering="topic_total")
    def topic_count(self, roadmap):
        return roadmap.topic_total

    @admin.action(description=_("Publish selected roadmaps"))
    def publish(self, request, queryset):
        for roadmap in queryset:
            roadmap.is_published = True
            roadmap.save(update_fields=["is_published", "updated_at"])
        count = queryset.count()
        self.message_user(
            request,
            ngettext("Published %(count)s roadmap.", "Published %(count)s roadmaps.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish selected roadmaps"))
    def unpublish(self, request, queryset):
        for roadmap in queryset:
            roadmap.is_published = False
            roadmap.save(update_fields=["is_published", "updated_at"])
        count = queryset.count()
        self.message_user(
            request,
            ngettext("Unpublished %(count)s roadmap.", "Unpublished %(count)s roadmaps.", count)
            % {"count": count},
            messages.SUCCESS,
        )


class ResourceInline(TranslationTabularInline):
    model = Resource
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = ["position", "title", "url", "kind", "is_free"]
    extra = 1
    ordering = ["position"]


@admin.register(Topic)
class TopicAdmin(TranslationAdmin):
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
        (_("Content"), {"fields": ["body", "prerequisites", "reviewed_on"]}),
        (_("Quiz"), {"fields": ["quiz"]}),
    ]
    readonly_fields = ["quiz"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(resource_total=Count("resources"))

    @admin.display(description=_("questions"))
    def quiz(self, topic):
        """The topic's questions, each a link to its own form (where its options are edited)."""
        add_url = reverse("admin:roadmap_quizquestion_add") + f"?topic={topic.pk}" if topic.pk else ""
        questions = list(topic.quiz_questions.order_by("position", "pk")) if topic.pk else []
        listed = format_html_join(
            "",
            '<li><a href="{}">{}</a></li>',
            (
                (reverse("admin:roadmap_quizquestion_change", args=[question.pk]), question.text)
                for question in questions
            ),
        )
        if not topic.pk:
            return gettext("Save the topic first, then add its questions.")
        return format_html(
            '<ol class="quiz-admin-list">{}</ol><p><a href="{}">{}</a></p>',
            listed,
            add_url,
            gettext("Add a question"),
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "section":
            kwargs["queryset"] = Section.objects.select_related("roadmap")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("resources"), ordering="resource_total")
    def resource_count(self, topic):
        return topic.resource_total

    def _set_published(self, request, queryset, value):
        changed = 0
        for topic in queryset.select_related("roadmap"):
            topic.is_published = value
            topic.save(update_fields=["is_published", "updated_at"])
            changed += 1
        if value:
            message = ngettext("Published %(count)s topic.", "Published %(count)s topics.", changed)
        else:
            message = ngettext("Unpublished %(count)s topic.", "Unpublished %(count)s topics.", changed)
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Publish selected topics"))
    def publish(self, request, queryset):
        self._set_published(request, queryset, True)

    @admin.action(description=_("Unpublish selected topics (progress and notes are kept)"))
    def unpublish(self, request, queryset):
        self._set_published(request, queryset, False)


class RequirementsField(forms.CharField):
    """A project's requirements as lines of text, one requirement a line."""

    widget = forms.Textarea(attrs={"rows": 6})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]

    def validate(self, value):
        super().validate(value)
        if not 3 <= len(value) <= 7:
            raise forms.ValidationError(
                gettext(
                    "Write 3 to 7 requirements, one a line, each something a mentor can check; this has %(count)s."
                )
                % {"count": len(value)}
            )


class ProjectForm(forms.ModelForm):
    requirements = RequirementsField(
        help_text=_("One a line (inline Markdown), each something a mentor can check.")
    )

    class Meta:
        model = Project
        fields = ["title", "goal", "requirements", "stretch", "hand_in"]


class ProjectInline(admin.StackedInline):
    model = Project
    form = ProjectForm
    extra = 0
    max_num = 1


@admin.register(Section)
class SectionAdmin(TranslationAdmin):
    list_display = ["title", "roadmap", "position", "topic_count"]
    list_filter = ["roadmap"]
    list_select_related = ["roadmap"]
    search_fields = ["title"]
    ordering = ["roadmap", "position"]
    inlines = [ProjectInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(topic_total=Count("topics"))

    @admin.display(description=_("topics"), ordering="topic_total")
    def topic_count(self, section):
        return section.topic_total


@admin.register(Progress)
class ProgressAdmin(admin.ModelAdmin):
    list_display = ["user", "topic", "status", "verified_by", "verified_at", "quiz_passed_at", "updated_at"]
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


class QuizOptionInline(admin.TabularInline):
    model = QuizOption
    fields = ["position", "text", "is_correct", "explanation"]
    extra = 0
    min_num = 3
    max_num = 5
    ordering = ["position"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})}}


class QuizQuestionForm(forms.ModelForm):
    class Meta:
        model = QuizQuestion
        fields = ["topic", "position", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


class QuizOptionFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
        if not 3 <= len(kept) <= 5:
            raise forms.ValidationError(
                gettext("A question has 3 to 5 options; this one would have %(count)s.")
                % {"count": len(kept)}
            )
        if not any(form.cleaned_data.get("is_correct") for form in kept):
            raise forms.ValidationError(gettext("Mark at least one option correct."))


QuizOptionInline.formset = QuizOptionFormSet


@admin.register(QuizQuestion)
class QuizQuestionAdmin(admin.ModelAdmin):
    """A topic's quiz question with its options; the topic's form lists them."""

    form = QuizQuestionForm
    list_display = ["text", "topic", "position", "option_count"]
    list_filter = ["topic__roadmap", "topic__section"]
    list_select_related = ["topic"]
    search_fields = ["text", "topic__slug", "topic__title"]
    autocomplete_fields = ["topic"]
    ordering = ["topic__roadmap", "topic__position", "position"]
    inlines = [QuizOptionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(option_total=Count("options"))

    @admin.display(description=_("options"), ordering="option_total")
    def option_count(self, question):
        return question.option_total


@admin.register(QuizAttempt)
class QuizAttemptAdmin(ReadOnlyAdmin):
    """Learners' attempts: kept as they were marked, never edited."""

    list_display = ["created_at", "learner", "topic", "score", "total", "passed"]
    list_filter = ["passed", "topic__roadmap"]
    list_select_related = ["learner", "topic"]
    search_fields = ["learner__username", "topic__slug"]
    show_full_result_count = False
