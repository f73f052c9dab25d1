"""The forms of mentorship: asking for a review, replying, a mentor's decision, the desk's
filters and the sections a mentor covers. Rules on links live in community.mentorship."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community import mentorship
from community.models import ReviewMessage, ReviewRequest
from roadmap.models import Roadmap, Section


class ReviewRequestForm(forms.Form):
    links = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "off"}),
        help_text=_("One https link per line: a repository, a gist, a deployed app. At most 5."),
        label=_("Links to your work"),
    )
    explanation = forms.CharField(
        required=False,
        max_length=ReviewRequest.EXPLANATION_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown. What you built or learned, and what you would like the mentor to look at."),
        label=_("Explain your work"),
        error_messages={
            "max_length": _("Keep it to at most %(limit_value)d characters (it has %(show_value)d).")
        },
    )
    shares_note = forms.BooleanField(
        required=False, label=_("Share my private note on this topic with the mentor who reviews it")
    )

    def clean_links(self) -> list[str]:
        try:
            return mentorship.clean_links(self.cleaned_data["links"].splitlines())
        except ValidationError as error:
            raise ValidationError(error.message_dict["links"]) from None

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("links") and not data.get("explanation", "").strip():
            raise ValidationError(_("Give a link to your work or explain it in words (or both)."))
        return data


class ProjectHandInForm(forms.Form):
    repository = forms.CharField(
        max_length=ReviewRequest.LINK_MAX_LENGTH,
        strip=True,
        widget=forms.URLInput(attrs={"spellcheck": "false", "autocapitalize": "off", "inputmode": "url"}),
        label=_("Your repository"),
        help_text=_("The https link to the repository, e.g. https://github.com/you/project."),
        error_messages={
            "required": _("Give the https link to your project's repository."),
            "max_length": _("Keep the link to at most %(limit_value)d characters (it has %(show_value)d)."),
        },
    )
    explanation = forms.CharField(
        required=False,
        max_length=ReviewRequest.EXPLANATION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        label=_("Anything the mentor should know (optional)"),
        help_text=_("Markdown. What you would like feedback on, or where you went beyond the requirements."),
        error_messages={
            "max_length": _("Keep it to at most %(limit_value)d characters (it has %(show_value)d).")
        },
    )

    def clean_repository(self) -> str:
        try:
            (link,) = mentorship.clean_links([self.cleaned_data["repository"]])
        except ValidationError as error:
            raise ValidationError(error.message_dict["links"]) from None
        return link


class ReplyForm(forms.Form):
    body = forms.CharField(
        max_length=ReviewMessage.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        label=_("Your reply"),
        help_text=_("Markdown. Say what you changed; resubmit when it is ready for another look."),
        error_messages={
            "required": _("Write your reply."),
            "max_length": _("Keep it to at most %(limit_value)d characters (it has %(show_value)d)."),
        },
    )


class DecisionForm(forms.Form):
    verdict = forms.ChoiceField(
        choices=[("verified", _("Verified: they have this")), ("needs_work", _("Needs work"))],
        widget=forms.RadioSelect,
        label=_("Your answer"),
        error_messages={"required": _("Choose “verified” or “needs work”.")},
    )
    feedback = forms.CharField(
        max_length=ReviewMessage.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        label=_("Feedback"),
        help_text=_("Markdown. The learner reads it with your answer."),
        error_messages={
            "required": _("Write your feedback: the learner reads it with your decision."),
            "max_length": _("Keep it to at most %(limit_value)d characters (it has %(show_value)d)."),
        },
    )


class DeskFilter(forms.Form):
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


def _published_sections():
    return (
        Section.objects.filter(roadmap__is_published=True)
        .select_related("roadmap")
        .order_by("roadmap__position", "roadmap_id", "position")
    )


class MentorSectionsForm(forms.Form):
    sections = forms.ModelMultipleChoiceField(
        queryset=_published_sections(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Sections you cover"),
        help_text=_("Their requests come first on your desk, and your digest tells you what waits there."),
    )
    watching = forms.ModelMultipleChoiceField(
        queryset=_published_sections(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Sections you watch"),
        help_text=_("Watching a section, you are told at once of each review request and new thread in it."),
    )

    def rows(self):
        """Each section's two choices side by side: cover it, and watch it."""
        return zip(self["sections"], self["watching"], strict=True)

    def clean(self):
        data = super().clean()
        if set(data.get("watching", ())) - set(data.get("sections", ())):
            self.add_error("watching", _("Watch only sections you cover: tick the section itself too."))
        return data
