import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.observability import _receive_request_id, _send_request_id, new_request_id, request_id_var

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def test_every_response_carries_a_request_id(client):
    response = client.get("/healthz")
    assert len(response["X-Request-ID"]) == 32


def test_a_sane_incoming_request_id_is_kept_and_a_bad_one_replaced(client):
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc12345-proxy"})["X-Request-ID"] == "abc12345-proxy"
    )
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})["X-Request-ID"]
    assert replaced != "bad id\nwith newline" and len(replaced) == 32


def test_log_records_made_during_a_request_carry_its_id(client):
    from config.observability import RequestIdFilter

    class Collect(logging.Handler):
        records = []

        def emit(self, record):
            self.records.append(record)

    handler = Collect()
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get("/no-such-page/", headers={"X-Request-ID": "trace-me-404"})
    finally:
        logger.removeHandler(handler)
    assert [record.request_id for record in Collect.records] == ["trace-me-404"]


def test_celery_tasks_carry_the_request_id_into_the_worker():
    token = request_id_var.set("req-12345678")
    headers = {}
    _send_request_id(headers=headers)
    request_id_var.reset(token)
    assert headers == {"request_id": "req-12345678"}

    class FakeTask:
        class request:  # noqa: N801 - mimics celery's Task.request
            request_id = "req-12345678"
            id = "task-1"

    _receive_request_id(task=FakeTask)
    assert request_id_var.get() == "req-12345678"


def test_production_logs_are_json_lines_with_the_request_id():
    script = (
        "import django, logging; django.setup();"
        "from config.observability import request_id_var; request_id_var.set('rid-abcdefgh');"
        "logging.getLogger('stepwise.test').warning('hello', extra={'user_id': 7})"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "example.com",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello" and line["level"] == "WARNING"
    assert line["request_id"] == "rid-abcdefgh" and line["user_id"] == 7


def test_request_ids_are_unique_across_requests_and_forked_workers(client):
    ids = {client.get("/healthz")["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # a worker forked from the preloaded master draws ids of its own
        os.write(write, new_request_id().encode())
        os._exit(0)
    os.waitpid(child, 0)
    from_child = os.read(read, 64).decode()
    assert from_child not in ids and from_child[:20] != next(iter(ids))[:20]
