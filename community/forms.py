import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy, pgettext_lazy

from community import insight_selectors, notification_kinds
from community.models import (
    Comment,
    EmailPreference,
    Flag,
    FollowLevel,
    ModerationAction,
    Tag,
    Thread,
    WatchLevel,
)
from community.moderation import SUSPENSION_MAX_DAYS
from config.language import filled_in
from roadmap.models import Roadmap, Section, Topic


class TopicChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, topic):
        return f"{topic.roadmap.title} · {topic.title}"


class ThreadForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        min_length=Thread.TITLE_MIN,
        max_length=Thread.TITLE_MAX,
        help_text=_("A specific question or statement, e.g. “Why does my Django view run 200 queries?”"),
        error_messages={
            "min_length": _(
                "Make the title a little longer: at least %(limit_value)d characters (it has %(show_value)d)."
            ),
            "max_length": _("Keep the title to %(limit_value)d characters (it has %(show_value)d)."),
        },
    )
    body = forms.CharField(
        label=_("Body"),
        strip=False,
        min_length=Thread.BODY_MIN,
        max_length=Thread.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_("Markdown. Say what you tried and what happened. Mention someone with @username."),
        error_messages={
            "min_length": _("Say a bit more: at least %(limit_value)d characters (it has %(show_value)d)."),
            "max_length": _("That is too long: at most %(limit_value)d characters (it has %(show_value)d)."),
        },
    )
    topic = TopicChoiceField(
        label=_("Topic"),
        queryset=Topic.objects.published()
        .select_related("roadmap")
        .order_by("roadmap__position", "position"),
        required=False,
        empty_label=_("No roadmap topic"),
        help_text=_("Anchor the thread to the roadmap topic it is about, so learners there find it."),
    )
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=filled_in(_("Up to %(count)s."), count=Thread.MAX_TAGS),
    )

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError(_("Write something in the body."))
        return body

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        if len(tags) > Thread.MAX_TAGS:
            raise forms.ValidationError(
                ngettext(
                    "Choose at most %(limit)s tag (you chose %(count)s).",
                    "Choose at most %(limit)s tags (you chose %(count)s).",
                    Thread.MAX_TAGS,
                )
                % {"limit": Thread.MAX_TAGS, "count": len(tags)}
            )
        return tags


class SubmissionToken(forms.Form):
    """A one-time token in a post form: sent twice (Back, then Post again), the form finds
    the post its first submit made (community.services.AlreadyPosted) instead of a second."""

    submission = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def clean_submission(self) -> uuid.UUID | None:
        """The token, or None for a form without one (or with one tampered with)."""
        try:
            return uuid.UUID(self.cleaned_data["submission"])
        except ValueError:
            return None

    def submission_token(self) -> str:
        """The token to render: the one the form was sent with, or a new one."""
        try:
            return str(uuid.UUID(str(self["submission"].value())))
        except ValueError:
            return new_submission_token()


def new_submission_token() -> str:
    """The one-time token of a post form not sent yet."""
    return str(uuid.uuid4())


class NewThreadForm(SubmissionToken, ThreadForm):
    pass


class ReplyTargetForm(forms.Form):
    """Which comment the reply form answers: `?reply=<id>`, or the `parent` of a form sent back."""

    reply = forms.IntegerField(min_value=1, max_value=2**63 - 1)


class CommentForm(SubmissionToken):
    body = forms.CharField(
        strip=False,
        max_length=Comment.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": _("Write a reply (markdown)")}),
        label=_("Your reply"),
        error_messages={
            "required": _("Write something before you post."),
            "max_length": _("That is too long: at most %(limit_value)d characters (it has %(show_value)d)."),
        },
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise forms.ValidationError(_("Write something before you post."))
        return body


REACTION_KINDS = [("like", "like"), ("helpful", "helpful"), ("insightful", "insightful")]


class ReactionForm(forms.Form):
    """A reaction button posts the state it asks for, never "toggle": `set=<kind>` gives the
    reaction, `clear=<kind>` takes it back. So a double click, or a second tab still showing
    the old state, asks for the same state again and cannot undo the first click.

    On a thread page every button posts to the thread's one address, a comment's with the
    comment's id before its kind (`set=<comment id>:<kind>`): `comment_id` in cleaned_data,
    None for the thread itself."""

    set = forms.CharField(required=False, max_length=40)
    clear = forms.CharField(required=False, max_length=40)

    def clean(self):
        data = super().clean()
        asked = [(action, data[action]) for action in ("set", "clear") if data.get(action)]
        if len(asked) != 1:
            raise forms.ValidationError(_("Unknown reaction. Use like, helpful or insightful."))
        action, value = asked[0]
        comment_id, _colon, kind = value.rpartition(":")
        if kind not in dict(REACTION_KINDS) or (comment_id and not comment_id.isdigit()):
            raise forms.ValidationError(_("Unknown reaction. Use like, helpful or insightful."))
        data["comment_id"] = int(comment_id) if comment_id else None
        data["kind"] = kind
        data["is_on"] = action == "set"
        return data


class SetOrClearForm(forms.Form):
    """What a follow or save button asks for: `set` turns it on, `clear` off (see ReactionForm)."""

    action = forms.ChoiceField(choices=[("set", "set"), ("clear", "clear")])


class WatchLevelForm(forms.Form):
    """The thread's watch level a member picks (WatchLevel). A `set` or `clear` from a follow
    button of before stands for watching or normal."""

    level = forms.ChoiceField(choices=WatchLevel.choices, required=False)
    action = forms.ChoiceField(choices=[("set", "set"), ("clear", "clear")], required=False)

    def clean(self):
        data = super().clean()
        level = data.get("level") or {"set": WatchLevel.WATCHING, "clear": WatchLevel.NORMAL}.get(
            data.get("action")
        )
        if not level:
            raise forms.ValidationError(_("Choose watching, normal or muted."))
        data["level"] = level
        return data


class FollowLevelForm(forms.Form):
    """How to follow a tag or topic (FollowLevel)."""

    level = forms.ChoiceField(choices=FollowLevel.choices)


class PreviewForm(forms.Form):
    body = forms.CharField(required=False, strip=False, max_length=Thread.BODY_MAX)


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        choices=Flag.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why you are flagging this post.")},
    )
    note = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional, unless you chose “something else”. Only mentors see it."),
    )


