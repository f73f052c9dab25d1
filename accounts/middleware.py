"""Django's authentication middleware, with the member's saved language applied as they load.

The member is still loaded lazily, on the first use of `request.user`: a page that loads them
reads them in the same Redis round trip as its own version tokens (config.cache.read_ahead). As
they load, their saved language replaces the one the cookie or the browser gave, before
anything is rendered (config.language.apply_saved_choice), and the member takes the lazy
object's place on the request: a page reads `request.user` a hundred times, and each read
through the proxy costs a failed attribute lookup.
"""

from functools import partial

from django.contrib.auth import get_user
from django.contrib.auth import middleware as auth_middleware
from django.utils.functional import SimpleLazyObject

from config import language


def _member(request):
    user = get_user(request)
    if user.is_authenticated:
        language.apply_saved_choice(request, user)
    request.user = user
    return user


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    def process_request(self, request):
        if not hasattr(request, "session"):
            super().process_request(request)  # Django's ImproperlyConfigured, with its advice
        request.user = SimpleLazyObject(lambda: _member(request))
        request.auser = partial(auth_middleware.auser, request)
