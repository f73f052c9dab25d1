"""Digest throughput: digests per second, end to end, for 10,000 learners and one worker.

Creates (once) 10,000 learners with roadmap progress, follows, threads and notifications in a
PostgreSQL database of its own, forgets every digest delivery, then times one Celery worker
process from `schedule_digests` to the last delivery settled, sending into a local aiosmtpd
sink. Not a test: run it by hand and record the figure in bench/BENCHMARKS.md.

    createdb -h 127.0.0.1 -U postgres stepwise_digest_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stepwise_digest_bench REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/digest_bench.py [--users 10000] [--concurrency 2] [--rebuild]

The Redis database in REDIS_URL is flushed and the learners' digest deliveries are deleted:
give the benchmark a PostgreSQL database and a Redis database of its own (not the page
benchmark's stepwise_bench, whose data set this script neither needs nor touches).
"""

import argparse
import multiprocessing
import os
import platform
import random
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from allauth.account.models import EmailAddress  # noqa: E402
from celery import Celery  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from community import digest  # noqa: E402
from community.models import DigestDelivery, Follow, Notification, Tag, Thread  # noqa: E402
from roadmap.content_files import import_roadmap, load_roadmap_file  # noqa: E402
from roadmap.models import Progress, Roadmap, Topic  # noqa: E402
from tests.integration.smtp_sink import free_port  # noqa: E402

ZONES = ["UTC", "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles",
         "Asia/Kolkata", "Asia/Tokyo", "Pacific/Auckland"]  # fmt: skip
BATCH = 2000


def log(message: str) -> None:
    print(message, flush=True)


def build_data(users: int) -> None:
    """Learners with 5 to 35 topics of progress each (about 20 on average, touched over the last
    two weeks), two followed tags and a followed topic; two threads per learner over the last
    year; five reply and mention notifications per learner over the last week."""
    rng = random.Random(6)
    now = timezone.now()
    report = import_roadmap(load_roadmap_file(ROOT / "roadmap/content/backend.yaml"))
    roadmap = Roadmap.objects.get(slug=report.slug)
    topics = list(
        Topic.objects.filter(roadmap=roadmap, is_published=True).order_by("section__position", "position")
    )
    tags = [
        Tag.objects.get_or_create(slug=f"bench-{i}", defaults={"name": f"Bench {i}"})[0] for i in range(20)
    ]

    log(f"creating {users} learners")
    User.objects.bulk_create(
        [
            User(
                email=f"bench{i}@example.com",
                username=f"bench{i}",
                password="!",
                unsubscribe_salt=f"{rng.getrandbits(64):016x}",
                timezone=ZONES[i % len(ZONES)],
                digest_frequency="daily" if i % 10 < 3 else "weekly",
                digest_hour=0,
            )
            for i in range(users)
        ],
        batch_size=BATCH,
    )
    learners = list(User.objects.filter(email__startswith="bench").values_list("pk", "email"))
    EmailAddress.objects.bulk_create(
        [EmailAddress(user_id=pk, email=email, verified=True, primary=True) for pk, email in learners],
        batch_size=BATCH,
    )
    ids = [pk for pk, _ in learners]

    log("progress, follows")
    progress, follows = [], []
    for user_id in ids:
        count = rng.randint(5, 35)
        for index, topic in enumerate(topics[:count]):
            status = "learning" if index == count - 1 else ("skipped" if rng.random() < 0.1 else "done")
            progress.append(Progress(user_id=user_id, topic=topic, status=status))
        follows += [Follow(user_id=user_id, tag=tag) for tag in rng.sample(tags, 2)]
        follows.append(Follow(user_id=user_id, topic=rng.choice(topics)))
    Progress.objects.bulk_create(progress, batch_size=BATCH)
    Follow.objects.bulk_create(follows, batch_size=BATCH)
    log(f"  {len(progress)} progress rows, {len(follows)} follows; spreading updated_at over two weeks")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE roadmap_progress SET updated_at = now() - (random() * interval '14 days')"
        )  # fmt: skip

    log("threads, notifications")
    threads = []
    for index in range(users * 2):
        created = now - timedelta(days=365 * rng.random())  # a year of threads, about 400 a week
        threads.append(
            Thread(
                author_id=rng.choice(ids),
                title=f"How do I get topic {index} to work in practice?",
                slug=f"how-do-i-get-topic-{index}-to-work-in-practice",
                body="I read the docs and I still wonder how this works in practice.",
                body_html="<p>I read the docs and I still wonder how this works in practice.</p>",
                topic=rng.choice(topics),
                comment_count=rng.choice([0, 0, 1, 2, 5]),
                reaction_count=rng.randint(0, 12),
                created_at=created,
                last_activity_at=created + timedelta(hours=rng.randint(0, 48)),
            )
        )
    Thread.objects.bulk_create(threads, batch_size=BATCH)
    thread_ids = list(Thread.objects.values_list("pk", flat=True))
    notifications = [
        Notification(
            recipient_id=rng.choice(ids),
            actor_id=rng.choice(ids),
            verb=rng.choice(["reply", "reply", "reply", "mention"]),
            thread_id=rng.choice(thread_ids),
            event_key=f"bench:{index}",
            created_at=now - timedelta(days=7 * rng.random()),
        )
        for index in range(users * 5)
    ]
    Notification.objects.bulk_create(notifications, batch_size=BATCH)
    log(f"  {len(threads)} threads, {len(notifications)} notifications")


