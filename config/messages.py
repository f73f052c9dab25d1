"""Django's message middleware, with the storage opened only when a message is read or added.

Opening it signs nothing but still builds a cookie signer and two storages on every request,
and most requests (every page served from the cache, every API call) never touch a message.
"""

from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.messages.storage import default_storage
from django.utils.functional import SimpleLazyObject, empty


class MessageMiddleware(DjangoMessageMiddleware):
    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response  # nothing read or added: nothing to store
        return super().process_response(request, response)
