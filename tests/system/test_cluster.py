"""The one-machine cluster under load: nginx in front of two gunicorn instances, two Celery
workers and beat. One web instance and one worker are killed mid-run; only requests in
flight on the killed instance may fail, the site answers again within 5 seconds, and every
due learner still gets exactly one digest."""

import shutil
import threading
import time
import urllib.error
import urllib.request

import pytest

from bench.cluster import Cluster, production_env
from community.models import DigestDelivery
from tests.integration.conftest import (
    WORKER_CLAIM_TIMEOUT,
    WORKER_VISIBILITY_TIMEOUT,
    _database_url,
    is_idle,
    wait_for,
)
from tests.integration.test_digest_worker import finished, learners, received_by_user

pytestmark = [pytest.mark.celery, pytest.mark.postgres]

LOAD_CLIENTS = 6
LOAD_SECONDS = 12
KILL_AT = 4
RECOVERY = 5


def load(url, stop, results):
    while not stop.is_set():
        started = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                ok = response.status == 200
        except (urllib.error.URLError, OSError):
            ok = False
        results.append((started, time.monotonic(), ok))


@pytest.fixture
def cluster(transactional_db, broker_url, smtp_sink, tmp_path, collected_static):
    if not shutil.which("nginx") and not shutil.which("/usr/sbin/nginx"):
        pytest.skip("nginx is not installed (apt-get install nginx)")
    env = production_env(
        DATABASE_URL=_database_url(),
        REDIS_URL=broker_url,
        CELERY_BROKER_URL=broker_url,
        CELERY_TASK_ALWAYS_EAGER="false",
        CELERY_VISIBILITY_TIMEOUT=str(WORKER_VISIBILITY_TIMEOUT),
        DIGEST_CLAIM_TIMEOUT=str(WORKER_CLAIM_TIMEOUT),
        DIGEST_BATCH_SIZE="5",
        EMAIL_URL=smtp_sink.url,
        SITE_URL="https://stepwise.example",
        WEB_CONCURRENCY="2",
        GUNICORN_PRELOAD="false",
    )
    running = Cluster(env=env)
    try:
        yield running.up(beat=True)
    finally:
        running.down()


def test_the_cluster_survives_losing_a_web_instance_and_a_worker(cluster, smtp_sink, send_task):
    expected = learners(30)
    smtp_sink.delay = 0.1  # digests are still going out when the worker dies
    stop, results = threading.Event(), []
    clients = [
        threading.Thread(target=load, args=(f"{cluster.url}/healthz", stop, results), daemon=True)
        for _ in range(LOAD_CLIENTS)
    ]
    begin = time.monotonic()
    for client in clients:
        client.start()

    send_task("community.tasks.schedule_digests")
    time.sleep(KILL_AT)
    kill_time = time.monotonic()
    cluster.kill("web1")
    cluster.kill("worker1")
    time.sleep(max(0, LOAD_SECONDS - (time.monotonic() - begin)))
    stop.set()
    for client in clients:
        client.join(timeout=15)

    failures = [(start, end) for start, end, ok in results if not ok]
    assert len(results) > 100, "the load did not run"
    # Only requests already in flight on the killed instance may fail ...
    assert all(start <= kill_time + 0.5 for start, _ in failures), failures
    assert len(failures) <= LOAD_CLIENTS
    # ... and everything started after the recovery window succeeded.
    after = [ok for start, _, ok in results if start > kill_time + RECOVERY]
    assert after and all(after)

    def settle():
        send_task("community.tasks.sweep_digest_claims")
        return finished(expected, set())()

    wait_for(settle, timeout=60, interval=2, what="every due digest after the worker died")
    wait_for(
        lambda: is_idle(cluster.log("worker2")), timeout=30, what="the surviving worker to end its batches"
    )
    _, counts = received_by_user(smtp_sink, expected)
    doubled = {user: count for user, count in counts.items() if count > 1}
    lost = {user for user in expected if counts[user] == 0}
    ambiguous = set(
        DigestDelivery.objects.filter(user_id__in=expected, reason__startswith="ambiguous").values_list(
            "user_id", flat=True
        )
    )
    assert not doubled, f"doubled digests: {doubled}"
    assert lost <= ambiguous, f"lost digests that were not logged as ambiguous: {lost - ambiguous}"
