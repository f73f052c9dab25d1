"""The public profile comes from the cache: whole for anonymous visitors, a shared body in a
shared shell for members. The owner's own view (their private progress, their "Edit profile")
is never served to anyone else, and the activity calendar ends on the owner's today."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from roadmap.models import ProgressEvent
from tests.factories import ThreadFactory, TopicFactory, UserFactory
from tests.html import parse

pytestmark = pytest.mark.django_db

OWNERS_OWN = ("Only you can see this", "Edit profile")


def profile_url(user) -> str:
    return reverse("accounts:profile", args=[user.username])


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def with_activity(**fields):
    learner = UserFactory(**fields)
    ProgressEvent.objects.create(user=learner, topic=TopicFactory(), kind="done", source="page")
    ThreadFactory(author=learner, title="A question about indexes")
    return learner


@pytest.mark.parametrize("is_progress_public", [False, True])
def test_the_owners_view_in_the_cache_is_never_served_to_anyone_else(is_progress_public):
    learner = with_activity(is_progress_public=is_progress_public)
    own = signed_in(learner).get(profile_url(learner)).text
    assert "Edit profile" in own and parse(own).find_all("section", class_="activity")
    for client in (signed_in(UserFactory()), Client()):
        page = client.get(profile_url(learner)).text
        assert not any(text in page for text in OWNERS_OWN)
        assert bool(parse(page).find_all("section", class_="activity")) == is_progress_public
        assert "A question about indexes" in page


def test_the_owner_sees_their_private_progress_after_others_warmed_the_cache():
    learner = with_activity(is_progress_public=False)
    Client().get(profile_url(learner))
    signed_in(UserFactory()).get(profile_url(learner))
    own = signed_in(learner).get(profile_url(learner)).text
    assert all(text in own for text in OWNERS_OWN)
    assert parse(own).find_all("section", class_="activity")


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


@pytest.mark.parametrize("visitor", ["anonymous", "owner", "another member"])
def test_a_warm_profile_is_served_without_a_query(visitor):
    learner = with_activity()
    client = {"anonymous": Client, "owner": lambda: signed_in(learner)}.get(
        visitor, lambda: signed_in(UserFactory())
    )()
    first, _ = queries_for(client, profile_url(learner))
    second, count = queries_for(client, profile_url(learner))
    assert count == 0
    assert "A question about indexes" in second.text


def test_the_anonymous_profile_may_be_kept_by_shared_caches():
    learner = with_activity()
    Client().get(profile_url(learner))
    response = Client().get(profile_url(learner))
    assert "public" in response["Cache-Control"] and "Cookie" in response["Vary"]
    assert not response.cookies


def test_a_renamed_members_old_address_is_404_and_the_new_one_shows_them():
    learner = with_activity(username="old-name")
    Client().get("/u/old-name/")
    learner.username = "new-name"
    learner.save()
    assert Client().get("/u/old-name/").status_code == 404
    assert "@new-name" in Client().get("/u/new-name/").text


def test_an_address_given_up_then_taken_shows_its_new_member():
    first = with_activity(username="wanted", display_name="First Holder")
    Client().get("/u/wanted/")
    first.username = "released"
    first.save()
    UserFactory(username="wanted", display_name="Second Holder")
    page = Client().get("/u/wanted/").text
    assert "Second Holder" in page and "First Holder" not in page


def test_an_address_taken_by_another_member_shows_their_changes_on_the_next_request():
    first = with_activity(username="wanted", display_name="First Holder")
    Client().get("/u/wanted/")
    first.username = "released"
    first.save()
    second = UserFactory(username="wanted", display_name="Second Holder")
    assert "Second Holder" in Client().get("/u/wanted/").text
    second.display_name = "Second Holder Renamed"
    second.save()
    assert "Second Holder Renamed" in Client().get("/u/wanted/").text
    first.display_name = "First Holder Renamed"
    first.save()
    assert "First Holder Renamed" in Client().get("/u/released/").text


def last_day_on_the_calendar(client, user) -> str:
    rects = parse(client.get(profile_url(user)).text).find("div", class_="activity-calendar").find_all("rect")
    return rects[-1].find("title").text


@pytest.mark.parametrize("visitor", ["anonymous", "owner"])
def test_the_calendar_ends_on_the_owners_today_when_their_day_turns(visitor, monkeypatch):
    """23:30 in Auckland is 10:30 UTC: an hour later it is the next day there, not in UTC."""
    learner = with_activity(timezone="Pacific/Auckland")
    client = signed_in(learner) if visitor == "owner" else Client()
    before_midnight = datetime(2026, 12, 8, 10, 30, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: before_midnight)
    assert last_day_on_the_calendar(client, learner).startswith("Tuesday 8 December 2026")
    monkeypatch.setattr(timezone, "now", lambda: before_midnight + timedelta(hours=1))
    assert last_day_on_the_calendar(client, learner).startswith("Wednesday 9 December 2026")


def test_history_appended_in_code_shows_on_a_warm_profile():
    learner = with_activity()
    client = Client()
    assert "1 active day and 2 things done" in client.get(profile_url(learner)).text
    ProgressEvent.objects.create(user=learner, topic=TopicFactory(), kind="learning", source="import")
    assert "1 active day and 3 things done" in client.get(profile_url(learner)).text
