import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_flood_of_login_attempts_from_one_address_is_answered_with_429(client, learner):
    statuses = [
        client.post(
            reverse("account_login"), {"login": f"user{n}@example.com", "password": "wrong"}
        ).status_code
        for n in range(31)
    ]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


def test_the_429_page_explains_what_to_do(client):
    for n in range(31):
        response = client.post(
            reverse("account_login"), {"login": f"user{n}@example.com", "password": "wrong"}
        )
    assert response.status_code == 429
    assert "Wait a few minutes" in response.text


def test_repeated_wrong_passwords_for_one_account_lock_it_for_a_while(client, learner, password):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": learner.email, "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": learner.email, "password": password})
    assert "Too many failed login attempts" in response.text
    assert not client.get(reverse("home")).context["user"].is_authenticated
