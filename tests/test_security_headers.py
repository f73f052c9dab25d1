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
        if re.search(r'type="application/(ld\+)?json"', tag):
            continue  # a data block (the script words, JSON-LD): the browser never runs it
        assert "src=" in tag or "nonce=" in tag, tag


def test_anonymous_home_page_sets_no_cookie(client):
    response = client.get(reverse("home"))
    assert response.cookies == {}


def test_pages_load_images_only_from_the_site_and_the_configured_hosts(client):
    assert directives(client.get(reverse("home")))["img-src"] == ["'self'", "data:"]


def _through_csp(view):
    from django.test import RequestFactory

    from config.csp import CSPMiddleware

    return CSPMiddleware(view)(RequestFactory().get("/"))


def test_a_page_that_uses_a_nonce_gets_its_own_in_the_policy():
    from django.http import HttpResponse

    nonces = []

    def page(request):
        nonces.append(str(request.csp_nonce))
        return HttpResponse(f'<script nonce="{nonces[-1]}"></script>')

    policies = [directives(_through_csp(page)) for _ in range(2)]
    assert nonces[0] != nonces[1]
    for nonce, policy in zip(nonces, policies, strict=True):
        assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'"]


def test_a_page_without_a_nonce_gets_none_in_the_policy():
    from django.http import HttpResponse

    policy = directives(_through_csp(lambda request: HttpResponse("hello")))
    assert policy["script-src"] == ["'self'"]


def test_a_nonce_asked_for_after_the_header_is_written_is_refused_every_time():
    """It could not be in the policy any more: a script using it would be blocked (django-csp's
    rule). Every request gets the refusal, one after another."""
    from csp.exceptions import CSPNonceError
    from django.http import HttpResponse
    from django.test import RequestFactory

    from config.csp import CSPMiddleware

    for _ in range(2):
        request = RequestFactory().get("/")
        CSPMiddleware(lambda request: HttpResponse("hello"))(request)
        with pytest.raises(CSPNonceError):
            str(request.csp_nonce)


def test_a_views_own_policy_still_applies(admin_client, learner):
    response = admin_client.get(reverse("admin:community_digestdelivery_preview", args=[learner.pk]))
    assert response.status_code == 200
    assert "'unsafe-inline'" in directives(response)["style-src"]
    assert "'unsafe-inline'" not in directives(admin_client.get(reverse("admin:index")))["style-src"]
