"""Roadmaps: the learning paths, their sections and topics, and each learner's progress and notes."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modeltranslation.utils import build_localized_fieldname

from roadmap.markdown import render_markdown


def render_each_language(instance, source: str, target: str) -> None:
    """Render a Markdown field into its HTML field in every language it is written in, whatever
    language is active (an admin working in Spanish edits the English too). A language without
    the text has no HTML either, so its page falls back to the English (roadmap/translation.py)."""
    for code, _name in settings.LANGUAGES:
        text = getattr(instance, build_localized_fieldname(source, code), None)
        html = render_markdown(text) if text else None
        if code == settings.MODELTRANSLATION_DEFAULT_LANGUAGE:
            html = html or ""
            instance.__dict__[target] = html  # the untranslated column keeps the English
        setattr(instance, build_localized_fieldname(target, code), html)


class Roadmap(models.Model):
    slug = models.SlugField(_("URL name"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(_("summary"), max_length=300)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    description_html = models.TextField(_("description as HTML"), blank=True, editable=False)
    is_published = models.BooleanField(_("published"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("roadmap")
        verbose_name_plural = _("roadmaps")
        ordering = ["position", "title"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        render_each_language(self, "description", "description_html")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("roadmap:roadmap-detail", kwargs={"slug": self.slug})


class Section(models.Model):
    roadmap = models.ForeignKey(
        Roadmap, verbose_name=_("roadmap"), on_delete=models.CASCADE, related_name="sections"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["roadmap", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "title"], name="roadmap_section_title_unique"),
        ]

    def __str__(self):
        return f"{self.roadmap.title}: {self.title}" if self.roadmap_id else self.title


class TopicQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True, roadmap__is_published=True)


class Topic(models.Model):
    class Kind(models.TextChoices):
        CORE = "core", pgettext_lazy("topic kind", "Core")
        OPTIONAL = "optional", pgettext_lazy("topic kind", "Optional")
        ALTERNATIVE = "alternative", pgettext_lazy("topic kind", "Alternative")

    roadmap = models.ForeignKey(
        Roadmap, verbose_name=_("roadmap"), on_delete=models.CASCADE, related_name="topics"
    )
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.PROTECT, related_name="topics"
    )
    slug = models.SlugField(
        _("URL name"), max_length=80, help_text=_("Stable identity: progress and notes hang on it.")
    )
    title = models.CharField(_("title"), max_length=160)
    body = models.TextField(_("text"), help_text=_("Markdown."))
    body_html = models.TextField(_("text as HTML"), blank=True, editable=False)
    kind = models.CharField(_("kind of topic"), max_length=12, choices=Kind.choices, default=Kind.CORE)
    is_any_order = models.BooleanField(
        _("any order"), default=False, help_text=_("Topics of this kind can be learned in any order.")
    )
    is_published = models.BooleanField(_("published"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    prerequisites = models.ManyToManyField(
        "self", verbose_name=_("prerequisites"), symmetrical=False, blank=True, related_name="unlocks"
    )
    reviewed_on = models.DateField(
        _("reviewed on"),
        null=True,
        blank=True,
        help_text=_("When the text and resources were last checked to be correct and current."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["roadmap", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["roadmap", "slug"], name="roadmap_topic_slug_unique"),
        ]
        indexes = [models.Index(fields=["roadmap", "is_published", "position"])]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        render_each_language(self, "body", "body_html")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("roadmap:topic-detail", kwargs={"slug": self.roadmap.slug, "topic": self.slug})


class Resource(models.Model):
    class Kind(models.TextChoices):
        DOCS = "docs", pgettext_lazy("resource kind", "Official docs")
        ARTICLE = "article", pgettext_lazy("resource kind", "Article")
        VIDEO = "video", pgettext_lazy("resource kind", "Video")
        COURSE = "course", pgettext_lazy("resource kind", "Course")
        BOOK = "book", pgettext_lazy("resource kind", "Book")
        PODCAST = "podcast", pgettext_lazy("resource kind", "Podcast")
        TOOL = "tool", pgettext_lazy("resource kind", "Tool")
        OPENSOURCE = "opensource", pgettext_lazy("resource kind", "Open source")

    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="resources"
    )
    title = models.CharField(_("title"), max_length=200)
    url = models.URLField(_("URL"), max_length=500)
    kind = models.CharField(_("kind of resource"), max_length=12, choices=Kind.choices, default=Kind.ARTICLE)
    is_free = models.BooleanField(_("free"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["topic", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "url"], name="roadmap_resource_url_unique"),
        ]

    def __str__(self):
        return self.title


class Progress(models.Model):
    class Status(models.TextChoices):
        LEARNING = "learning", pgettext_lazy("progress status", "Learning")
        DONE = "done", pgettext_lazy("progress status", "Done")
        SKIPPED = "skipped", pgettext_lazy("progress status", "Skipped")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.CASCADE, related_name="progress"
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="progress"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # A mentor signed off on this topic (a review request, in community): the tick lasts while
    # the topic stays done; the request keeps the history when it goes.
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    # The learner answered every question of the topic's quiz right (roadmap.quizzes). Kept
    # whatever the status becomes; clearing the topic (reset) removes the row and the mark.
    quiz_passed_at = models.DateTimeField(_("quiz passed"), null=True, blank=True)

    class Meta:
        verbose_name = _("progress")
        verbose_name_plural = _("progress")
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="roadmap_progress_user_topic_unique"),
            models.CheckConstraint(
                condition=Q(verified_at__isnull=True) | Q(status="done"),
                name="roadmap_progress_verified_only_done",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "status"]),
            models.Index(fields=["topic", "status"]),
        ]

    def __str__(self):
        return f"{self.user} · {self.topic}: {self.status}"

    def save(self, *args, **kwargs):
        """Only a done topic carries a verification, however the status is changed (the admin too)."""
        if self.status != self.Status.DONE and (self.verified_at or self.verified_by_id):
            self.verified_at = self.verified_by = None
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "verified_at", "verified_by"}
        super().save(*args, **kwargs)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @classmethod
    def from_db(cls, db, field_names, values):
        progress = super().from_db(db, field_names, values)
        progress.remember_saved()
        return progress

    def remember_saved(self) -> None:
        """Keep the status, verification and quiz pass as stored, so that a save can tell what it
        changed (roadmap.history appends the change). A field left out of the query stays
        unknown rather than being loaded here."""
        self.saved_state = (
            vars(self).get("status"),
            vars(self).get("verified_at"),
            vars(self).get("quiz_passed_at"),
        )


class ProgressEvent(models.Model):
    """One change of a learner's status on a topic, appended by roadmap.history whoever makes it;
    never edited. The learner's record of their momentum and the ground of the insights."""

    class Kind(models.TextChoices):
        LEARNING = "learning", pgettext_lazy("progress event", "Started learning")
        DONE = "done", pgettext_lazy("progress event", "Done")
        SKIPPED = "skipped", pgettext_lazy("progress event", "Skipped")
        RESET = "reset", pgettext_lazy("progress event", "Reset")
        VERIFIED = "verified", pgettext_lazy("progress event", "Verified by a mentor")
        QUIZ_PASSED = "quiz", pgettext_lazy("progress event", "Passed the quiz")

    class Source(models.TextChoices):
        PAGE = "page", pgettext_lazy("where progress was changed", "Site")
        API = "api", pgettext_lazy("where progress was changed", "API")
        ADMIN = "admin", pgettext_lazy("where progress was changed", "Admin")
        IMPORT = "import", pgettext_lazy("where progress was changed", "Import or command")
        OTHER = "other", pgettext_lazy("where progress was changed", "Shell or task")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="progress_events",
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="progress_events"
    )
    kind = models.CharField(_("change"), max_length=10, choices=Kind.choices)
    source = models.CharField(_("changed from"), max_length=10, choices=Source.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("progress change")
        verbose_name_plural = _("progress history")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["topic", "created_at"]),
        ]

    def __str__(self):
        return f"{self.user} · {self.topic}: {self.kind}"


