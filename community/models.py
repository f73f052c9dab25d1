"""Discussions: threads (often anchored to a roadmap topic), comments, reactions, tags,
follows, bookmarks and notifications, plus the moderation records (flags and the audit log) and
mentorship (review requests, their conversations, the sections each mentor covers)."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from community import notices
from roadmap.markdown import render_markdown


class Tag(models.Model):
    slug = models.SlugField(_("URL name"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    thread_count = models.PositiveIntegerField(_("threads"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("community:tag-detail", kwargs={"slug": self.slug})


class Status(models.TextChoices):
    PUBLISHED = "published", pgettext_lazy("post status", "Published")
    HIDDEN = "hidden", pgettext_lazy("post status", "Hidden by a mentor")
    REMOVED = "removed", pgettext_lazy("post status", "Deleted")


class ThreadQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def visible_to(self, user):
        """Published threads, plus the user's own hidden ones (authors still see them), plus
        every hidden one for moderators."""
        from community.permissions import is_moderator  # the policy imports these models

        if is_moderator(user):
            return self.exclude(status=Status.REMOVED)
        if user.is_authenticated:
            return self.filter(Q(status=Status.PUBLISHED) | Q(status=Status.HIDDEN, author=user))
        return self.published()


class Thread(models.Model):
    TITLE_MIN, TITLE_MAX = 10, 150
    BODY_MIN, BODY_MAX = 20, 20_000
    MAX_TAGS = 4

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="threads",
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    slug = models.SlugField(_("URL name"), max_length=80, allow_unicode=False, blank=True)
    body = models.TextField(_("text"), max_length=BODY_MAX)
    body_html = models.TextField(_("text as HTML"), blank=True, editable=False)
    topic = models.ForeignKey(
        "roadmap.Topic",
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="threads",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="threads")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    is_locked = models.BooleanField(_("locked"), default=False)
    accepted_comment = models.ForeignKey(
        "Comment",
        verbose_name=_("accepted answer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment_count = models.PositiveIntegerField(_("replies"), default=0)
    reaction_count = models.PositiveIntegerField(_("reactions"), default=0)
    like_count = models.PositiveIntegerField(_("likes"), default=0)
    helpful_count = models.PositiveIntegerField(_("helpful reactions"), default=0)
    insightful_count = models.PositiveIntegerField(_("insightful reactions"), default=0)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    search_vector = SearchVectorField(_("search index"), null=True, editable=False)
    submission = models.UUIDField(
        _("form token"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The one-time token of the form that posted it."),
    )

    objects = ThreadQuerySet.as_manager()

    class Meta:
        # The thread lists put pinned threads first, so their indexes lead with is_pinned.
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        indexes = [
            models.Index(fields=["status", "-is_pinned", "-last_activity_at"], name="thread_latest_idx"),
            models.Index(
                fields=["status", "-is_pinned", "-reaction_count", "-last_activity_at"], name="thread_top_idx"
            ),
            models.Index(
                fields=["status", "-is_pinned", "-created_at"],
                condition=Q(accepted_comment__isnull=True),
                name="thread_unanswered_idx",
            ),
            # Feeds and the API (newest first), and the "top" tab over a period.
            models.Index(fields=["status", "-created_at"], name="thread_created_idx"),
            models.Index(fields=["topic", "status", "-reaction_count"], name="thread_topic_idx"),
            models.Index(fields=["author", "-created_at"], name="thread_author_idx"),
            # Counts of published threads, per topic of a roadmap (its map) or of a tag (the
            # tag page's pages), read from the index alone.
            models.Index(
                fields=["topic", "id"], condition=Q(status=Status.PUBLISHED), name="thread_published_idx"
            ),
            # Mentors' queue of topic questions still waiting for an answer, least helped first.
            models.Index(
                fields=["comment_count", "created_at"],
                condition=Q(status=Status.PUBLISHED, topic__isnull=False, accepted_comment__isnull=True),
                name="thread_topic_unanswered_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(comment_count__gte=0) & Q(reaction_count__gte=0),
                name="thread_counts_non_negative",
            ),
            # A form sent twice (Back, then Post again) finds the thread its first submit made.
            models.UniqueConstraint(
                fields=["author", "submission"],
                condition=Q(submission__isnull=False),
                name="thread_once_per_submission",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.slug = slugify(self.title)[:80] or "thread"
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("community:thread-detail", kwargs={"pk": self.pk, "slug": self.slug or "thread"})

    @property
    def has_answer(self):
        return self.accepted_comment_id is not None

    @property
    def is_published(self):
        return self.status == Status.PUBLISHED


class Comment(models.Model):
    BODY_MAX = 10_000

    thread = models.ForeignKey(
        Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent comment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="replies",
    )
    reply_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replying to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Whom a reply answers, when it answered a reply (replies nest one level)."),
    )
    body = models.TextField(_("text"), max_length=BODY_MAX)
    body_html = models.TextField(_("text as HTML"), blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    reaction_count = models.PositiveIntegerField(_("reactions"), default=0)
    like_count = models.PositiveIntegerField(_("likes"), default=0)
    helpful_count = models.PositiveIntegerField(_("helpful reactions"), default=0)
    insightful_count = models.PositiveIntegerField(_("insightful reactions"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    submission = models.UUIDField(
        _("form token"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The one-time token of the form that posted it."),
    )

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "submission"],
                condition=Q(submission__isnull=False),
                name="comment_once_per_submission",
            ),
        ]
        indexes = [
            models.Index(fields=["thread", "parent", "created_at"], name="comment_thread_idx"),
            models.Index(fields=["author", "-created_at"], name="comment_author_idx"),
            # Counts of a member's published comments (the moderation queue, newcomer limits),
            # read from the index alone.
            models.Index(
                fields=["author", "id"], condition=Q(status=Status.PUBLISHED), name="comment_published_idx"
            ),
            # Hidden comments are few; mentors list them newest first.
            models.Index(
                fields=["-created_at"], condition=Q(status=Status.HIDDEN), name="comment_hidden_idx"
            ),
        ]

    def __str__(self):
        return f"Comment {self.pk} on {self.thread_id}"

    def get_absolute_url(self):
        return reverse("community:comment-link", kwargs={"pk": self.pk})

    def render(self, **kwargs):
        self.body_html = render_markdown(self.body, **kwargs)


class Reaction(models.Model):
    class Kind(models.TextChoices):
        LIKE = "like", pgettext_lazy("reaction", "Like")
        HELPFUL = "helpful", pgettext_lazy("reaction", "Helpful")
        INSIGHTFUL = "insightful", pgettext_lazy("reaction", "Insightful")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.CASCADE, related_name="reactions"
    )
    thread = models.ForeignKey(
        Thread,
        verbose_name=_("thread"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reactions",
    )
    comment = models.ForeignKey(
        Comment,
        verbose_name=_("comment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reactions",
    )
    kind = models.CharField(_("reaction"), max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.CheckConstraint(
                condition=Q(thread__isnull=False, comment__isnull=True)
                | Q(thread__isnull=True, comment__isnull=False),
                name="reaction_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "thread", "kind"],
                condition=Q(thread__isnull=False),
                name="reaction_thread_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "comment", "kind"],
                condition=Q(comment__isnull=False),
                name="reaction_comment_unique",
            ),
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind}"


class Follow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.CASCADE, related_name="follows"
    )
    thread = models.ForeignKey(
        Thread,
        verbose_name=_("thread"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follows",
    )
    tag = models.ForeignKey(
        Tag, verbose_name=_("tag"), null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    topic = models.ForeignKey(
        "roadmap.Topic",
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="follows",
    )
    notify_new_threads = models.BooleanField(
        _("notify of new threads"),
        default=False,
        help_text=_("A tag or topic: a notification for each new thread in it (not only the digest)."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        indexes = [
            models.Index(fields=["tag"], condition=Q(notify_new_threads=True), name="follow_tag_alert_idx"),
            models.Index(
                fields=["topic"], condition=Q(notify_new_threads=True), name="follow_topic_alert_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(thread__isnull=False, tag__isnull=True, topic__isnull=True)
                    | Q(thread__isnull=True, tag__isnull=False, topic__isnull=True)
                    | Q(thread__isnull=True, tag__isnull=True, topic__isnull=False)
                ),
                name="follow_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "thread"], condition=Q(thread__isnull=False), name="follow_thread_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "tag"], condition=Q(tag__isnull=False), name="follow_tag_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "topic"], condition=Q(topic__isnull=False), name="follow_topic_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} follows {self.thread_id or self.tag_id or self.topic_id}"


class FollowLevel(models.TextChoices):
    """How a member follows a tag or a roadmap topic: not at all, in their digest, or also a
    notification for each new thread there ("tell me about new threads")."""

    NONE = "none", pgettext_lazy("follow level", "Not following")
    DIGEST = "digest", pgettext_lazy("follow level", "Following")
    NEW_THREADS = "new_threads", pgettext_lazy("follow level", "New threads")


class WatchLevel(models.TextChoices):
    """How closely a member hears about one thread. Watching: a notification for every reply
    (a Follow of the thread). Normal: replies to their own posts and mentions (no row).
    Muted: mentions only (a ThreadMute), even replies to their own posts stay quiet."""

    WATCHING = "watching", pgettext_lazy("thread watch level", "Watching")
    NORMAL = "normal", pgettext_lazy("thread watch level", "Normal")
    MUTED = "muted", pgettext_lazy("thread watch level", "Muted")


class ThreadMute(models.Model):
    """A member muted a thread: only mentions of them there notify them (see WatchLevel)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="thread_mutes",
    )
    thread = models.ForeignKey(
        Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="mutes"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("muted thread")
        verbose_name_plural = _("muted threads")
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="thread_mute_unique")]
        indexes = [models.Index(fields=["thread", "user"], name="thread_mute_thread_idx")]

    def __str__(self):
        return f"{self.user_id} muted {self.thread_id}"


