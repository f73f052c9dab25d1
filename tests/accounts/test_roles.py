"""One definition of the roles (accounts.roles): whoever holds the moderation permission, by
the Mentors group or given directly, is a mentor for the powers, the badges and the reserved
names alike; a suspended mentor keeps the role and loses the powers."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import names
from community import moderation
from tests.factories import CommentFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db

MENTOR_BADGE = 'title="Stepwise mentor">Mentor</span>'


@pytest.fixture
def given_the_permission():
    """A member given the moderation permission directly, in no group."""
    user = UserFactory(username="direct", display_name="Grace Hopper")
    user.user_permissions.add(Permission.objects.get(codename="moderate_community"))
    return user


@pytest.fixture
def suspended_mentor(mentor):
    mentor.display_name = "Grace Hopper"
    mentor.suspended_until = timezone.now() + timedelta(days=3)
    mentor.save()
    return mentor


def test_a_member_given_the_permission_directly_can_moderate(given_the_permission, learner):
    comment = CommentFactory(author=learner)
    client = Client()
    client.force_login(given_the_permission)

    assert client.get(reverse("community:mod-queue")).status_code == 200
    moderation.hide(moderator=given_the_permission, target=comment, reason="Off topic")


def test_a_member_given_the_permission_directly_shows_the_mentor_badge(given_the_permission):
    thread = ThreadFactory(author=given_the_permission)
    CommentFactory(thread=thread, author=given_the_permission)

    assert Client().get(thread.get_absolute_url()).text.count(MENTOR_BADGE) == 2
    profile = Client().get(reverse("accounts:profile", args=["direct"])).text
    assert '<span class="badge">Mentor</span>' in profile
    assert Client().get("/api/v1/users/direct/").json()["role"] == "mentor"


def test_the_name_of_a_member_given_the_permission_directly_is_reserved(given_the_permission, learner):
    with pytest.raises(ValidationError, match="too close to the name of a mentor"):
        names.validate_display_name("Grace Hopper", user=learner)


def test_a_suspended_mentor_has_no_moderation_powers(suspended_mentor, learner):
    client = Client()
    client.force_login(suspended_mentor)

    assert client.get(reverse("community:mod-queue")).status_code == 403
    with pytest.raises(PermissionDenied):
        moderation.hide(moderator=suspended_mentor, target=CommentFactory(author=learner), reason="Spam")


def test_a_suspended_mentor_keeps_the_badge_and_the_reserved_name(suspended_mentor, learner):
    thread = ThreadFactory(author=suspended_mentor)

    assert MENTOR_BADGE in Client().get(thread.get_absolute_url()).text
    with pytest.raises(ValidationError, match="too close to the name of a mentor"):
        names.validate_display_name("Grace Hopper", user=learner)


def test_the_badge_and_the_reserved_name_go_with_the_permission(mentor, learner):
    mentor.display_name = "Grace Hopper"
    mentor.save()
    thread = ThreadFactory(author=mentor)
    client = Client()
    assert MENTOR_BADGE in client.get(thread.get_absolute_url()).text

    Group.objects.get(name="Mentors").permissions.remove(
        Permission.objects.get(codename="moderate_community")
    )

    assert MENTOR_BADGE not in client.get(thread.get_absolute_url()).text
    names.validate_display_name("Grace Hopper", user=learner)


def test_the_badge_appears_on_a_cached_page_when_the_permission_is_given_directly(learner):
    thread = ThreadFactory(author=learner)
    client = Client()
    assert MENTOR_BADGE not in client.get(thread.get_absolute_url()).text

    learner.user_permissions.add(Permission.objects.get(codename="moderate_community"))

    assert MENTOR_BADGE in client.get(thread.get_absolute_url()).text
