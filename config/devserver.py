"""What `make run` serves: every page and the WebSocket at /ws/ from one process (uvicorn,
reloading on code changes), on the embedded defaults, so a newcomer sees live updates with no
setup. In production pages are gunicorn's (config.wsgi) and /ws/ the live process's (config.asgi).

Static files come from WhiteNoise's middleware, which finds them in the apps while DEBUG is on.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

pages = get_asgi_application()  # sets Django up before the consumers are imported

from config.consumers import open_caches, websocket  # noqa: E402 - once Django is set up

open_caches()


async def application(scope, receive, send):
    if scope["type"] == "websocket":
        await websocket(scope, receive, send)
    else:
        await pages(scope, receive, send)
