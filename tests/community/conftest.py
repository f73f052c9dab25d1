import pytest

from tests.community.notification_mail import DELAY, WINDOW
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


@pytest.fixture
def notification_mail(settings):
    """Notification emails into Django's outbox, on the clock of tests.community.notification_mail,
    with links to the production-like address."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFICATION_EMAIL_DELAY = DELAY
    settings.NOTIFICATION_EMAIL_WINDOW = WINDOW
    settings.SITE_URL = "https://stepwise.example"
