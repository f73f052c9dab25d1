"""Login rate limits: failures are counted per client address and per account, a refused login
answers 429 on the login page, and behind a trusted proxy the client address is the one the
proxy saw (NUM_PROXIES, which sets ALLAUTH_TRUSTED_PROXY_COUNT)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed login attempts"
ATTACKER, VISITOR = "203.0.113.7", "198.51.100.20"


def log_in(client, email, password, *, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(reverse("account_login"), {"login": email, "password": password}, headers=headers)


@pytest.fixture
def behind_one_proxy(settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1


def test_an_address_that_keeps_failing_is_refused_with_429_whichever_account_it_tries(client):
    statuses = [log_in(client, f"user{n}@example.com", "wrong").status_code for n in range(11)]
    assert statuses == [200] * 10 + [429]


def test_a_flood_of_login_posts_gets_the_429_page_that_explains_what_to_do(client):
    for n in range(31):
        response = log_in(client, f"user{n}@example.com", "wrong")
    assert response.status_code == 429
    assert "Wait a few minutes" in response.text


def test_a_rate_limited_login_answers_429_with_the_message_and_keeps_the_email_typed(
    client, learner, password
):
    for _ in range(5):
        assert log_in(client, learner.email, "wrong").status_code == 200
    response = log_in(client, learner.email, password)
    assert response.status_code == 429
    assert LOCKED in response.text and "reset your password" in response.text
    assert f'value="{learner.email}"' in response.text
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_without_a_trusted_proxy_x_forwarded_for_is_not_believed(client, learner, password):
    for n in range(10):
        log_in(client, f"user{n}@example.com", "wrong", forwarded_for=f"192.0.2.{n}")
    assert log_in(client, learner.email, password, forwarded_for=VISITOR).status_code == 429


def test_behind_one_proxy_one_clients_failures_do_not_lock_out_another_client_address(
    behind_one_proxy, learner, password
):
    attacker = Client()
    statuses = [
        log_in(attacker, f"user{n}@example.com", "wrong", forwarded_for=ATTACKER).status_code
        for n in range(11)
    ]
    assert statuses[-1] == 429
    assert log_in(Client(), learner.email, password, forwarded_for=VISITOR).status_code == 302


def test_behind_one_proxy_a_forged_x_forwarded_for_entry_does_not_give_a_fresh_address(
    behind_one_proxy, learner, password
):
    """The proxy appends the address it saw; what the client sent before it is not believed."""
    attacker = Client()
    for n in range(10):
        log_in(attacker, f"user{n}@example.com", "wrong", forwarded_for=f"192.0.2.{n}, {ATTACKER}")
    response = log_in(attacker, learner.email, password, forwarded_for=f"192.0.2.99, {ATTACKER}")
    assert response.status_code == 429


def test_failures_against_one_account_lock_it_for_every_address_while_other_accounts_sign_in(
    behind_one_proxy, learner, other_learner, password
):
    for n in range(5):
        assert log_in(Client(), learner.email, "wrong", forwarded_for=f"192.0.2.{n}").status_code == 200
    response = log_in(Client(), learner.email, password, forwarded_for=VISITOR)
    assert response.status_code == 429 and LOCKED in response.text
    assert log_in(Client(), other_learner.email, password, forwarded_for=VISITOR).status_code == 302
    assert log_in(Client(), other_learner.email, password, forwarded_for="192.0.2.0").status_code == 302


def test_the_account_lock_counts_the_email_whatever_its_case(behind_one_proxy, password):
    user = UserFactory(email="casey@example.com", username="casey")
    for n in range(5):
        typed = "CASEY@example.com" if n % 2 else "casey@EXAMPLE.com"
        log_in(Client(), typed, "wrong", forwarded_for=f"192.0.2.{n}")
    assert log_in(Client(), user.email, password, forwarded_for=VISITOR).status_code == 429


def test_the_account_lock_counts_failures_by_username_and_by_email_together(behind_one_proxy, password):
    user = UserFactory(email="casey@example.com", username="casey")
    for n in range(5):
        typed = "Casey" if n % 2 else "casey@example.com"
        assert log_in(Client(), typed, "wrong", forwarded_for=f"192.0.2.{n}").status_code == 200
    for typed in (user.username, user.email):
        response = log_in(Client(), typed, password, forwarded_for=VISITOR)
        assert response.status_code == 429 and LOCKED in response.text


def test_a_username_that_keeps_failing_from_one_address_is_refused_with_429(client, learner):
    statuses = [log_in(client, "learner", "wrong").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
