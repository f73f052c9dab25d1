"""The WSGI handler gunicorn serves (config.wsgi): Django's, with resolved paths remembered.

Django resolves every request's path by trying the URLconf's patterns in order: for a thread
page that is some sixty failed matches before the right one, 30 µs of a request that is
otherwise served from memory. A process sees the same paths again and again, and its URLconf
never changes, so it remembers what each path resolved to (the ResolverMatch, shared read-only
by the requests for that path) for the most recent paths. A path that resolves to nothing is
not remembered (anyone can make up new ones), nor is anything resolved with a request's own
URLconf (`request.urlconf`).
"""

from collections import OrderedDict

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import setting_changed
from django.dispatch import receiver

MOST_PATHS = 4096


class ResolvedPaths:
    """The last `most` paths resolved and what they resolved to, the least recently used
    forgotten first."""

    def __init__(self, most: int = MOST_PATHS):
        self.most = most
        self._matches: OrderedDict = OrderedDict()

    def get(self, key):
        match = self._matches.get(key)
        if match is not None:
            self._matches.move_to_end(key)
        return match

    def remember(self, key, match) -> None:
        self._matches[key] = match
        if len(self._matches) > self.most:
            self._matches.popitem(last=False)

    def clear(self) -> None:
        self._matches.clear()


resolved_paths = ResolvedPaths()


@receiver(setting_changed)
def _forget_resolved_paths(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        resolved_paths.clear()


class SiteHandler(WSGIHandler):
    def resolve_request(self, request):
        if hasattr(request, "urlconf"):
            return super().resolve_request(request)
        key = (settings.ROOT_URLCONF, request.path_info)
        match = resolved_paths.get(key)
        if match is None:
            match = super().resolve_request(request)  # a path that matches nothing raises here
            resolved_paths.remember(key, match)
        request.resolver_match = match
        return match
