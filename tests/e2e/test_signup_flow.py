import re

import pytest
from django.core import mail
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_newcomer_signs_up_verifies_email_logs_in_and_sees_profile(page, screenshot):
    page.goto("/")
    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password", exact=True).fill("a-long-enough-passphrase")
    page.get_by_label("Password (again)").fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Sign Up").click()
    page.wait_for_url(re.compile(r"/accounts/confirm-email/$"))
    assert "Verify Your Email Address" in page.content()

    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("You have confirmed newcomer@example.com")).to_be_visible()

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Password").fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/$"))

    page.get_by_text("newcomer", exact=False).first.click()
    page.get_by_role("link", name="Your profile").click()
    page.wait_for_url(re.compile(r"/u/newcomer/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "newcomer"
    screenshot("profile")
    assert page.console_errors == []


@pytest.fixture
def berlin_page(browser, live_server, settings):
    """A browser whose clock says Europe/Berlin."""
    settings.ALLOWED_HOSTS = ["*"]
    context = browser.new_context(base_url=live_server.url, timezone_id="Europe/Berlin")
    yield context.new_page()
    context.close()


def test_signup_chooses_the_browsers_timezone_and_settings_offer_it(berlin_page, password):
    from accounts.models import User
    from tests.factories import UserFactory

    page = berlin_page
    page.goto("/accounts/signup/")
    expect(page.get_by_label("Timezone")).to_have_value("Europe/Berlin")

    UserFactory(username="tokyo", email="tokyo@example.com", timezone="Asia/Tokyo")
    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill("tokyo")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/settings/")
    expect(page.get_by_label("Timezone")).to_have_value("Asia/Tokyo")  # saved, not overridden
    page.get_by_role("button", name="Use Europe/Berlin (your browser's timezone)").click()
    expect(page.get_by_label("Timezone")).to_have_value("Europe/Berlin")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_load_state()
    assert User.objects.get(username="tokyo").timezone == "Europe/Berlin"
