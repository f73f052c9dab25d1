from django import forms

from roadmap.models import Note
from roadmap.services import STATUS_CHOICES


class ProgressForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(status, status) for status in STATUS_CHOICES],
        error_messages={
            "invalid_choice": "“%(value)s” is not a status. Use learning, done, skipped or none."
        },
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 6, "placeholder": "Your private note (markdown). Only you can see it."}
        ),
        label="My note",
        help_text=f"Markdown, up to {Note.MAX_LENGTH:,} characters. Only you can see it.",
    )
