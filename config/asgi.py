"""The live process: the WebSocket at /ws/ (config.consumers), and nothing else.

Pages are served by gunicorn's sync workers (config.wsgi), which cost several times less CPU
per request here; nginx sends only /ws/ to this process (docs/deployment.md). It is served by
uvicorn with wsproto (Procfile, compose.yaml). `application` answers /healthz, and any other
HTTP request with a 404. `make run` serves pages and /ws/ from one process (config.devserver).

This process holds thousands of idle sockets, so what it loads counts: it sets Django up with
the site's settings but only the apps its sockets need (LIVE_PROCESS_APPS) and no middleware,
since it serves no page.

A socket is accepted only from a page of this site: its Origin must be one of ALLOWED_HOSTS.
"""

import importlib
import os

import django
from django.conf import settings


def configure_live_process() -> None:
    """The site's settings, with LIVE_PROCESS_APPS as the installed apps. A process that has
    set Django up already (the tests, config.devserver) keeps what it has."""
    if settings.configured:
        return
    site = importlib.import_module(os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"))
    values = {name: getattr(site, name) for name in dir(site) if name.isupper()}
    settings.configure(**{**values, "INSTALLED_APPS": site.LIVE_PROCESS_APPS})


configure_live_process()
django.setup(set_prefix=False)

from config.consumers import open_caches, websocket  # noqa: E402 - once Django is set up

open_caches()


async def liveness(scope, receive, send):
    """HTTP to the live process: /healthz answers while its event loop does (for a load
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


async def application(scope, receive, send):
    if scope["type"] == "http":
        await liveness(scope, receive, send)
    elif scope["type"] == "websocket":
        await websocket(scope, receive, send)
    else:
        raise ValueError(f"The live process serves HTTP and WebSockets, not {scope['type']!r}.")