class Note(models.Model):
    MAX_LENGTH = 10_000

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.CASCADE, related_name="notes"
    )
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="notes")
    body = models.TextField(_("note"), max_length=MAX_LENGTH)
    body_html = models.TextField(_("text as HTML"), blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="roadmap_note_user_topic_unique"),
        ]

    def __str__(self):
        return f"{self.user} · {self.topic}"

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)


class Project(models.Model):
    """A section's practice project: what to build with what the section teaches, and what to
    hand in for a mentor's review (community.mentorship)."""

    section = models.OneToOneField(
        Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="project"
    )
    title = models.CharField(_("title"), max_length=160)
    goal = models.TextField(_("goal"), help_text=_("Markdown: what the learner builds and why."))
    requirements = models.JSONField(
        _("requirements"),
        default=list,
        help_text=_("A list of requirements, each a line of inline Markdown a mentor can check."),
    )
    stretch = models.TextField(_("stretch goal"), blank=True, help_text=_("Markdown: one stretch goal."))
    hand_in = models.TextField(
        _("what to hand in"), help_text=_("Markdown: what the repository must contain.")
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse(
            "roadmap:project-detail",
            kwargs={"slug": self.section.roadmap.slug, "section_id": self.section_id},
        )


def new_option_key() -> str:
    return secrets.token_urlsafe(6)


class QuizQuestion(models.Model):
    """One question of a topic's quiz. A question with more than one correct option asks the
    learner to choose all that apply."""

    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="quiz_questions"
    )
    text = models.TextField(_("question"), help_text=_("Inline Markdown, one sentence or two."))
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        ordering = ["topic", "position", "pk"]

    def __str__(self):
        return self.text[:80]


class QuizOption(models.Model):
    question = models.ForeignKey(
        QuizQuestion, verbose_name=_("question"), on_delete=models.CASCADE, related_name="options"
    )
    # What a form sends for this option: random, so that neither its order nor its number tells
    # which option is correct.
    key = models.CharField(_("key"), max_length=12, default=new_option_key, unique=True, editable=False)
    text = models.TextField(_("answer"), help_text=_("Inline Markdown."))
    is_correct = models.BooleanField(_("correct"), default=False)
    explanation = models.TextField(
        _("explanation"), help_text=_("Why this option is right or wrong: shown after an attempt.")
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("quiz answer")
        verbose_name_plural = _("quiz answers")
        ordering = ["question", "position", "pk"]

    def __str__(self):
        return self.text[:80]


class QuizAttempt(models.Model):
    """A learner's submitted answers to a topic's quiz: the options they chose for each
    question, as they stood when marked."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    answers = models.JSONField(_("answers"), default=dict, help_text=_("{question id: [chosen option keys]}"))
    score = models.PositiveIntegerField(_("score"), help_text=_("Questions answered right."))
    total = models.PositiveIntegerField(
        _("questions"), help_text=_("Questions in the quiz when it was taken.")
    )
    passed = models.BooleanField(_("passed"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["learner", "topic", "-created_at"])]

    def __str__(self):
        return f"{self.learner} · {self.topic}: {self.score}/{self.total}"
