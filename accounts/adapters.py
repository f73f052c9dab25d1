"""allauth hooks: how Stepwise validates usernames, counts failed logins and names itself in emails."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User, username_validator
from accounts.names import validate_username

# Set in the session of a member's first sign-in: the home page welcomes them for that visit.
FIRST_SIGN_IN = "accounts:first-sign-in"

LOGIN_MISMATCH = _(
    "That username or email and password do not match. Check both, or reset your password if "
    "you have forgotten it."
)


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # One answer whichever way in was typed, and whether or not such an account exists.
        "email_password_mismatch": LOGIN_MISMATCH,
        "username_password_mismatch": LOGIN_MISMATCH,
        # A successful password reset lifts the lock on the account (allauth clears its failures).
        "too_many_login_attempts": _(
            "Too many failed login attempts. Wait a few minutes, then try again, or reset your password."
        ),
    }

    def save_user(self, request, user, form, commit=True):
        user.timezone = form.cleaned_data.get("timezone") or user.timezone
        return super().save_user(request, user, form, commit=commit)

    def login(self, request, user):
        is_first_sign_in = user.last_login is None  # Django sets it as the sign-in completes
        super().login(request, user)
        if is_first_sign_in:
            request.session[FIRST_SIGN_IN] = True

    def _get_login_attempts_cache_key(self, request, **credentials):
        """allauth counts failed logins per what was typed; a username counts as its account's
        email, so that failures by username and by email share one lock, and a password reset
        (which clears the email's count) lifts it for both."""
        username = credentials.get("username")
        if username and "email" not in credentials:
            email = User.objects.filter(username__iexact=username).values_list("email", flat=True).first()
            if email:
                credentials = {**credentials, "email": email}
        return super()._get_login_attempts_cache_key(request, **credentials)

    def clean_username(self, username, shallow=False):
        try:
            username_validator(username)
        except forms.ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        if len(username) > 30:
            raise forms.ValidationError(_("Usernames are at most 30 characters long."))
        validate_username(username)
        return super().clean_username(username, shallow=shallow)

    def send_mail(self, template_prefix, email, context):
        """allauth's emails name the site by its Sites row, written once at the first migration;
        they name instead the host their links lead to: the request's (allauth builds the links
        from it), else SITE_URL's.

        They are written in the recipient's saved language. One who has not chosen (a new
        sign-up, whose address is being confirmed) gets the language of the request that asked
        for the email, which is theirs: account emails go out when someone acts on their own
        account; with no request, the site's."""
        request = allauth_context.request
        host = request.get_host() if request is not None else urlsplit(settings.SITE_URL).netloc
        site = SimpleNamespace(name="Stepwise", domain=host)
        with translation.override(self._language_for(email, context, request)):
            super().send_mail(template_prefix, email, {"current_site": site, **context})

    @staticmethod
    def _language_for(email, context, request) -> str:
        user = context.get("user")
        if not isinstance(user, User):
            user = User.objects.filter(email__iexact=email).only("language").first()
        if user is not None and user.language:
            return user.language
        return translation.get_language() if request is not None else settings.LANGUAGE_CODE
