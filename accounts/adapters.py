"""allauth hooks: how Stepwise validates usernames, and whom its emails say they come from."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django import forms
from django.conf import settings

from accounts.models import username_validator
from accounts.names import validate_username


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # A successful password reset lifts the lock on the account (allauth clears its failures).
        "too_many_login_attempts": (
            "Too many failed login attempts. Wait a few minutes, then try again, or reset your password."
        ),
    }

    def clean_username(self, username, shallow=False):
        try:
            username_validator(username)
        except forms.ValidationError as error:
            raise forms.ValidationError(error.messages) from None
        if len(username) > 30:
            raise forms.ValidationError("Usernames are at most 30 characters long.")
        validate_username(username)
        return super().clean_username(username, shallow=shallow)

    def send_mail(self, template_prefix, email, context):
        """allauth's emails name the site by its Sites row, written once at the first migration;
        they name instead the host their links lead to: the request's (allauth builds the links
        from it), else SITE_URL's."""
        request = allauth_context.request
        host = request.get_host() if request is not None else urlsplit(settings.SITE_URL).netloc
        site = SimpleNamespace(name="Stepwise", domain=host)
        super().send_mail(template_prefix, email, {"current_site": site, **context})
