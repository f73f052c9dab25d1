"""/bench/hello, the baseline of bench/run: mounted only with BENCH_ENDPOINTS, and free of
database and cache work; the bare Django hello it is measured against; and the tool that says
what each middleware adds to it."""

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import clear_url_caches

import config.urls


@pytest.fixture
def bench_endpoints(settings):
    settings.BENCH_ENDPOINTS = True
    clear_url_caches()
    importlib.reload(config.urls)
    yield
    settings.BENCH_ENDPOINTS = False
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.mark.django_db
def test_bench_hello_is_not_mounted_by_default(client):
    assert client.get("/bench/hello").status_code == 404


@pytest.mark.django_db
def test_bench_hello_answers_plain_text_without_queries(bench_endpoints, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/bench/hello")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"hello\n"
    assert not response.cookies


ROOT = Path(__file__).resolve().parents[2]


def _run(*arguments: str, settings_module: str = "config.settings") -> str:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module}
    return subprocess.run(
        [sys.executable, *arguments], cwd=ROOT, env=environment, check=True, capture_output=True, text=True
    ).stdout


def test_the_bare_hello_runs_no_middleware_and_sends_only_its_content_type():
    answer = _run(
        "-c",
        "import django; django.setup(); from django.test import Client; r = Client().get('/hello'); "
        "print(r.status_code, repr(r.content), sorted(r.headers))",
        settings_module="bench.bare.settings",
    )
    assert answer.strip() == "200 b'hello\\n' ['Content-Type']"


def test_the_middleware_cost_tool_names_every_middleware_with_its_cost():
    from django.conf import settings

    report = _run("-W", "ignore", "bench/middleware_cost.py", "--batches", "1", "--requests", "3")
    assert "bare Django hello" in report and "/bench/hello, whole stack" in report
    for name in settings.MIDDLEWARE:
        assert re.search(rf"^  {re.escape(name)} +-?\d+\.\d µs$", report, re.MULTILINE), name
