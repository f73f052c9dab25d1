"""A learner's momentum: the streak in their timezone, the profile's activity calendar and "this week" at home."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import activity
from roadmap.models import ProgressEvent
from tests.factories import CommentFactory, ThreadFactory, TopicFactory, UserFactory
from tests.html import parse

pytestmark = pytest.mark.django_db


def progress_at(user, when: datetime, kind="done", topic=None):
    return ProgressEvent.objects.create(
        user=user, topic=topic or TopicFactory(), kind=kind, source="page", created_at=when
    )


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def streak_of(user, now: datetime) -> int:
    return activity.this_week(user=user, now=now).streak


def test_the_streak_counts_days_in_the_learners_own_timezone():
    auckland, london = UserFactory(timezone="Pacific/Auckland"), UserFactory(timezone="UTC")
    for user in (auckland, london):
        progress_at(user, utc(2026, 6, 8, 11))  # 8 June 23:00 in Auckland
        progress_at(user, utc(2026, 6, 9, 13))  # 10 June 01:00 in Auckland
    now = utc(2026, 6, 10, 12)
    assert streak_of(auckland, now) == 1  # 10 June, after a day with nothing (9 June)
    assert streak_of(london, now) == 2  # 8 and 9 June; today is not over yet


def test_the_streak_follows_a_change_to_summer_time():
    learner = UserFactory(timezone="America/New_York")
    # 00:30 each night from 7 to 10 March 2026; clocks went forward on 8 March, so half past
    # midnight on the 9th is 04:30 UTC, which a fixed winter offset would put on the 8th.
    for when in [
        utc(2026, 3, 7, 5, 30),
        utc(2026, 3, 8, 5, 30),
        utc(2026, 3, 9, 4, 30),
        utc(2026, 3, 10, 4, 30),
    ]:
        progress_at(learner, when)
    assert streak_of(learner, utc(2026, 3, 10, 12)) == 4
    assert streak_of(learner, utc(2026, 3, 12, 12)) == 0  # 11 March went by with nothing


def test_posts_and_comments_count_but_a_reset_or_a_verification_does_not():
    learner = UserFactory()
    now = utc(2026, 6, 10, 12)
    ThreadFactory(author=learner, created_at=now - timedelta(days=1))
    CommentFactory(author=learner, created_at=now - timedelta(days=2))
    progress_at(learner, now - timedelta(days=3), kind="reset")
    progress_at(learner, now - timedelta(days=4), kind="learning")
    assert streak_of(learner, now) == 2


def test_this_week_on_the_home_page(client):
    learner = UserFactory(weekly_goal=3)
    client.force_login(learner)
    progress_at(learner, datetime.now(UTC))
    progress_at(learner, datetime.now(UTC), kind="learning")
    progress_at(learner, datetime.now(UTC) - timedelta(days=8))  # last week
    ThreadFactory(author=learner)
    others = ThreadFactory()
    CommentFactory(thread=others, author=learner)
    CommentFactory(thread=others, author=learner)
    CommentFactory(thread=ThreadFactory(author=learner), author=learner)  # a reply in their own thread
    week = parse(client.get(reverse("home")).text).find("ul", class_="this-week")
    items = [" ".join(item.text.split()) for item in week.find_all("li")]
    assert items[:3] == [
        "1 topic finished of your goal of 3",
        "2 questions asked",
        "2 answers given",
    ]
    assert items[3] == "1 day in a row"


def test_home_says_when_the_weekly_goal_is_reached_and_offers_one_when_there_is_none(client):
    learner = UserFactory(weekly_goal=1)
    client.force_login(learner)
    progress_at(learner, datetime.now(UTC))
    assert "You reached your weekly goal" in client.get(reverse("home")).text
    learner.weekly_goal = None
    learner.save()
    page = client.get(reverse("home")).text
    assert "reached your weekly goal" not in page and "Set a weekly goal" in page


def calendar_of(client, user):
    return parse(client.get(reverse("accounts:profile", args=[user.username])).text).find(
        "section", class_="activity"
    )


def test_the_calendar_draws_each_day_with_its_count_and_a_table_by_month(client):
    learner = UserFactory(timezone="Europe/Berlin")
    today = activity.local_today(learner)
    noon = datetime.now(UTC).replace(hour=11, minute=0) - timedelta(days=1)
    for _ in range(3):
        progress_at(learner, noon)
    ThreadFactory(author=learner, created_at=noon)
    section = calendar_of(client, learner)
    rects = section.find("div", class_="activity-calendar").find_all("rect")
    assert len(rects) == (today - activity.window_start(today)).days + 1
    busy = [rect for rect in rects if "activity-level-0" not in rect.classes]
    assert len(busy) == 1 and "activity-level-3" in busy[0].classes
    assert busy[0].find("title").text.endswith(": 4 things done")
    rows = {
        row.find("th").text: [cell.text for cell in row.find_all("td")]
        for row in section.find("tbody").find_all("tr")
    }
    assert rows[f"{noon:%B %Y}"] == ["1", "4"]
    assert "Learning 1 day in a row" in section.text
    assert section.find("div", class_="activity-calendar").attrs["tabindex"] == "0"


@pytest.mark.parametrize("viewer", ["owner", "member", "anonymous"])
def test_a_private_learners_calendar_shows_only_to_them(client, viewer):
    learner = UserFactory(is_progress_public=False)
    progress_at(learner, datetime.now(UTC))
    if viewer != "anonymous":
        client.force_login(learner if viewer == "owner" else UserFactory())
    page = parse(client.get(reverse("accounts:profile", args=[learner.username])).text)
    sections = page.find_all("section", class_="activity")
    if viewer == "owner":
        assert len(sections) == 1 and "Only you can see this" in sections[0].text
    else:
        assert sections == [] and not page.find_all("rect")


def test_a_public_calendar_shows_to_anyone(client):
    learner = UserFactory()
    progress_at(learner, datetime.now(UTC))
    assert "Only you can see this" not in calendar_of(client, learner).text


def count_queries(client, url) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_activity(user, days: int):
    now = datetime.now(UTC)
    for day in range(days):
        progress_at(user, now - timedelta(days=day))
        ThreadFactory(author=user, created_at=now - timedelta(days=day))
        CommentFactory(author=user, created_at=now - timedelta(days=day))


@pytest.mark.parametrize("page", ["profile", "home"])
def test_profile_and_home_queries_do_not_grow_with_activity(client, page):
    learner = UserFactory()
    client.force_login(learner)
    url = reverse("accounts:profile", args=[learner.username]) if page == "profile" else reverse("home")
    add_activity(learner, 2)
    small = count_queries(client, url)
    add_activity(learner, 40)
    assert count_queries(client, url) == small
