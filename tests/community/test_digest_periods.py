"""Digest periods and due-ness: the learner's own timezone decides, across DST changes."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import User
from community import digest
from community.models import DigestDelivery
from tests.factories import DigestDeliveryFactory, UserFactory


def at(*args):
    return datetime(*args, tzinfo=UTC)


def person(timezone="UTC", frequency="weekly", hour=8):
    """An unsaved user: period keys need no database."""
    return User(timezone=timezone, digest_frequency=frequency, digest_hour=hour)


@pytest.mark.parametrize(
    ("timezone", "now", "daily", "weekly"),
    [
        # Europe/Berlin leaves summer time on the last Sunday of October: 02:30 happens twice.
        ("Europe/Berlin", at(2026, 10, 25, 0, 30), "daily:2026-10-25", "weekly:2026-W43"),
        ("Europe/Berlin", at(2026, 10, 25, 1, 30), "daily:2026-10-25", "weekly:2026-W43"),
        ("Europe/Berlin", at(2026, 10, 25, 22, 59), "daily:2026-10-25", "weekly:2026-W43"),
        ("Europe/Berlin", at(2026, 10, 25, 23, 0), "daily:2026-10-26", "weekly:2026-W44"),
        # America/Los_Angeles is still on the previous day when UTC has moved on.
        ("America/Los_Angeles", at(2026, 11, 24, 5, 0), "daily:2026-11-23", "weekly:2026-W48"),
        ("America/Los_Angeles", at(2026, 11, 1, 8, 30), "daily:2026-11-01", "weekly:2026-W44"),
        ("America/Los_Angeles", at(2026, 11, 1, 9, 30), "daily:2026-11-01", "weekly:2026-W44"),
        # Asia/Kolkata is UTC+05:30: its day starts at half past the UTC hour.
        ("Asia/Kolkata", at(2026, 11, 23, 18, 29), "daily:2026-11-23", "weekly:2026-W48"),
        ("Asia/Kolkata", at(2026, 11, 23, 18, 30), "daily:2026-11-24", "weekly:2026-W48"),
        # Pacific/Auckland is a day ahead: its Monday (a new ISO week) begins on UTC's Sunday.
        ("Pacific/Auckland", at(2026, 11, 22, 11, 0), "daily:2026-11-23", "weekly:2026-W48"),
        ("UTC", at(2026, 11, 22, 11, 0), "daily:2026-11-22", "weekly:2026-W47"),
        # The ISO week's year, not the calendar year: 1 January 2027 is in 2026-W53.
        ("Pacific/Auckland", at(2026, 12, 31, 11, 0), "daily:2027-01-01", "weekly:2026-W53"),
    ],
)
def test_period_key_is_the_local_date_or_iso_week(timezone, now, daily, weekly):
    assert digest.period_key(person(timezone, "daily"), now) == daily
    assert digest.period_key(person(timezone, "weekly"), now) == weekly


def test_users_with_digests_off_have_no_period():
    with pytest.raises(ValueError):
        digest.period_key(person(frequency="off"), at(2026, 11, 24, 12, 0))


def test_unknown_timezone_counts_as_utc():
    assert (
        digest.period_key(person("Mars/Olympus_Mons", "daily"), at(2026, 11, 24, 23, 0)) == "daily:2026-11-24"
    )


@pytest.mark.django_db
class TestIsDue:
    def test_due_once_the_local_hour_has_come(self):
        user = UserFactory(timezone="Asia/Kolkata", digest_frequency="daily", digest_hour=8)
        assert not digest.is_due(user, at(2026, 11, 24, 2, 29))  # 07:59 in Kolkata
        assert digest.is_due(user, at(2026, 11, 24, 2, 30))  # 08:00

    def test_not_due_again_in_the_same_period(self):
        user = UserFactory(timezone="Europe/Berlin", digest_frequency="weekly", digest_hour=8)
        now = at(2026, 11, 23, 7, 0)  # Monday 08:00 in Berlin
        assert digest.is_due(user, now)
        DigestDeliveryFactory(user=user, period_key="weekly:2026-W48")
        assert not digest.is_due(user, now)
        assert not digest.is_due(user, at(2026, 11, 29, 22, 59))  # Sunday 23:59 in Berlin
        assert digest.is_due(user, at(2026, 11, 30, 7, 0))  # next Monday

    def test_the_repeated_hour_when_summer_time_ends_sends_one_digest(self):
        user = UserFactory(timezone="Europe/Berlin", digest_frequency="daily", digest_hour=2)
        first_0230, second_0230 = at(2026, 10, 25, 0, 30), at(2026, 10, 25, 1, 30)
        assert digest.is_due(user, first_0230)
        DigestDeliveryFactory(user=user, period_key=digest.period_key(user, first_0230))
        assert not digest.is_due(user, second_0230)

    def test_the_skipped_hour_when_summer_time_starts_is_not_lost(self):
        user = UserFactory(timezone="Europe/Berlin", digest_frequency="daily", digest_hour=2)
        assert not digest.is_due(user, at(2026, 3, 29, 0, 45))  # 01:45, then clocks jump to 03:00
        assert digest.is_due(user, at(2026, 3, 29, 1, 0))  # 03:00: hour 2 never happened, still due

    def test_auckland_gets_its_monday_digest_during_utc_sunday(self):
        user = UserFactory(timezone="Pacific/Auckland", digest_frequency="weekly", digest_hour=8)
        assert digest.is_due(user, at(2026, 11, 22, 19, 0))  # Monday 08:00 NZDT
        assert not digest.is_due(user, at(2026, 11, 22, 18, 59))

    @pytest.mark.parametrize(
        "fields",
        [
            {"digest_frequency": "off"},
            {"is_active": False},
            {"verified": False},
        ],
        ids=["digests-off", "inactive", "unverified"],
    )
    def test_ineligible_users_are_never_due(self, fields):
        user = UserFactory(digest_hour=0, **fields)
        assert not digest.is_due(user, at(2026, 11, 24, 12, 0))

    def test_suspended_users_are_due_again_once_the_suspension_ends(self):
        now = at(2026, 11, 24, 12, 0)
        user = UserFactory(digest_hour=0, suspended_until=now + timedelta(hours=1))
        assert not digest.is_due(user, now)
        assert digest.is_due(user, now + timedelta(hours=2))


@pytest.mark.django_db
def test_due_user_ids_agrees_with_is_due_for_many_timezones_and_hours():
    zones = [
        "UTC",
        "Europe/Berlin",
        "America/Los_Angeles",
        "Asia/Kolkata",
        "Asia/Kathmandu",
        "Pacific/Auckland",
        "Pacific/Chatham",
        "America/St_Johns",
        "Pacific/Kiritimati",
        "Pacific/Pago_Pago",
    ]
    rng = random.Random(48)
    users = [
        UserFactory(
            timezone=rng.choice(zones),
            digest_frequency=rng.choice(["daily", "weekly", "off"]),
            digest_hour=rng.randrange(24),
            verified=rng.random() > 0.1,
        )
        for _ in range(120)
    ]
    for user in users[::5]:
        if user.digest_frequency != "off":
            DigestDeliveryFactory(user=user, period_key=digest.period_key(user, at(2026, 10, 25, 1, 30)))
    for now in [
        at(2026, 10, 25, 1, 30),
        at(2026, 10, 25, 23, 0),
        at(2026, 3, 29, 1, 0),
        at(2026, 12, 31, 11, 15),
    ]:
        expected = sorted(user.pk for user in users if digest.is_due(user, now))
        assert digest.due_user_ids(now=now) == expected
        assert expected  # the sample covers due users at each instant


@pytest.mark.django_db
def test_due_user_ids_runs_two_queries_however_many_users(django_assert_num_queries):
    now = at(2026, 11, 24, 12, 0)
    for index in range(30):
        UserFactory(timezone=["UTC", "Asia/Kolkata", "Europe/Berlin"][index % 3], digest_hour=0)
    with django_assert_num_queries(2):
        assert len(digest.due_user_ids(now=now)) == 30


@pytest.mark.django_db
def test_ignore_hour_selects_everyone_not_yet_served_this_period():
    now = at(2026, 11, 24, 12, 0)
    early, late = UserFactory(digest_hour=0), UserFactory(digest_hour=23)
    served = UserFactory(digest_hour=23)
    DigestDeliveryFactory(user=served, period_key=digest.period_key(served, now))
    assert digest.due_user_ids(now=now) == [early.pk]
    assert digest.due_user_ids(now=now, ignore_hour=True) == [early.pk, late.pk]
    assert DigestDelivery.objects.count() == 1
