"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server."""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
# test body are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# How long an expectation waits for the page to reach it: a loaded machine (the whole suite
# in parallel, `make test-stress`) can take seconds to build the first API schema or render
# a map. Playwright's default is 5 s; a passing expectation returns as soon as it holds.
EXPECT_TIMEOUT_MS = 30_000
ACTION_TIMEOUT_MS = 30_000
# The two screens the browser tests look at; the phone is a touch screen, as a phone is.
SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


@pytest.fixture(autouse=True)
def _no_live_updates(settings):
    """pytest-django's live server is WSGI, with no /ws/: pages do not try to open the socket
    (tests/system/test_live_updates.py runs live updates through the whole cluster)."""
    settings.LIVE_UPDATES = False


def chromium_path():
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(chromium_path()).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield browser
        browser.close()


def _new_page(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.console_errors = errors
    return page


@pytest.fixture
def page(browser, live_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    page = _new_page(browser, live_server, viewport={"width": 1280, "height": 900})
    yield page
    page.context.close()


@pytest.fixture
def screen_page(browser, live_server, settings):
    """Open a page on a screen (an entry of SCREENS, or options of the same kind), signed in as
    `user` if one is given."""
    settings.ALLOWED_HOSTS = ["*"]
    pages = []

    def open_page(screen, user=None):
        page = _new_page(browser, live_server, **screen)
        if user is not None:
            page.context.add_cookies([session_cookie(user, live_server.url)])
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.context.close()


def save_screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Keep a screenshot as test-artifacts/<name>.png: of the whole page, or of what the screen
    shows (a sheet fixed over the page is drawn only once, where the screen is)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def screenshot(page, request):
    """Keep a screenshot named after the test, for a look at what it saw."""

    def take(name):
        return save_screenshot(page, f"{request.node.name}-{name}")

    return take


def session_cookie(user, url) -> dict:
    """A session cookie for `user`, so a test starts signed in without loading the login form."""
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": url,
    }


@pytest.fixture
def log_in(page):
    """Log a user in through the real login form."""

    def log_in_as(user, password):
        page.goto("/accounts/login/")
        page.get_by_label("Username or email").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return log_in_as


def signed_in(browser, live_server, user, *, javascript=True):
    """A new browser context and page signed in as `user` (made by tests.factories, with its
    password) through the login form, and the list its console errors are added to."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return context, page, errors