class ModerationForm(forms.Form):
    """A moderation act: always a reason (it is logged and sent to the author)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give a reason: it goes into the audit log and to the author.")},
    )


class MoveForm(ModerationForm):
    topic = TopicChoiceField(
        label=_("Topic"),
        queryset=Topic.objects.published()
        .select_related("roadmap")
        .order_by("roadmap__position", "position"),
        required=False,
        empty_label=_("No roadmap topic"),
    )


class RetagForm(ModerationForm):
    tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.order_by("name"), required=False, widget=forms.CheckboxSelectMultiple
    )


def _days(count: int) -> str:
    return filled_in(ngettext_lazy("%(count)s day", "%(count)s days", count), count=count)


class SuspendForm(ModerationForm):
    days = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (1, _days(1)),
            (3, _days(3)),
            (7, _("1 week")),
            (30, _days(30)),
            (SUSPENSION_MAX_DAYS, _("1 year")),
        ],
        label=pgettext_lazy("suspend for how long", "For"),
    )


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "slug", "description"]
        labels = {"name": _("Name"), "slug": _("Slug"), "description": _("Description")}
        help_texts = {"slug": _("Lowercase letters, digits and hyphens: the tag's URL and #name.")}


class ModerationLogFilter(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("Any action")), *ModerationAction.Action.choices], required=False
    )
    moderator = forms.CharField(label=_("Moderator"), required=False, max_length=30)
    target = forms.CharField(required=False, max_length=30, label=_("About user"))


class EmailPreferencesForm(forms.Form):
    """One choice per kind of notification (community.notification_kinds), named by its verb:
    at once by email, in the digest only, or off. Built from the registry, so a kind registered
    later has its line here with no change to this form."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in notification_kinds.kinds():
            self.fields[kind.verb] = forms.ChoiceField(
                label=kind.label,
                choices=EmailPreference.Mode.choices,
                initial=current[kind.verb],
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": _("Choose at once, digest only or off.")},
            )


class InsightFilter(forms.Form):
    """/insights/: which roadmap and section, sorted by which column (see insight_selectors)."""

    roadmap = forms.ModelChoiceField(
        label=_("Roadmap"),
        queryset=Roadmap.objects.filter(is_published=True),
        required=False,
        empty_label=_("All roadmaps"),
    )
    section = forms.ModelChoiceField(
        label=_("Section"),
        queryset=Section.objects.filter(roadmap__is_published=True).select_related("roadmap"),
        required=False,
        empty_label=_("All sections"),
    )
    sort = forms.ChoiceField(
        choices=[
            (
                f"{sign}{name}",
                filled_in(
                    pgettext_lazy("a sort order: column, order", "%(column)s, %(order)s"),
                    column=heading,
                    order=order,
                ),
            )
            for name, (heading, _field) in insight_selectors.COLUMNS.items()
            for sign, order in (
                (("", _("A to Z")), ("-", _("Z to A")))
                if name == "topic"
                else (("-", _("highest first")), ("", _("lowest first")))
            )
        ],
        required=False,
        initial=insight_selectors.DEFAULT_SORT,
        label=_("Sort by"),
    )

    def clean_sort(self):
        return self.cleaned_data["sort"] or insight_selectors.DEFAULT_SORT

    def clean(self):
        data = super().clean()
        roadmap, section = data.get("roadmap"), data.get("section")
        if roadmap and section and section.roadmap_id != roadmap.pk:
            self.add_error("section", _("This section is not in the roadmap you chose."))
        return data
