"""The ASGI process: the WebSocket at /ws/ (config.consumers), nothing else in production.

Pages are served by gunicorn's sync workers (config.wsgi), which cost several times less CPU
per request here; nginx sends only /ws/ to this process (docs/deployment.md). `application`
answers /healthz, and any other HTTP request with a 404. `make run` serves pages and /ws/ from one process
with `runserver_application` (daphne's runserver, the ASGI_APPLICATION setting).

A socket is accepted only from a page of this site: its Origin must be one of ALLOWED_HOSTS.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_asgi_application()  # sets Django up before the consumers are imported


def open_caches() -> None:
    """Make every cache's client here, before any socket opens.

    Django keeps cache clients per async context: made later, in a socket's first database
    call, each socket would keep clients of its own for as long as it stays open (a Redis
    client is about 29 kB, most of what an idle socket cost). Made now, in the context every
    socket's is copied from, they are shared by all.
    """
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias]  # noqa: B018 - made and kept here, for every socket's context to inherit


open_caches()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from config.consumers import LiveConsumer  # noqa: E402

# No session middleware: the socket reads its session key from the cookie itself
# (config.consumers) and keeps nothing more of the session while it stays open.
websockets = AllowedHostsOriginValidator(URLRouter([path("ws/", LiveConsumer.as_asgi())]))


async def liveness(scope, receive, send):
    """HTTP to the ASGI process: /healthz answers while its event loop does (for a load
    balancer or a container's health check); anything else is a 404, pages are gunicorn's."""
    if scope["path"] == "/healthz":
        status, body = 200, b"live: ok\n"
    else:
        status, body = 404, b"This process serves /ws/ only; pages are the web's.\n"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": body})


application = ProtocolTypeRouter({"http": liveness, "websocket": websockets})
runserver_application = ProtocolTypeRouter({"http": django_application, "websocket": websockets})
