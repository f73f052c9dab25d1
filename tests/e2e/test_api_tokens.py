"""A member creates an API token in their settings, sees it once, uses it, and revokes it."""

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_creates_uses_and_revokes_an_api_token(page, log_in, live_server, screenshot):
    member = UserFactory()
    log_in(member, "correct-horse-battery-staple")
    page.goto("/settings/")
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("my script")
    page.get_by_role("button", name="Create token").click()

    key = page.get_by_label("Token").input_value()
    assert len(key) >= 40
    screenshot("created")
    me = page.request.get(f"{live_server.url}/api/v1/me/", headers={"Authorization": f"Bearer {key}"})
    assert me.status == 200 and me.json()["username"] == member.username

    page.goto("/settings/tokens/")
    expect(page.get_by_label("Token")).to_have_count(0)
    expect(page.get_by_role("cell", name="my script", exact=True)).to_be_visible()
    page.get_by_role("button", name="Revoke my script").click()
    expect(page.get_by_text("The token is revoked")).to_be_visible()
    refused = page.request.get(f"{live_server.url}/api/v1/me/", headers={"Authorization": f"Bearer {key}"})
    assert refused.status == 401
    assert page.console_errors == []
