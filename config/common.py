"""Django's CommonMiddleware, with the Host header's check remembered per process.

Every request's Host is checked against ALLOWED_HOSTS (request.get_host(), which raises
DisallowedHost, answered with a 400): a split of the header and a match against each allowed
pattern, for the same few hosts over and over. `check_host` does that check once per process
for each Host (and X-Forwarded-Host) it sees, and is what CommonMiddleware and the kept pages
(config.page_cache) call. Everything else of CommonMiddleware (the www. and trailing-slash
redirects, refused user agents, Content-Length) is Django's.
"""

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.middleware.common import CommonMiddleware as DjangoCommonMiddleware

from config.cache import Remembered

# The Host (and X-Forwarded-Host) headers this process found allowed. Wildcards allow any
# number of subdomains: when full, all are forgotten.
_allowed_hosts = Remembered(most=256)


def check_host(request) -> None:
    """Raise DisallowedHost for a host ALLOWED_HOSTS does not allow, as request.get_host()."""
    headers = (request.META.get("HTTP_HOST"), request.META.get("HTTP_X_FORWARDED_HOST"))
    if _allowed_hosts.get(headers) is None:
        request.get_host()
        _allowed_hosts.remember(headers, True)


@receiver(setting_changed)
def _forget_allowed_hosts(setting, **kwargs):
    if setting in {"ALLOWED_HOSTS", "USE_X_FORWARDED_HOST", "USE_X_FORWARDED_PORT", "DEBUG"}:
        _allowed_hosts.clear()


class CommonMiddleware(DjangoCommonMiddleware):
    def process_request(self, request):
        if settings.DISALLOWED_USER_AGENTS or settings.PREPEND_WWW:
            return super().process_request(request)  # what it does besides the Host check
        check_host(request)
        return None
