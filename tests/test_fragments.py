"""The site's header and footer are cached parts ({% fragment %}): each visitor still gets their
own account menu, a working logout form and the right section marked."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import AdminFactory, MentorFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


def test_each_visitor_gets_their_own_account_menu():
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    mentor = MentorFactory(username="mia")
    pages = {user.username: signed_in(user).get(reverse("home")).text for user in (alice, bob, mentor, alice)}
    assert "Account menu for</span> alice" in pages["alice"] and "bob" not in pages["alice"]
    assert "Account menu for</span> bob" in pages["bob"] and "alice" not in pages["bob"]
    assert reverse("community:mod-queue") in pages["mia"]
    assert reverse("community:mod-queue") not in pages["alice"]


def test_only_admins_get_the_admin_link_in_their_menu():
    admin_page = signed_in(AdminFactory()).get(reverse("home")).text
    others = [signed_in(user).get(reverse("home")).text for user in (UserFactory(), MentorFactory())]
    assert 'href="/admin/"' in admin_page
    assert all('href="/admin/"' not in page for page in others)


def test_a_rename_shows_in_the_account_menu_at_once():
    user = UserFactory(username="before")
    client = signed_in(user)
    client.get(reverse("home"))
    user.username = "after"
    user.save()
    page = client.get(reverse("home")).text
    assert "Account menu for</span> after" in page and "Account menu for</span> before" not in page


def test_the_logout_form_of_a_cached_menu_carries_the_visitors_own_token():
    user = UserFactory()
    signed_in(UserFactory()).get(reverse("home"))  # someone else's menu is cached first
    client = signed_in(user, enforce_csrf_checks=True)
    client.get(reverse("home"))
    page = client.get(reverse("home")).text
    logout_form = page[page.index('action="/accounts/logout/"') :]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', logout_form).group(1)
    response = client.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "Account menu for" not in client.get(reverse("home")).text


@pytest.mark.parametrize(
    ("first", "then", "marked"),
    [
        ("/discussions/", "/roadmaps/", "Roadmaps"),
        ("/roadmaps/", "/discussions/", "Discussions"),
        ("/roadmaps/", "/", None),
    ],
)
def test_the_navigation_marks_the_section_of_the_page(first, then, marked):
    client = signed_in(UserFactory())
    client.get(first)
    page = client.get(then).text
    for section in ("Roadmaps", "Discussions"):
        expected = 2 if section == marked else 0  # header and footer
        assert page.count(f'aria-current="page">{section}</a>') == expected
