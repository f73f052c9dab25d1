"""Topic insights: the full recompute at bench scale, and an incremental run after 1,000 changes.

Creates (once) 10,000 learners with about 200,000 progress rows on the backend roadmap and a
year of their history (a start for every row, a finish for those done, a skip for those
skipped: about 390,000 ProgressEvent rows), in a PostgreSQL database of its own, then times
`community.insights.refresh_topic_insights` (the hourly full run) and, after appending 1,000
changes to the history (each a learner starting or finishing a topic, with its Progress row),
`refresh_changed_topic_insights` (the five-minute incremental run). Not a test: run it by hand
and record the figures in bench/BENCHMARKS.md.

    createdb -h 127.0.0.1 -U postgres stepwise_insights_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stepwise_insights_bench REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/insights_bench.py [--users 10000] [--runs 3]

Give it a database of its own: it adds bench learners and history to whatever is there.
"""

import argparse
import os
import platform
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from community import insights  # noqa: E402
from community.models import TopicInsight  # noqa: E402
from roadmap.content_files import import_roadmap, load_roadmap_file  # noqa: E402
from roadmap.models import Progress, ProgressEvent, Roadmap, Topic  # noqa: E402

BATCH = 5000
OTHER = ProgressEvent.Source.OTHER
EMAIL_DOMAIN = "insights-bench.example"


def log(message: str) -> None:
    print(message, flush=True)


def build_data(users: int) -> None:
    """Learners with 5 to 35 topics each (about 20 on average): every topic started at some
    moment of the last year, most finished after a few days (a long tail of slow ones), one in
    ten skipped, the last one still being learnt."""
    rng = random.Random(20)
    now = timezone.now()
    report = import_roadmap(load_roadmap_file(ROOT / "roadmap/content/backend.yaml"))
    topics = list(
        Topic.objects.filter(roadmap=Roadmap.objects.get(slug=report.slug), is_published=True)
        .order_by("section__position", "position")
        .values_list("pk", flat=True)
    )
    log(f"creating {users} learners")
    User.objects.bulk_create(
        [User(email=f"bench{i}@{EMAIL_DOMAIN}", username=f"insights{i}", password="!") for i in range(users)],
        batch_size=BATCH,
    )
    ids = list(User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").values_list("pk", flat=True))
    progress, events = [], []
    for user_id in ids:
        count = rng.randint(5, 35)
        moment = now - timedelta(days=rng.uniform(30, 365))
        for index, topic_id in enumerate(topics[:count]):
            status = "learning" if index == count - 1 else ("skipped" if rng.random() < 0.1 else "done")
            started = min(moment, now - timedelta(hours=1))
            events.append(
                ProgressEvent(
                    user_id=user_id, topic_id=topic_id, kind="learning", created_at=started, source=OTHER
                )
            )
            changed = started
            if status != "learning":
                changed = min(started + timedelta(days=rng.lognormvariate(1.2, 0.9)), now)
                events.append(
                    ProgressEvent(
                        user_id=user_id, topic_id=topic_id, kind=status, created_at=changed, source=OTHER
                    )
                )
            progress.append(Progress(user_id=user_id, topic_id=topic_id, status=status, updated_at=changed))
            moment = changed + timedelta(hours=rng.uniform(1, 48))
    log(f"  {len(progress):,} progress rows, {len(events):,} history events")
    Progress.objects.bulk_create(progress, batch_size=BATCH)
    ProgressEvent.objects.bulk_create(events, batch_size=BATCH)
    with connection.cursor() as cursor:  # bulk_create set updated_at to now (auto_now)
        cursor.execute(
            "UPDATE roadmap_progress p SET updated_at = e.last FROM (SELECT user_id, topic_id, "
            "max(created_at) AS last FROM roadmap_progressevent GROUP BY user_id, topic_id) e "
            "WHERE p.user_id = e.user_id AND p.topic_id = e.topic_id"
        )
        cursor.execute("ANALYZE")


def append_changes(count: int, rng: random.Random) -> None:
    """`count` changes as the site makes them: a learner starts a topic or finishes the one they
    are learning; the Progress rows change with the history, as a page's save does."""
    learning = list(
        Progress.objects.filter(status="learning").values_list("pk", "user_id", "topic_id")[:count]
    )
    now = timezone.now()
    events, finished = [], []
    for pk, user_id, topic_id in rng.sample(learning, min(count, len(learning))):
        events.append(
            ProgressEvent(user_id=user_id, topic_id=topic_id, kind="done", created_at=now, source=OTHER)
        )
        finished.append(pk)
    Progress.objects.filter(pk__in=finished).update(status="done", updated_at=now)
    ProgressEvent.objects.bulk_create(events, batch_size=BATCH)


def timed(function) -> tuple[float, int]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--changes", type=int, default=1000)
    args = parser.parse_args()
    if not User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").exists():
        started = time.perf_counter()
        build_data(args.users)
        log(f"built the data set in {time.perf_counter() - started:.0f} s")
    log(
        f"machine: {os.cpu_count()} CPUs, {platform.python_implementation()} {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    log(
        f"data: {User.objects.count():,} users, {Progress.objects.count():,} progress rows, "
        f"{ProgressEvent.objects.count():,} history events, {Topic.objects.count()} topics"
    )
    rng = random.Random(7)
    for run in range(1, args.runs + 1):
        seconds, topics = timed(insights.refresh_topic_insights)
        log(f"full run {run}: {topics} topics in {seconds:.2f} s")
    for run in range(1, args.runs + 1):
        append_changes(args.changes, rng)
        seconds, topics = timed(insights.refresh_changed_topic_insights)
        log(f"incremental run {run} after {args.changes:,} changes: {topics} topics in {seconds:.2f} s")
    median = TopicInsight.objects.filter(median_days__isnull=False).order_by("-finished").first()
    if median is not None:
        log(f"busiest topic: {median.finished:,} finished, median {median.median_days:.1f} days")


if __name__ == "__main__":
    main()
