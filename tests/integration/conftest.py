"""Real-process fixtures: a Celery worker subprocess on a dedicated Redis database, an SMTP
sink on loopback, and the committed test database (PostgreSQL) the worker reads."""

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from celery import Celery
from django.db import connection

from tests import workers
from tests.integration.smtp_sink import SmtpSink

ROOT = Path(__file__).resolve().parents[2]
WORKER_VISIBILITY_TIMEOUT = 4  # seconds before Redis hands a dead worker's messages to another
WORKER_CLAIM_TIMEOUT = 4  # seconds before the sweep treats a pending claim as abandoned


def pytest_collection_modifyitems(config, items):
    if os.environ.get("REDIS_URL"):
        return
    skip = pytest.mark.skip(reason="needs Redis for the Celery broker: set REDIS_URL=redis://...")
    for item in items:
        if "celery" in item.keywords:
            item.add_marker(skip)


def wait_for(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@pytest.fixture
def broker_url():
    url = workers.broker_url()  # a Redis database of this pytest worker's own, flushed by each test
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def smtp_sink():
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def send_task(broker_url):
    """Publish a task by name to the worker's broker, as beat would."""
    app = Celery("stepwise-tests", broker=broker_url, set_as_current=False)
    yield lambda name, *args: app.send_task(name, args=args)
    app.close()


def _database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


# Celery's log line for each delivery of a task to the worker and for each end of a run.
TASK_EVENT = re.compile(r"Task [\w.]+\[(?P<id>[0-9a-f-]+)\] (?P<event>received|succeeded in|retry:|raised)")


def is_idle(worker_log: str) -> bool:
    """True when every run of a task that a worker received has ended (succeeded, failed or
    asked for a retry), from its log: nothing it took is still sending."""
    runs = Counter()
    for match in TASK_EVENT.finditer(worker_log):
        runs[match["id"]] += 1 if match["event"] == "received" else -1
    return not +runs


class Worker:
    def __init__(self, process: subprocess.Popen, log: Path):
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for_output(self, pattern: re.Pattern, *, count: int = 1, timeout: float) -> list[str]:
        """Wait until the log holds `count` matches of `pattern` (it is written after the work it
        reports, so the database may be ahead of it); answers every match."""
        wait_for(
            lambda: len(pattern.findall(self.output())) >= count,
            timeout=timeout,
            what=f"{count} line(s) matching {pattern.pattern!r} in the worker's log",
        )
        return pattern.findall(self.output())

    def is_idle(self) -> bool:
        return is_idle(self.output())

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once: a machine that lost power."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def start_worker(transactional_db, broker_url, smtp_sink, tmp_path):
    """start_worker() -> a running `celery -A config worker` (prefork, 2 processes unless
    `concurrency` says otherwise) wired to the test database, the test broker and the SMTP
    sink. Killed at the end of the test, before the database is flushed."""
    workers = []

    def start(*, concurrency: int = 2, **extra_env) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "REDIS_URL": broker_url,
            "CELERY_BROKER_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_VISIBILITY_TIMEOUT": str(WORKER_VISIBILITY_TIMEOUT),
            "DIGEST_CLAIM_TIMEOUT": str(WORKER_CLAIM_TIMEOUT),
            "EMAIL_URL": smtp_sink.url,
            "SITE_URL": "https://stepwise.example",
            "PYTHONUNBUFFERED": "1",
            "LOG_FORMAT": "plain",
            **extra_env,
        }
        log = tmp_path / f"worker-{len(workers) + 1}.log"
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", f"--concurrency={concurrency}",
            "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
            f"--hostname=test-{len(workers) + 1}@%h",
        ]  # fmt: skip
        with log.open("wb") as output:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        worker = Worker(process, log)
        workers.append(worker)
        try:
            wait_for(
                lambda: " ready." in worker.output() or process.poll() is not None, timeout=30, what="worker"
            )
        except AssertionError:
            raise AssertionError(f"the worker did not start:\n{worker.output()}") from None
        if process.poll() is not None:
            raise AssertionError(f"the worker exited with {process.returncode}:\n{worker.output()}")
        return worker

    yield start
    for worker in workers:
        worker.kill()
