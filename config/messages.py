"""Django's message middleware, with the storage opened only when a message is read or added.

Opening it signs nothing but still builds a cookie signer and two storages on every request,
and most requests (every page served from the cache, every API call) never touch a message.
"""

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.messages.storage import default_storage
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.utils.functional import SimpleLazyObject, empty

# The storages whose messages wait in the cookie or the session under their usual names.
USUAL_STORAGES = {
    "django.contrib.messages.storage.fallback.FallbackStorage",
    "django.contrib.messages.storage.cookie.CookieStorage",
    "django.contrib.messages.storage.session.SessionStorage",
}


class MessageMiddleware(DjangoMessageMiddleware):
    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response  # nothing read or added: nothing to store
        return super().process_response(request, response)


def any_waiting(request) -> bool:
    """Whether a message waits to be shown to this request. While the storage is unopened, a
    message can only be waiting in the messages cookie or in the session under its usual key:
    if neither is there, the answer is known without opening it (most signed-in pages)."""
    messages = getattr(request, "_messages", None)
    if (
        isinstance(messages, SimpleLazyObject)
        and messages._wrapped is empty
        and settings.MESSAGE_STORAGE in USUAL_STORAGES
        and CookieStorage.cookie_name not in request.COOKIES
        and (not hasattr(request, "session") or SessionStorage.session_key not in request.session)
    ):
        return False
    return bool(get_messages(request))
