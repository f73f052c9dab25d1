import pytest

from tests.factories import TagFactory, UserFactory


@pytest.fixture
def tags(db):
    return [
        TagFactory(slug=slug, name=slug.title())
        for slug in ("http", "databases", "python", "career", "devops")
    ]


@pytest.fixture
def unverified(db):
    return UserFactory(username="unverified", email="unverified@example.com", verified=False)


@pytest.fixture
def suspended(db):
    from datetime import timedelta

    from django.utils import timezone

    return UserFactory(
        username="suspended",
        email="suspended@example.com",
        suspended_until=timezone.now() + timedelta(days=3),
        suspension_reason="Repeated spam",
    )
