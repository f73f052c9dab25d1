"""A flushed database (what the tests that run real servers leave behind) is set up again as a
migrated one: the Mentors group with its permission, and the site named after SITE_URL."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site
from django.core.management import call_command

from accounts.models import MENTORS_GROUP
from accounts.roles import is_mentor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_after_a_flush_the_mentors_group_still_makes_mentors_and_the_site_keeps_its_name():
    call_command("flush", interactive=False, verbosity=0)

    member = UserFactory()
    member.groups.add(Group.objects.get(name=MENTORS_GROUP))
    assert is_mentor(type(member).objects.get(pk=member.pk))
    assert Site.objects.get(pk=settings.SITE_ID).domain == urlsplit(settings.SITE_URL).netloc


def test_a_group_or_site_an_admin_changed_is_left_as_it_is():
    group = Group.objects.get(name=MENTORS_GROUP)
    group.permissions.clear()
    Site.objects.filter(pk=settings.SITE_ID).update(domain="learn.example.org")

    call_command("migrate", verbosity=0)

    assert not group.permissions.exists()
    assert Site.objects.get(pk=settings.SITE_ID).domain == "learn.example.org"
