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
