"""Sessions signed in before 2026-11-25 name authentication backends that were replaced by
accounts.backends' cached ones; Django signs such a session out. This middleware moves each
to its successor on its next request, once (the session is saved with the new name). It can
go once those sessions have expired (SESSION_COOKIE_AGE after that date)."""

from django.contrib.auth import BACKEND_SESSION_KEY

RENAMED_BACKENDS = {
    "accounts.backends.CachedPermissionsBackend": "accounts.backends.CachedModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "accounts.backends.CachedEmailBackend",
}


class RenamedBackendSessions:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        renamed = RENAMED_BACKENDS.get(request.session.get(BACKEND_SESSION_KEY))
        if renamed:
            request.session[BACKEND_SESSION_KEY] = renamed
        return self.get_response(request)
