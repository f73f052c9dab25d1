"""Permissions come from the cache, and every change to roles reaches the next check."""

from django.contrib.auth.models import Group, Permission

from accounts.models import User
from community import permissions


def fresh(user):
    return User.objects.get(pk=user.pk)  # a new request loads the user afresh


def test_a_second_request_checks_permissions_without_queries(mentor, django_assert_num_queries):
    assert permissions.is_moderator(fresh(mentor))
    user = fresh(mentor)
    with django_assert_num_queries(0):
        assert permissions.is_moderator(user)


def test_removing_someone_from_the_mentors_takes_their_powers_at_once(mentor):
    assert permissions.is_moderator(fresh(mentor))
    mentor.groups.clear()
    assert not permissions.is_moderator(fresh(mentor))


def test_adding_a_learner_to_the_mentors_gives_them_powers_at_once(learner):
    assert not permissions.is_moderator(fresh(learner))
    learner.groups.add(Group.objects.get(name="Mentors"))
    assert permissions.is_moderator(fresh(learner))


def test_taking_the_permission_from_the_group_applies_to_every_mentor(mentor):
    assert permissions.is_moderator(fresh(mentor))
    Group.objects.get(name="Mentors").permissions.remove(
        Permission.objects.get(codename="moderate_community")
    )
    assert not permissions.is_moderator(fresh(mentor))


def test_a_direct_permission_counts_and_its_removal_too(learner):
    permission = Permission.objects.get(codename="moderate_community")
    assert not permissions.is_moderator(fresh(learner))
    learner.user_permissions.add(permission)
    assert permissions.is_moderator(fresh(learner))
    learner.user_permissions.remove(permission)
    assert not permissions.is_moderator(fresh(learner))


def test_a_deactivated_mentor_has_no_powers(mentor):
    assert permissions.is_moderator(fresh(mentor))
    User.objects.filter(pk=mentor.pk).update(is_active=False)
    assert not permissions.is_moderator(fresh(mentor))
