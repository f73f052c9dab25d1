from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import TIMEZONE_CHOICES, WEEKLY_GOAL_MAX, ApiToken, User
from accounts.names import validate_display_name


class TimezoneField(forms.ChoiceField):
    """A select of the zones zoneinfo knows (TIMEZONE_CHOICES, from available_timezones()):
    any other value is refused. `detect` tells static/js/app.js what to do with the browser's
    zone: "fill" chooses it (sign-up), "offer" adds a button that chooses it (settings, where
    the saved zone stays until the member picks another). Without JavaScript, a plain select."""

    def __init__(self, *, detect, **kwargs):
        kwargs.setdefault("label", _("Timezone"))
        kwargs.setdefault("help_text", _("Dates and your digest hour follow this timezone."))
        super().__init__(
            choices=TIMEZONE_CHOICES,
            widget=forms.Select(attrs={"data-timezone-detect": detect}),
            error_messages={"invalid_choice": _("Choose a timezone from the list.")},
            **kwargs,
        )


class SignupForm(AllauthSignupForm):
    timezone = TimezoneField(detect="fill", required=False, initial="UTC")

    def clean_timezone(self):
        return self.cleaned_data["timezone"] or "UTC"


class LoginForm(AllauthLoginForm):
    """allauth's login form, whose one field takes a username or an email address: a text
    input (an email input would refuse a username in the browser), labelled for both."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Username or email")
        login.widget.attrs.update({"autocomplete": "username", "placeholder": ""})


class SettingsForm(forms.ModelForm):
    timezone = TimezoneField(detect="offer")
    digest_hour = forms.TypedChoiceField(
        coerce=int,
        label=_("Digest hour"),
        choices=[(hour, f"{hour:02d}:00") for hour in range(24)],
        help_text=_("Local time at which your digest is sent."),
    )
    weekly_goal = forms.IntegerField(
        label=_("Weekly goal"),
        required=False,
        min_value=1,
        max_value=WEEKLY_GOAL_MAX,
        help_text=_(
            "How many topics you mean to finish each week, from 1 to 50. Your home page and your digest "
            "tell you how you are doing. Leave it empty for no goal."
        ),
        error_messages={
            "invalid": _("Write the number of topics as a whole number, such as 3."),
            "min_value": _("A goal is at least 1 topic a week; leave it empty for no goal."),
            "max_value": _("Keep the goal to %(limit_value)s topics a week or fewer."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    class Meta:
        model = User
        fields = [
            "display_name",
            "bio",
            "timezone",
            "language",
            "digest_frequency",
            "digest_hour",
            "is_progress_public",
            "weekly_goal",
        ]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4, "maxlength": 500})}
        labels = {
            "display_name": _("Display name"),
            "bio": _("Bio"),
            "language": _("Language"),
            "digest_frequency": _("Digest frequency"),
        }
        help_texts = {
            "display_name": _("Shown beside your username. Up to 60 characters."),
            "bio": _("A few words about you and what you are learning. Up to 500 characters."),
        }

    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if any(ch in name for ch in "<>"):
            raise forms.ValidationError(_("Display names cannot contain < or >."))
        if name and "display_name" in self.changed_data:  # a name kept from before stays allowed
            validate_display_name(name, user=self.instance)
        return name

    def save(self, commit=True):
        """Write this form's fields only: the rest of the row (password, roles, suspension) is
        not the form's to write back, even from an instance loaded a moment earlier."""
        user = super().save(commit=False)
        if commit:
            user.save(update_fields=self._meta.fields)
        return user


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Type your password to confirm."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That password is not right. Your account was not deleted."))
        return password


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken.NAME_MAX,
        help_text=_("What the token is for, e.g. the tool or script that will use it."),
    )
