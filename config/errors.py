"""Errors the services of every app share."""

from django.core.exceptions import ValidationError


class Conflict(ValidationError):
    """The request is well formed, but the current state of things forbids it (a post flagged
    twice, a thread already locked, an account not suspended). A ValidationError, so the pages
    show it on their forms; they and the API answer 409 Conflict, not 400."""
