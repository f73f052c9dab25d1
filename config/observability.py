"""Request ids and structured logs.

Logs are JSON lines in production (python-json-logger), plain text in development.
Every request gets an id (the proxy's `X-Request-ID` when it sends a sane one, else a new
one: this process's random prefix and a count, unique without asking the OS for randomness on
every request), returned in the response header and attached to every log record made while the
request runs. Celery tasks enqueued during the request carry the id in their headers, so a
worker's logs can be joined to the request that caused them.
"""

import contextvars
import itertools
import logging
import os
import re
import secrets

from celery import signals

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEADER = "X-Request-ID"
META_KEY = "HTTP_X_REQUEST_ID"


class _Ids:
    """32 hex digits: 20 random ones drawn once per process (again in a forked worker, which
    must not repeat its parent's), then a count of the requests it served."""

    def __init__(self):
        self.reset()
        os.register_at_fork(after_in_child=self.reset)

    def reset(self) -> None:
        self.prefix = secrets.token_hex(10)
        self.count = itertools.count(1)

    def new(self) -> str:
        return f"{self.prefix}{next(self.count) % 16**12:012x}"


new_request_id = _Ids().new


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(META_KEY)
        request_id = incoming if incoming and _VALID_ID.match(incoming) else new_request_id()
        request.request_id = request_id
        # Not reset on the way out: Django logs 4xx/5xx responses after the middleware chain
        # has returned, and those lines need the id too. The next request sets its own.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


@signals.before_task_publish.connect
def _send_request_id(headers=None, **kwargs):
    if headers is not None and request_id_var.get() != "-":
        headers.setdefault("request_id", request_id_var.get())


@signals.task_prerun.connect
def _receive_request_id(task=None, **kwargs):
    request_id = getattr(task.request, "request_id", None) if task else None
    request_id_var.set(request_id or f"task-{getattr(task.request, 'id', '-')}")
