"""Request ids and structured logs.

Logs are JSON lines in production (python-json-logger), plain text in development.
Every request gets an id (the proxy's `X-Request-ID` when it sends a sane one, else a new
one), returned in the response header and attached to every log record made while the
request runs. Celery tasks enqueued during the request carry the id in their headers, so a
worker's logs can be joined to the request that caused them.
"""

import contextvars
import logging
import re
import uuid

from celery import signals

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEADER = "X-Request-ID"


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(HEADER, "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
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
