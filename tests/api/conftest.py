from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api.helpers import token_client
from tests.factories import (
    AdminFactory,
    CommentFactory,
    MentorFactory,
    TagFactory,
    ThreadFactory,
    UserFactory,
    build_roadmap,
)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def author(db):
    return UserFactory(username="author", email="author@example.com")


@pytest.fixture
def suspended_user(db):
    return UserFactory(
        username="suspended",
        email="suspended@example.com",
        suspended_until=timezone.now() + timedelta(days=3),
        suspension_reason="Repeated spam",
    )


@pytest.fixture
def people(db, learner, author, suspended_user, mentor, admin_user):
    """One member of each role; "author" wrote the thread and comment under test."""
    return {
        "anonymous": None,
        "learner": learner,
        "author": author,
        "suspended": suspended_user,
        "mentor": mentor,
        "admin": admin_user,
    }


@pytest.fixture
def client_as(people):
    """client_as(role) -> an API client signed in with a token as that role (or anonymous)."""
    return lambda role: token_client(people[role])


@pytest.fixture
def roadmap_topics(db):
    return build_roadmap(topics=6, sections=2)


@pytest.fixture
def tags(db):
    return [
        TagFactory(slug=slug, name=slug.title())
        for slug in ("http", "databases", "python", "career", "devops")
    ]


@pytest.fixture
def thread(author, roadmap_topics, tags):
    return ThreadFactory(author=author, topic=roadmap_topics[1][0], tags=tags[:2])


@pytest.fixture
def comment(thread, author):
    return CommentFactory(thread=thread, author=author)


@pytest.fixture
def other_mentor(db):
    return MentorFactory(username="mentor2", email="mentor2@example.com")


@pytest.fixture
def other_admin(db):
    return AdminFactory(username="boss2", email="boss2@example.com")
