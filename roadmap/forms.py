from django import forms
from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from config.language import filled_in
from roadmap.models import Note
from roadmap.services import STATUS_CHOICES


class ProgressForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(status, status) for status in STATUS_CHOICES],
        error_messages={
            # Translators: learning, done, skipped and none are the values to send: keep them in English.
            "invalid_choice": _("“%(value)s” is not a status. Use learning, done, skipped or none.")
        },
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 6, "placeholder": _("Your private note (markdown). Only you can see it.")}
        ),
        label=_("My note"),
        help_text=filled_in(
            _("Markdown, up to %(limit)s characters. Only you can see it."),
            limit=lazy(number_format, str)(Note.MAX_LENGTH, force_grouping=True),
        ),
    )