class Bookmark(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("member"), on_delete=models.CASCADE, related_name="bookmarks"
    )
    thread = models.ForeignKey(
        Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="bookmarks"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("bookmark")
        verbose_name_plural = _("bookmarks")
        constraints = [models.UniqueConstraint(fields=["user", "thread"], name="bookmark_unique")]
        indexes = [models.Index(fields=["user", "-created_at"], name="bookmark_user_idx")]

    def __str__(self):
        return f"{self.user_id} saved {self.thread_id}"


class Notification(models.Model):
    class Verb(models.TextChoices):
        REPLY = "reply", pgettext_lazy("notification: what someone did", "replied")
        MENTION = "mention", pgettext_lazy("notification: what someone did", "mentioned you")
        ANSWER_ACCEPTED = (
            "answer_accepted",
            pgettext_lazy("notification: what someone did", "accepted your answer"),
        )
        MODERATION = "moderation", pgettext_lazy("notification: what someone did", "moderation notice")
        REVIEW = "review", pgettext_lazy("notification: what someone did", "review request")
        NEW_THREAD = "new_thread", pgettext_lazy("notification: what someone did", "started a thread")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verb = models.CharField(_("what happened"), max_length=20, choices=Verb.choices)
    thread = models.ForeignKey(
        Thread, verbose_name=_("thread"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, verbose_name=_("comment"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    review = models.ForeignKey(
        "ReviewRequest",
        verbose_name=_("review request"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    notice = models.CharField(
        _("notice code"),
        max_length=40,
        blank=True,
        help_text=_("A sentence of the app (community.notices), worded in the reader's language when shown."),
    )
    notice_params = models.JSONField(_("notice details"), default=dict, blank=True)
    event_key = models.CharField(
        _("event key"), max_length=80, help_text=_("One notification per recipient and event.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_due_at = models.DateTimeField(
        _("email due"),
        null=True,
        blank=True,
        help_text=_("When it is to be emailed; empty when no email is due for it."),
    )
    email = models.ForeignKey(
        "NotificationEmail",
        verbose_name=_("email"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        help_text=_("The email that told it (or that was claimed to)."),
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event_key"], name="notification_once_per_event"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread_idx"
            ),
            # The emails due: few rows at any time, read by every run of the sender.
            models.Index(
                fields=["email_due_at"],
                condition=Q(email_due_at__isnull=False, email__isnull=True),
                name="notification_email_due_idx",
            ),
        ]

    def __str__(self):
        return f"{self.verb} for {self.recipient_id}"

    @property
    def text(self) -> str:
        """What it says: the app's sentence in the reader's language, or the message written
        for it (a mentor's words)."""
        return notices.worded(self.notice, self.notice_params) if self.notice else self.message


class EmailPreference(models.Model):
    """How a member wants one kind of notification by email, when it differs from the kind's
    default (community.notification_kinds): at once, only in the digest, or not at all."""

    class Mode(models.TextChoices):
        NOW = "now", pgettext_lazy("email preference", "By email at once")
        DIGEST = "digest", pgettext_lazy("email preference", "In the digest only")
        OFF = "off", pgettext_lazy("email preference", "Off")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="email_preferences",
    )
    kind = models.CharField(_("kind of notification"), max_length=32, help_text=_("A notification verb."))
    mode = models.CharField(_("email preference"), max_length=10, choices=Mode.choices)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("email preference")
        verbose_name_plural = _("email preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="email_preference_once_per_kind")
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind}: {self.mode}"


class NotificationEmail(models.Model):
    """One email telling a member about one or more notifications (of one kind, about one
    thread or one review request): the record that makes it go out at most once, as DigestDelivery does for digests.

    A sender claims the row and ties the notifications to it in one transaction (the unique
    `key` settles races), sets `sending_at` just before the end of the message's data and
    marks it sent after. A row left pending with `sending_at` set belongs to a worker that died
    mid-send, and is never resent (community.notification_emails). A failed one is tried again
    at `retry_at`, later after each try, until it is a day old.
    """

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("email delivery state", "Pending")
        SENT = "sent", pgettext_lazy("email delivery state", "Sent")
        SKIPPED = "skipped", pgettext_lazy("email delivery state", "Skipped")
        FAILED = "failed", pgettext_lazy("email delivery state", "Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notification_emails",
    )
    thread = models.ForeignKey(
        Thread, verbose_name=_("thread"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review = models.ForeignKey(
        "ReviewRequest",
        verbose_name=_("review request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("kind of notification"), max_length=32)
    key = models.CharField(
        _("key"),
        max_length=80,
        help_text=_("The thread or review request, and the first notification it tells."),
    )
    status = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(
        _("attempts"), default=1, help_text=_("Claims of it, the first included.")
    )
    server_failures = models.PositiveSmallIntegerField(
        _("server failures"),
        default=0,
        help_text=_("Sends the SMTP server answered with a temporary failure."),
    )
    will_retry = models.BooleanField(
        _("will be retried"), default=False, help_text=_("A failed email that will be tried again.")
    )
    retry_at = models.DateTimeField(
        _("next try"), null=True, blank=True, help_text=_("When a failed email is tried again.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    claimed_at = models.DateTimeField(_("claimed"), default=timezone.now)
    sending_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification email")
        verbose_name_plural = _("notification emails")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_email_once"),
        ]
        indexes = [
            models.Index(fields=["status", "claimed_at"], name="notification_email_sweep_idx"),
            # The last email about a thread to a member: the gathering window starts from it.
            models.Index(fields=["recipient", "thread", "-claimed_at"], name="notification_email_last_idx"),
            # The failed emails due another try: few rows, read by every run.
            models.Index(
                fields=["retry_at"], condition=Q(will_retry=True), name="notification_email_retry_idx"
            ),
        ]

    def __str__(self):
        return f"{self.kind} email {self.key} for {self.recipient_id}: {self.status}"


class Flag(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", pgettext_lazy("flag reason", "Spam")
        ABUSE = "abuse", pgettext_lazy("flag reason", "Abuse or harassment")
        OFF_TOPIC = "off_topic", pgettext_lazy("flag reason", "Off-topic")
        OTHER = "other", pgettext_lazy("flag reason", "Something else")

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("flag state", "Open")
        RESOLVED = "resolved", pgettext_lazy("flag state", "Resolved (action taken)")
        DISMISSED = "dismissed", pgettext_lazy("flag state", "Dismissed")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="flags_raised",
    )
    thread = models.ForeignKey(
        Thread,
        verbose_name=_("thread"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="flags",
    )
    comment = models.ForeignKey(
        Comment,
        verbose_name=_("comment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="flags",
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.CharField(_("note from the reporter"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.OPEN)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            models.CheckConstraint(
                condition=Q(thread__isnull=False, comment__isnull=True)
                | Q(thread__isnull=True, comment__isnull=False),
                name="flag_one_target",
            ),
            models.UniqueConstraint(
                fields=["reporter", "thread"], condition=Q(thread__isnull=False), name="flag_thread_once"
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"], condition=Q(comment__isnull=False), name="flag_comment_once"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="flag_queue_idx")]

    def __str__(self):
        return f"Flag {self.pk} ({self.reason})"


class ModerationAction(models.Model):
    """The append-only audit log of every moderation act."""

    class Action(models.TextChoices):
        HIDE = "hide", pgettext_lazy("moderation log action", "Hid")
        RESTORE = "restore", pgettext_lazy("moderation log action", "Restored")
        LOCK = "lock", pgettext_lazy("moderation log action", "Locked")
        UNLOCK = "unlock", pgettext_lazy("moderation log action", "Unlocked")
        PIN = "pin", pgettext_lazy("moderation log action", "Pinned")
        UNPIN = "unpin", pgettext_lazy("moderation log action", "Unpinned")
        MOVE = "move", pgettext_lazy("moderation log action", "Moved")
        RETAG = "retag", pgettext_lazy("moderation log action", "Retagged")
        ACCEPT = "accept", pgettext_lazy("moderation log action", "Accepted an answer")
        RESOLVE_FLAGS = "resolve_flags", pgettext_lazy("moderation log action", "Resolved flags")
        DISMISS_FLAGS = "dismiss_flags", pgettext_lazy("moderation log action", "Dismissed flags")
        AUTO_HIDE = "auto_hide", pgettext_lazy("moderation log action", "Hid after flags")
        WARN = "warn", pgettext_lazy("moderation log action", "Warned")
        SUSPEND = "suspend", pgettext_lazy("moderation log action", "Suspended")
        UNSUSPEND = "unsuspend", pgettext_lazy("moderation log action", "Lifted a suspension")
        REVIEW_CLAIM = "review_claim", pgettext_lazy("moderation log action", "Claimed a review request")
        REVIEW_EXTEND = "review_extend", pgettext_lazy("moderation log action", "Extended a review claim")
        REVIEW_RELEASE = "review_release", pgettext_lazy("moderation log action", "Released a review request")
        REVIEW_VERIFY = "review_verify", pgettext_lazy("moderation log action", "Verified a topic")
        REVIEW_NEEDS_WORK = "review_needs_work", pgettext_lazy("moderation log action", "Asked for more work")
        REVIEW_WITHDRAW = (
            "review_withdraw",
            pgettext_lazy("moderation log action", "Withdrew a review request"),
        )
        REVIEW_CORRECT = (
            "review_correct",
            pgettext_lazy("moderation log action", "Corrected a review request"),
        )

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    thread = models.ForeignKey(
        Thread, verbose_name=_("thread"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, verbose_name=_("comment"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review = models.ForeignKey(
        "ReviewRequest",
        verbose_name=_("review request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member concerned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(
        _("reason"), max_length=500, blank=True, help_text=_("The reason a person gave.")
    )
    reason_code = models.CharField(
        _("reason code"),
        max_length=40,
        blank=True,
        help_text=_("A reason the app gave (community.notices), worded from the details when shown."),
    )
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_action_display()} by {self.moderator_id}"

    @property
    def reason_text(self) -> str:
        """The reason, in the reader's language when the app wrote it."""
        return notices.worded(self.reason_code, self.details) if self.reason_code else self.reason


class DigestDelivery(models.Model):
    """One learner's digest for one period: the record that makes it go out at most once.

    A worker claims the row (the unique constraint settles races) before building the email,
    sets `sending_at` just before handing it to the SMTP server and marks it sent after. A row
    left pending with `sending_at` set belongs to a worker that died mid-send: the email may or
    may not have gone out, so it is never resent automatically (see community.digest.delivery).
    """

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("email delivery state", "Pending")
        SENT = "sent", pgettext_lazy("email delivery state", "Sent")
        SKIPPED = "skipped", pgettext_lazy("email delivery state", "Skipped")
        FAILED = "failed", pgettext_lazy("email delivery state", "Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="digest_deliveries",
    )
    period_key = models.CharField(
        _("period"), max_length=32, help_text=_("daily:YYYY-MM-DD or weekly:YYYY-Www, local.")
    )
    status = models.CharField(_("status"), max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=1)
    will_retry = models.BooleanField(
        _("will be retried"), default=False, help_text=_("A failed delivery that will be tried again.")
    )
    claimed_at = models.DateTimeField(_("claimed"), default=timezone.now)
    sending_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("digest delivery")
        verbose_name_plural = _("digest deliveries")
        constraints = [
            models.UniqueConstraint(fields=["user", "period_key"], name="digest_once_per_period"),
        ]
        indexes = [
            models.Index(fields=["status", "claimed_at"], name="digest_sweep_idx"),
            models.Index(fields=["user", "-created_at"], name="digest_user_idx"),
        ]

    def __str__(self):
        return f"{self.period_key} for {self.user_id}: {self.status}"


class OutboxEventQuerySet(models.QuerySet):
    def pending(self):
        """Not processed yet and not given up on (whether due now or waiting out a backoff)."""
        return self.filter(processed_at__isnull=True, failed_at__isnull=True)

    def due(self, now):
        """Pending events whose time has come, in processing order (outbox_pending_idx)."""
        return self.pending().filter(next_attempt_at__lte=now).order_by("next_attempt_at", "pk")

    def failed(self):
        return self.filter(failed_at__isnull=False)


class OutboxEvent(models.Model):
    """Follow-up work of a write (the notifications it causes), recorded in the write's own
    transaction and carried out after commit by community.tasks.drain_outbox (community.outbox).

    The payload holds ids, plus the text of a moderation notice. An event whose handler fails
    is tried again with exponential backoff (`next_attempt_at`); after OUTBOX_MAX_ATTEMPTS it is
    given up (`failed_at`) and stays here, visible in the admin, until retried by hand.
    """

    class Kind(models.TextChoices):
        THREAD_POSTED = "thread_posted", pgettext_lazy("outbox event", "Thread posted")
        THREAD_EDITED = "thread_edited", pgettext_lazy("outbox event", "Thread edited")
        COMMENT_POSTED = "comment_posted", pgettext_lazy("outbox event", "Comment posted")
        COMMENT_EDITED = "comment_edited", pgettext_lazy("outbox event", "Comment edited")
        ANSWER_ACCEPTED = "answer_accepted", pgettext_lazy("outbox event", "Answer accepted")
        MODERATION_NOTICE = "moderation_notice", pgettext_lazy("outbox event", "Moderation notice")
        REVIEW_NOTICE = "review_notice", pgettext_lazy("outbox event", "Review request notice")
        REVIEW_REQUESTED = "review_requested", pgettext_lazy("outbox event", "Review requested")

    kind = models.CharField(_("kind of event"), max_length=32, choices=Kind.choices)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next try"), default=timezone.now)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(
        _("last error"), blank=True, help_text=_("The latest failure, kept after a later success.")
    )
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    failed_at = models.DateTimeField(
        _("given up"), null=True, blank=True, help_text=_("When retrying stopped.")
    )

    objects = OutboxEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbox event")
        verbose_name_plural = _("outbox events")
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(processed_at__isnull=True, failed_at__isnull=True),
                name="outbox_pending_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.payload} ({self.state})"

    @property
    def state(self) -> str:
        if self.processed_at is not None:
            return "processed"
        if self.failed_at is not None:
            return "failed"
        return "retrying" if self.attempts else "pending"


# --- Mentorship -------------------------------------------------------------------------


class ReviewRequestQuerySet(models.QuerySet):
    def with_section(self):
        """Annotated with the section (id, title, roadmap title) of the work, a topic's or a project's."""
        return self.annotate(
            work_section_id=Coalesce("topic__section_id", "project__section_id"),
            work_section_title=Coalesce("topic__section__title", "project__section__title"),
            work_roadmap_title=Coalesce("topic__roadmap__title", "project__section__roadmap__title"),
        )

    def in_roadmap(self, roadmap):
        return self.filter(Q(topic__roadmap=roadmap) | Q(project__section__roadmap=roadmap))

    def in_section(self, section):
        return self.filter(Q(topic__section=section) | Q(project__section=section))

    def active(self):
        return self.filter(state__in=ReviewRequest.ACTIVE)

    def waiting(self):
        """On the mentors' desk: open, or claimed (the claim may have run out since)."""
        return self.filter(state__in=[ReviewRequest.State.OPEN, ReviewRequest.State.CLAIMED])

    def unclaimed(self):
        """Waiting for a mentor to take it: open, or claimed by one whose claim ran out (the
        header's count and the mentor's digest)."""
        return self.filter(
            Q(state=ReviewRequest.State.OPEN)
            | Q(state=ReviewRequest.State.CLAIMED, claim_expires_at__lte=timezone.now())
        )


class ReviewRequest(models.Model):
    """A learner asks a mentor to look at their work on a topic they marked done.

    open -> claimed (one mentor, until `claim_expires_at`) -> verified, or needs work -> (the
    learner resubmits) claimed again by the same mentor. An open request nobody claims within
    REVIEW_UNCLAIMED_DAYS expires; the learner may withdraw an active one; setting the topic back
    to learning (or resetting it) closes it. At most one active request per learner and topic.
    """

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("review request state", "Waiting for a mentor")
        CLAIMED = "claimed", pgettext_lazy("review request state", "A mentor is reviewing it")
        NEEDS_WORK = "needs_work", pgettext_lazy("review request state", "Needs work")
        VERIFIED = "verified", pgettext_lazy("review request state", "Verified")
        WITHDRAWN = "withdrawn", pgettext_lazy("review request state", "Withdrawn")
        EXPIRED = "expired", pgettext_lazy("review request state", "Expired unclaimed")
        CLOSED = "closed", pgettext_lazy("review request state", "Closed: the topic is no longer done")

    ACTIVE = (State.OPEN, State.CLAIMED, State.NEEDS_WORK)
    LINKS_MAX = 5
    LINK_MAX_LENGTH = 2000
    EXPLANATION_MAX = 10_000

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="review_requests",
    )
    # What the work is for: a topic the learner marked done, or a section's project.
    topic = models.ForeignKey(
        "roadmap.Topic",
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="review_requests",
    )
    project = models.ForeignKey(
        "roadmap.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="review_requests",
    )
    links = models.JSONField(
        _("links"), default=list, blank=True, help_text=_("https links to the work (at most 5).")
    )
    explanation = models.TextField(_("explanation"), blank=True, help_text=_("Markdown."))
    explanation_html = models.TextField(_("explanation as HTML"), blank=True, editable=False)
    shares_note = models.BooleanField(
        _("shares the note"),
        default=False,
        help_text=_("The learner's private note on the topic is shown to the reviewing mentor."),
    )
    state = models.CharField(_("status"), max_length=12, choices=State.choices, default=State.OPEN)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_claims",
    )
    claim_expires_at = models.DateTimeField(_("claim runs out"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_decisions",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    first_response_at = models.DateTimeField(
        _("first response"),
        null=True,
        blank=True,
        help_text=_("The first claim by a mentor (for the review throughput)."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    submitted_at = models.DateTimeField(
        _("submitted"), default=timezone.now, help_text=_("Sent, or sent again, for review.")
    )
    queued_at = models.DateTimeField(
        _("queued"),
        default=timezone.now,
        help_text=_("Last put in the queue: unclaimed a week from then, it expires."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ReviewRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("review request")
        verbose_name_plural = _("review requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "topic"],
                condition=Q(state__in=["open", "claimed", "needs_work"]),
                name="review_one_active_per_topic",
            ),
            models.UniqueConstraint(
                fields=["learner", "project"],
                condition=Q(state__in=["open", "claimed", "needs_work"]),
                name="review_one_active_per_project",
            ),
            models.CheckConstraint(
                condition=Q(topic__isnull=True, project__isnull=False)
                | Q(topic__isnull=False, project__isnull=True),
                name="review_of_a_topic_or_a_project",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "submitted_at"], name="review_queue_idx"),
            models.Index(fields=["state", "queued_at"], name="review_unclaimed_idx"),
            models.Index(fields=["learner", "-created_at"], name="review_learner_idx"),
            models.Index(fields=["decided_by", "state"], name="review_decided_idx"),
        ]

    def __str__(self):
        subject = f"project {self.project_id}" if self.project_id else f"topic {self.topic_id}"
        return f"Review of {subject} for {self.learner_id}: {self.state}"

    def save(self, *args, **kwargs):
        # A change of state (claim, decision, expiry) saves its own fields: the explanation
        # is rendered again only by a save that writes it.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "explanation" in update_fields:
            self.explanation_html = render_markdown(self.explanation)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "explanation_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("community:review-detail", kwargs={"pk": self.pk})

    @property
    def is_project(self) -> bool:
        return self.project_id is not None

    @property
    def subject(self):
        """The topic or the project the work is for (each has a title and a page)."""
        return self.project if self.project_id else self.topic

    @property
    def subject_title(self) -> str:
        return self.subject.title

    @property
    def section(self):
        return self.project.section if self.project_id else self.topic.section

    @property
    def roadmap(self):
        return self.project.section.roadmap if self.project_id else self.topic.roadmap

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE

    def claim_holds(self, now=None) -> bool:
        """Claimed by a mentor (whose account still exists), and the claim has not run out."""
        return (
            self.state == self.State.CLAIMED
            and self.claimed_by_id is not None
            and self.claim_expires_at is not None
            and self.claim_expires_at > (now or timezone.now())
        )


class ReviewMessage(models.Model):
    """One step of a review's conversation: the request itself, a mentor's decision with its
    feedback, a learner's reply or resubmission."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("review message: what someone did", "asked for a review")
        NEEDS_WORK = "needs_work", pgettext_lazy("review message: what someone did", "asked for more work")
        VERIFIED = "verified", pgettext_lazy("review message: what someone did", "verified the topic")
        REPLY = "reply", pgettext_lazy("review message: what someone did", "replied")
        RESUBMITTED = (
            "resubmitted",
            pgettext_lazy("review message: what someone did", "resubmitted for review"),
        )

    BODY_MAX = 10_000

    request = models.ForeignKey(
        ReviewRequest, verbose_name=_("review request"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("step"), max_length=12, choices=Kind.choices)
    body = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("text as HTML"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("review message")
        verbose_name_plural = _("review messages")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.kind} on review {self.request_id}"

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)


class MentorSectionQuerySet(models.QuerySet):
    def watched(self):
        """Sections watched by members who may still act on what they hear: mentors and
        admins, not suspended. A role taken away silences the choice made while holding it."""
        from accounts import roles
        from accounts.models import User

        moderators = User.objects.filter(roles.admin_q() | roles.mentor_q()).exclude(roles.suspended_q())
        return self.filter(watching=True, mentor_id__in=moderators.values("pk"))


class MentorSection(models.Model):
    """A roadmap section a mentor chose to cover: its requests come first on their desk, and
    their digest tells them what waits there. Watching it, they are also told at once of each
    review request and new thread on its topics (community.outbox)."""

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mentor"),
        on_delete=models.CASCADE,
        related_name="mentor_sections",
    )
    section = models.ForeignKey(
        "roadmap.Section", verbose_name=_("section"), on_delete=models.CASCADE, related_name="mentors"
    )
    watching = models.BooleanField(
        _("watching"),
        default=False,
        help_text=_("Told at once of each review request and new thread in the section."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = MentorSectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("mentor's section")
        verbose_name_plural = _("mentors' sections")
        constraints = [
            models.UniqueConstraint(fields=["mentor", "section"], name="mentor_section_once"),
        ]

    def __str__(self):
        return f"{self.mentor_id} covers {self.section_id}"


class TopicInsight(models.Model):
    """Where learners get stuck on one topic, recomputed by a periodic task
    (community.insights) so that what shows it reads one row per topic, never the history."""

    topic = models.OneToOneField(
        "roadmap.Topic",
        verbose_name=_("topic"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="insight",
    )
    learners_now = models.PositiveIntegerField(
        _("learning now"), default=0, help_text=_("Learning it, with a change in the last 30 days.")
    )
    started = models.PositiveIntegerField(
        _("started"), default=0, help_text=_("Learners who ever set it to learning.")
    )
    finished = models.PositiveIntegerField(
        _("finished"), default=0, help_text=_("Learners who went from learning to done.")
    )
    p25_days = models.FloatField(
        _("days, 25th percentile"),
        null=True,
        blank=True,
        help_text=_("Days from learning to done, 25th percentile."),
    )
    median_days = models.FloatField(
        _("days, median"), null=True, blank=True, help_text=_("Days from learning to done, median.")
    )
    p75_days = models.FloatField(
        _("days, 75th percentile"),
        null=True,
        blank=True,
        help_text=_("Days from learning to done, 75th percentile."),
    )
    p90_days = models.FloatField(
        _("days, 90th percentile"),
        null=True,
        blank=True,
        help_text=_("Days from learning to done, 90th percentile."),
    )
    gave_up = models.PositiveIntegerField(
        _("gave up"),
        default=0,
        help_text=_("Skipped it after learning it, or learning it with no change for 30 days."),
    )
    questions = models.PositiveIntegerField(
        _("questions"), default=0, help_text=_("Published threads on it.")
    )
    unanswered = models.PositiveIntegerField(
        _("unanswered"), default=0, help_text=_("Of those, without an accepted answer.")
    )
    reviews_waiting = models.PositiveIntegerField(
        _("review requests waiting"), default=0, help_text=_("Review requests no mentor holds.")
    )
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("topic insight")
        verbose_name_plural = _("topic insights")

    def __str__(self):
        return f"Insight on topic {self.topic_id}"


class InsightCheckpoint(models.Model):
    """Where the insight refresh got to in the progress history: one row, the id of the last
    ProgressEvent a run read, so an incremental run recomputes only the topics moved since."""

    last_event_id = models.BigIntegerField(_("last event read"), default=0)
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        verbose_name = _("insight checkpoint")
        verbose_name_plural = _("insight checkpoints")

    def __str__(self):
        return f"Insights read the history up to event {self.last_event_id}"


class LearnerJourney(models.Model):
    """One learner's way through one topic they ever started, as the insight refresh read it
    from the history: how long their last finished run took (None while none finished). Kept so
    that an incremental run re-reads the history of the learners and topics that moved, not
    every learner's on the topics they moved on."""

    # The two indexes below lead with each: no index of their own to keep up on every write.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    topic = models.ForeignKey(
        "roadmap.Topic", verbose_name=_("topic"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    took = models.DurationField(_("time taken"), null=True)

    class Meta:
        verbose_name = _("learner's way through a topic")
        verbose_name_plural = _("learners' ways through topics")
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="learner_journey_unique")]
        indexes = [models.Index(fields=["topic", "took"], name="learner_journey_topic_took")]

    def __str__(self):
        return f"{self.user_id} on {self.topic_id}: {self.took}"


class SectionWeek(models.Model):
    """Topics of one section started and finished in one week (Monday to Sunday, UTC), from the
    progress history: the trends on /insights/, recomputed with the TopicInsight rows."""

    section = models.ForeignKey(
        "roadmap.Section", verbose_name=_("section"), on_delete=models.CASCADE, related_name="+"
    )
    week = models.DateField(_("week"), help_text=_("The Monday the week starts on."))
    started = models.PositiveIntegerField(_("started"), default=0)
    finished = models.PositiveIntegerField(_("finished"), default=0)

    class Meta:
        verbose_name = _("section week")
        verbose_name_plural = _("section weeks")
        constraints = [models.UniqueConstraint(fields=["section", "week"], name="section_week_unique")]
        indexes = [models.Index(fields=["week"], name="section_week_week")]

    def __str__(self):
        return f"Section {self.section_id}, week of {self.week}"
