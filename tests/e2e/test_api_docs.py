"""The API docs render in Chromium under our Content-Security-Policy, from our own origin."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_docs_render_without_console_errors(page, live_server, screenshot):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name="Stepwise API")).to_be_visible()
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/threads/").first).to_be_visible()
    screenshot("docs")
    assert page.console_errors == []
    assert [url for url in requested if not url.startswith(live_server.url)] == []
