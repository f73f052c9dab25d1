"""/bench/hello, the baseline of bench/run: mounted only with BENCH_ENDPOINTS, and free of
database and cache work."""

import importlib

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
