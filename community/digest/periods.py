"""Who is due for a digest, and the period each digest covers: the learner's local date
(`daily:2026-11-24`) or ISO week (`weekly:2026-W48`), and where its news starts."""

import zoneinfo
from datetime import datetime, timedelta
from functools import lru_cache, reduce
from operator import or_

from django.db.models import Exists, Max, OuterRef, Q

from accounts.models import User
from community.mail_delivery import reachable_members
from community.models import DigestDelivery

Frequency = User.DigestFrequency
State = DigestDelivery.State

PERIOD_LENGTH = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(days=7)}


@lru_cache(maxsize=1024)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    """The user's timezone; an unknown name (tzdata dropped it) counts as UTC."""
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def local_time(user, now: datetime) -> datetime:
    return now.astimezone(_zone(user.timezone))


def _period_keys(local: datetime) -> dict[str, str]:
    year, week, _ = local.isocalendar()
    return {
        Frequency.DAILY: f"daily:{local.date().isoformat()}",
        Frequency.WEEKLY: f"weekly:{year}-W{week:02d}",
    }


def period_key(user, now: datetime) -> str:
    """The user's current period: their local date for daily digests, ISO week for weekly."""
    if user.digest_frequency not in PERIOD_LENGTH:
        raise ValueError(f"{user} has digests turned off: no period.")
    return _period_keys(local_time(user, now))[user.digest_frequency]


def eligible_users(now: datetime):
    """Members who can get emails (active, login address verified) with digests on, and not
    suspended."""
    return reachable_members().filter(
        Q(suspended_until__isnull=True) | Q(suspended_until__lte=now),
        digest_frequency__in=list(PERIOD_LENGTH),
    )


def is_due(user, now: datetime) -> bool:
    """Eligible, their local digest hour has come, and nothing is recorded for this period."""
    if not eligible_users(now).filter(pk=user.pk).exists():
        return False
    if local_time(user, now).hour < user.digest_hour:
        return False
    return not DigestDelivery.objects.filter(user=user, period_key=period_key(user, now)).exists()


def due_user_ids(*, now: datetime, ignore_hour: bool = False, user_ids=None) -> list[int]:
    """Ids of the users `is_due` at `now`, in two queries whatever the number of users.

    Timezones that share the same local hour, date and ISO week right now are grouped, so
    the query holds one condition per distinct local clock (a few dozen), not per user.
    """
    users = eligible_users(now)
    if user_ids is not None:
        users = users.filter(pk__in=user_ids)
    groups: dict[tuple[int, str, str], list[str]] = {}
    for name in users.order_by().values_list("timezone", flat=True).distinct():
        local = now.astimezone(_zone(name))
        keys = _period_keys(local)
        groups.setdefault((local.hour, keys[Frequency.DAILY], keys[Frequency.WEEKLY]), []).append(name)
    if not groups:
        return []
    conditions = []
    for (hour, daily_key, weekly_key), names in groups.items():
        undelivered = Q()
        for frequency, key in ((Frequency.DAILY, daily_key), (Frequency.WEEKLY, weekly_key)):
            delivered = DigestDelivery.objects.filter(user=OuterRef("pk"), period_key=key)
            undelivered |= Q(digest_frequency=frequency) & ~Exists(delivered)
        condition = Q(timezone__in=names) & undelivered
        if not ignore_hour:
            condition &= Q(digest_hour__lte=hour)
        conditions.append(condition)
    return list(users.filter(reduce(or_, conditions)).order_by("pk").values_list("pk", flat=True))


def previous_digests(*, user_ids, now: datetime) -> dict[int, datetime]:
    """{user id: when their last digest was built (sent or skipped)}, in one query."""
    return dict(
        DigestDelivery.objects.filter(
            user_id__in=user_ids, status__in=[State.SENT, State.SKIPPED], claimed_at__lt=now
        )
        .values("user_id")
        .annotate(last=Max("claimed_at"))
        .values_list("user_id", "last")
    )


def news_start(*, frequency: str, now: datetime, previous: datetime | None) -> datetime:
    """Where a digest's news starts: the last digest built (sent or skipped), at most two
    periods back; a learner's first digest covers one period."""
    period = PERIOD_LENGTH.get(frequency, PERIOD_LENGTH[Frequency.WEEKLY])
    if previous is None:
        return now - period
    return max(previous, now - 2 * period)


def digest_since(*, user, now: datetime) -> datetime:
    previous = previous_digests(user_ids=[user.pk], now=now).get(user.pk)
    return news_start(frequency=user.digest_frequency, now=now, previous=previous)
