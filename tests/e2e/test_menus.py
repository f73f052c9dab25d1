"""Menus give focus back to what opened them when they close, so a keyboard user carries on
from where they were rather than from the top of the page."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def account_menu(page):
    return page.locator("details.account-menu")


def opener(page):
    return page.locator("details.account-menu > summary")


@pytest.fixture
def signed_in_page(page, log_in):
    log_in(UserFactory(username="nora"), PASSWORD)
    page.goto("/discussions/")
    return page


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_escape_closes_the_account_menu_and_returns_focus_to_its_opener(signed_in_page, viewport):
    page = signed_in_page
    if viewport:
        page.set_viewport_size(viewport)
    opener(page).focus()
    page.keyboard.press("Enter")
    expect(account_menu(page)).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Your profile")).to_be_focused()

    page.keyboard.press("Escape")

    expect(account_menu(page)).not_to_have_attribute("open", "")
    expect(opener(page)).to_be_focused()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_second_click_closes_the_account_menu_with_focus_on_its_opener(signed_in_page, viewport):
    page = signed_in_page
    if viewport:
        page.set_viewport_size(viewport)
    opener(page).click()
    expect(page.get_by_role("link", name="Your profile")).to_be_visible()

    opener(page).click()

    expect(account_menu(page)).not_to_have_attribute("open", "")
    expect(opener(page)).to_be_focused()
