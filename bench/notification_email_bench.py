"""Notification email throughput: emails per second sent by one Celery worker.

Creates members each with one reply notification due for an email now (each about a thread
of its own to them, so nothing is gathered or held back by a window), forgets earlier runs'
emails, then times one worker process from publishing `send_notification_emails` to the last
email settled, sending into a local aiosmtpd sink (bench.digest_bench's). Not a test: run it
by hand and record the figure in bench/BENCHMARKS.md.

    createdb -h 127.0.0.1 -U postgres stepwise_notify_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stepwise_notify_bench REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/notification_email_bench.py [--emails 2000] [--concurrency 1]

The Redis database in REDIS_URL is flushed: give the benchmark a Redis database of its own.
"""

import argparse
import math
import multiprocessing
import os
import platform
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
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
from bench.digest_bench import ROOT, log, run_sink, start_worker  # noqa: E402
from community.models import Notification, NotificationEmail, Thread  # noqa: E402
from tests.integration.smtp_sink import free_port  # noqa: E402

BATCH = 2000


def build_data(emails: int) -> list[int]:
    """`emails` members, each the author of a thread with one reply to it due for an email."""
    User.objects.bulk_create(
        [User(email=f"told{i}@example.com", username=f"told{i}", password="!") for i in range(emails)],
        batch_size=BATCH,
    )
    members = list(User.objects.filter(email__startswith="told").values_list("pk", "email"))
    EmailAddress.objects.bulk_create(
        [EmailAddress(user_id=pk, email=email, verified=True, primary=True) for pk, email in members],
        batch_size=BATCH,
    )
    Thread.objects.bulk_create(
        [
            Thread(
                author_id=pk,
                title=f"How do I make request {pk} faster?",
                slug=f"how-do-i-make-request-{pk}-faster",
                body="It takes a second and runs a hundred queries.",
                body_html="<p>It takes a second and runs a hundred queries.</p>",
            )
            for pk, _ in members
        ],
        batch_size=BATCH,
    )
    return [pk for pk, _ in members]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=1, help="worker pool processes")
    options = parser.parse_args()

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql" or "bench" not in database["NAME"]:
        sys.exit(
            "Run against a PostgreSQL database of its own whose name contains 'bench' (see the docstring)."
        )
    if not settings.REDIS_URL:
        sys.exit("Set REDIS_URL to a Redis database the benchmark may flush.")

    call_command("migrate", verbosity=0)
    members = User.objects.filter(email__startswith="told", email__endswith="@example.com")
    if members.count() < options.emails:
        Thread.objects.filter(author__in=members).delete()
        members.delete()
        build_data(options.emails)
    recipients = list(members.order_by("pk").values_list("pk", flat=True)[: options.emails])
    NotificationEmail.objects.filter(recipient_id__in=recipients).delete()
    Notification.objects.filter(recipient_id__in=recipients).delete()
    threads = dict(Thread.objects.filter(author_id__in=recipients).values_list("author_id", "pk"))
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=pk,
                actor_id=recipients[index - 1],
                verb="reply",
                thread_id=threads[pk],
                event_key=f"bench:{pk}",
                email_due_at=now,
            )
            for index, pk in enumerate(recipients)
        ],
        batch_size=BATCH,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    redis.Redis.from_url(settings.REDIS_URL).flushdb()

    port, received, stop = free_port(), multiprocessing.Value("i", 0), multiprocessing.Event()
    sink = multiprocessing.Process(target=run_sink, args=(port, received, stop), daemon=True)
    connection.close()  # the forked sink must not share this process's database socket
    sink.start()
    log_path = ROOT / "var" / "notification-email-bench-worker.log"
    log_path.parent.mkdir(exist_ok=True)
    worker = start_worker(
        broker_url=settings.REDIS_URL,
        sink_url=f"smtp://127.0.0.1:{port}",
        concurrency=options.concurrency,
        log_path=log_path,
    )
    log(f"{len(recipients)} emails due; worker: 1 process, prefork pool of {options.concurrency}")
    try:
        app = Celery("notification-email-bench", broker=settings.REDIS_URL, set_as_current=False)
        started = time.monotonic()
        runs = math.ceil(len(recipients) / settings.NOTIFICATION_EMAIL_GROUPS_PER_RUN) + 1
        for _ in range(runs):  # as beat would, one run after another
            app.send_task("community.tasks.send_notification_emails")
        settled = NotificationEmail.objects.filter(recipient_id__in=recipients).exclude(status="pending")
        while settled.count() < len(recipients):
            if worker.poll() is not None:
                sys.exit(f"the worker died; see {log_path}")
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        app.close()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        stop.set()
        sink.join(timeout=10)
    counts = dict(
        NotificationEmail.objects.filter(recipient_id__in=recipients)
        .values_list("status")
        .annotate(count=Count("pk"))
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    log(
        f"\n{len(recipients)} notification emails settled in {elapsed:.1f} s: {counts}\n"
        f"emails received by the sink: {received.value}\n"
        f"throughput: {counts.get('sent', 0) / elapsed:.0f} emails/s\n"
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, PostgreSQL {postgres}"
    )


if __name__ == "__main__":
    main()
