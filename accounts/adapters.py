"""allauth hooks: how Stepwise validates usernames."""

from allauth.account.adapter import DefaultAccountAdapter
from django import forms

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
