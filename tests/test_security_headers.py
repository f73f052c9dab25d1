"""Every HTML page carries the security headers, signed in or not."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["home", "account_login", "account_signup", "account_reset_password"]
PRIVATE_PAGES = [
    "accounts:settings",
    "accounts:delete",
    "community:notification-settings",
    "account_email",
    "account_change_password",
    "mfa_index",
]


def directives(response):
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_secure_headers(response):
    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_pages_send_security_headers(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_secure_headers(response)


@pytest.mark.parametrize("name", PRIVATE_PAGES)
def test_signed_in_pages_send_security_headers(learner_client, name):
    response = learner_client.get(reverse(name))
    assert response.status_code == 200
    assert_secure_headers(response)


def test_profile_and_error_pages_send_security_headers(client, learner):
    assert_secure_headers(client.get(reverse("accounts:profile", args=[learner.username])))
    assert_secure_headers(client.get("/no-such-page/"))


def test_pages_carry_no_inline_script_without_a_nonce(learner_client):
    import re

    response = learner_client.get(reverse("accounts:settings"))
    for tag in re.findall(r"<script[^>]*>", response.text):
        assert "src=" in tag or "nonce=" in tag, tag


def test_anonymous_home_page_sets_no_cookie(client):
    response = client.get(reverse("home"))
    assert response.cookies == {}


def test_pages_load_images_only_from_the_site_and_the_configured_hosts(client):
    assert directives(client.get(reverse("home")))["img-src"] == ["'self'", "data:"]
