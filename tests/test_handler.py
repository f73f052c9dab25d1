"""The WSGI handler gunicorn serves (config.handler): what each path resolves to is remembered
per process, and a page is served as Django's own handler serves it."""

import pytest
from django.core import signals
from django.db import close_old_connections
from django.test import override_settings
from django.urls import Resolver404, set_urlconf

from bench.middleware_cost import environ
from config.handler import ResolvedPaths, SiteHandler, resolved_paths
from tests.factories import ThreadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_database_kept_open():
    """As Django's test client does: a request must not close the test's own connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def serve(handler, path):
    status = []
    body = handler(environ(path), lambda code, headers, exc_info=None: status.append(code))
    content = b"".join(body)
    body.close()
    return status[0], content


@override_settings(ALLOWED_HOSTS=["127.0.0.1"])
def test_pages_are_served_and_their_paths_remembered_only_when_they_resolve(test_database_kept_open):
    thread = ThreadFactory(title="Resolved once")
    handler = SiteHandler()
    resolved_paths.clear()
    for _ in range(2):
        status, content = serve(handler, thread.get_absolute_url())
        assert status.startswith("200") and b"Resolved once" in content
    assert resolved_paths.get(("config.urls", thread.get_absolute_url())).url_name == "thread-detail"
    assert serve(handler, "/no/such/page/")[0].startswith("404")
    assert resolved_paths.get(("config.urls", "/no/such/page/")) is None


def test_only_the_most_recent_paths_are_kept():
    paths = ResolvedPaths(most=2)
    for name in "abc":
        paths.remember(name, name.upper())
    assert paths.get("a") is None
    assert paths.get("b") == "B"
    paths.remember("d", "D")  # b was used last: c goes
    assert (paths.get("b"), paths.get("c"), paths.get("d")) == ("B", None, "D")


def test_a_request_with_its_own_urlconf_is_resolved_with_it(rf):
    request = rf.get("/")
    request.urlconf = "bench.bare.urls"
    try:
        with pytest.raises(Resolver404):
            SiteHandler().resolve_request(request)
        request.path_info = "/hello"
        assert SiteHandler().resolve_request(request).route == "hello"
    finally:
        set_urlconf(None)  # as the end of a request does