class CountingHandler:
    def __init__(self, received):
        self.received = received

    async def handle_DATA(self, server, session, envelope):
        with self.received.get_lock():
            self.received.value += 1
        return "250 Message accepted for delivery"


def run_sink(port: int, received, stop) -> None:
    """The SMTP sink, in a process of its own so that it competes with nothing in this one."""
    from aiosmtpd.controller import Controller

    controller = Controller(CountingHandler(received), hostname="127.0.0.1", port=port)
    controller.start()
    stop.wait()
    controller.stop()


def start_worker(*, broker_url: str, sink_url: str, concurrency: int, log_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "REDIS_URL": broker_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": sink_url,
        "SITE_URL": "https://stepwise.example",
        "DEBUG": "false",  # as in production: no query log, no debug tooling
        "SECRET_KEY": os.environ.get("SECRET_KEY", "digest-benchmark-only-" + "x" * 40),
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork",
               f"--concurrency={concurrency}", "--loglevel=INFO", "--without-gossip", "--without-mingle",
               "--without-heartbeat", "--hostname=bench@%h"]  # fmt: skip
    with log_path.open("wb") as output:
        worker = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while " ready." not in log_path.read_text(errors="replace"):
        if worker.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"the worker did not start; see {log_path}")
        time.sleep(0.2)
    return worker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2, help="worker pool processes")
    parser.add_argument(
        "--rebuild", action="store_true", help="drop the benchmark learners and create them again"
    )
    options = parser.parse_args()

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql" or "bench" not in database["NAME"]:
        sys.exit(
            "Run against a PostgreSQL database of its own whose name contains 'bench' (see the docstring)."
        )
    if not settings.REDIS_URL:
        sys.exit("Set REDIS_URL to a Redis database the benchmark may flush.")

    call_command("migrate", verbosity=0)
    learners = User.objects.filter(email__startswith="bench", email__endswith="@example.com")
    if options.rebuild:
        Thread.objects.filter(author__in=learners).delete()
        learners.delete()
    if learners.count() < options.users:
        build_data(options.users)
    DigestDelivery.objects.filter(user__in=learners).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    now = timezone.now()
    due = digest.due_user_ids(now=now)
    log(f"{len(due)} learners due; worker: 1 process, prefork pool of {options.concurrency}")
    redis.Redis.from_url(settings.REDIS_URL).flushdb()

    port, received, stop = free_port(), multiprocessing.Value("i", 0), multiprocessing.Event()
    sink = multiprocessing.Process(target=run_sink, args=(port, received, stop), daemon=True)
    connection.close()  # the forked sink must not share this process's database socket
    sink.start()
    log_path = ROOT / "var" / "digest-bench-worker.log"
    worker = start_worker(
        broker_url=settings.REDIS_URL,
        sink_url=f"smtp://127.0.0.1:{port}",
        concurrency=options.concurrency,
        log_path=log_path,
    )
    try:
        app = Celery("digest-bench", broker=settings.REDIS_URL, set_as_current=False)
        started_at, started = timezone.now(), time.monotonic()
        app.send_task("community.tasks.schedule_digests")
        settled = DigestDelivery.objects.filter(created_at__gte=started_at).exclude(status="pending")
        while settled.count() < len(due):
            if worker.poll() is not None:
                sys.exit(f"the worker died; see {log_path}")
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        app.close()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        stop.set()
        sink.join(timeout=10)
    counts = dict(
        DigestDelivery.objects.filter(created_at__gte=started_at)
        .values_list("status")
        .annotate(count=Count("pk"))
    )

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    sent = counts.get("sent", 0)
    log(
        f"\n{len(due)} digests settled in {elapsed:.1f} s: {counts}\n"
        f"emails received by the sink: {received.value}\n"
        f"throughput: {sent / elapsed:.0f} emails/s sent, {len(due) / elapsed:.0f} digests/s settled\n"
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, PostgreSQL {postgres}"
    )


if __name__ == "__main__":
    main()
