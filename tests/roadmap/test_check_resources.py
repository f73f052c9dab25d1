"""manage.py check_resources against a local HTTP server: a page that answers, one moved
permanently, one moved for now, one missing, and one that never answers in time."""

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command

from roadmap.models import Resource
from tests.factories import ResourceFactory, TopicFactory

pytestmark = pytest.mark.django_db

SLOW_SECONDS = 2


class Handler(BaseHTTPRequestHandler):
    def _answer(self, body: bool):
        if self.path == "/ok":
            self.send_response(200)
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
        elif self.path == "/moved-twice":
            self.send_response(308)
            self.send_header("Location", "/moved")
        elif self.path == "/for-now":
            self.send_response(302)
            self.send_header("Location", "/ok")
        elif self.path == "/no-head":
            self.send_response(405 if self.command == "HEAD" else 200)
        elif self.path == "/slow":
            time.sleep(SLOW_SECONDS)
            self.send_response(200)
        else:
            self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self):
        self._answer(body=False)

    def do_GET(self):
        self._answer(body=True)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def links(server):
    topic = TopicFactory(slug="http")
    return {
        path: ResourceFactory(topic=topic, url=f"{server}/{path}", position=index)
        for index, path in enumerate(["ok", "moved", "moved-twice", "for-now", "missing", "slow", "no-head"])
    }


def run(*args) -> str:
    out = io.StringIO()
    call_command("check_resources", "--timeout", "0.5", "--concurrency", "4", *args, stdout=out)
    return out.getvalue()


def test_it_reports_status_and_redirect_targets_and_changes_nothing(server, links):
    output = run()
    assert f"✗ http: {server}/missing (HTTP 404)" in output
    assert f"✗ http: {server}/slow (timed out)" in output
    assert f"→ http: {server}/moved moved to {server}/ok (301)" in output
    assert f"→ http: {server}/moved-twice moved to {server}/ok (308 → 301)" in output
    assert f"→ http: {server}/for-now redirects to {server}/ok (302)" in output
    assert f"{server}/no-head" not in output  # refused HEAD, answered GET
    assert "2 ok, 3 redirected, 2 broken (run with --write-redirects" in output
    assert Resource.objects.get(pk=links["moved"].pk).url == f"{server}/moved"


def test_it_shows_its_progress(server, links):
    output = run()
    assert "Checking 7 links of 7 resources, 4 at a time" in output
    assert "  checked 7/7" in output


def test_write_redirects_replaces_only_permanent_moves(server, links):
    links["ok"].delete()  # else the topic already lists the target
    output = run("--write-redirects")
    assert Resource.objects.get(pk=links["moved"].pk).url == f"{server}/ok"
    assert (
        Resource.objects.get(pk=links["moved-twice"].pk).url == f"{server}/moved-twice"
    )  # the topic lists /ok now
    assert Resource.objects.get(pk=links["for-now"].pk).url == f"{server}/for-now"
    assert "kept: the topic already lists the target" in output
    assert "1 link replaced by their target" in output


def test_the_same_link_twice_is_asked_for_once(server):
    for slug in ("a", "b"):
        ResourceFactory(topic=TopicFactory(slug=slug), url=f"{server}/ok")
    assert "Checking 1 link of 2 resources" in run()


def test_bad_options_are_refused():
    with pytest.raises(CommandError, match="between 1 and 32"):
        call_command("check_resources", "--concurrency", "0", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No roadmap with the slug 'nope'"):
        call_command("check_resources", "--roadmap", "nope", stdout=io.StringIO())
