"""Faults the site must ride out: dropped database connections, an unreachable broker."""

import time
import urllib.request
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from bench.cluster import Cluster, production_env
from community.models import Comment, Notification, OutboxEvent
from tests.factories import ThreadFactory, UserFactory
from tests.integration.conftest import _database_url, wait_for
from tests.system.tcp_forwarder import TcpForwarder


@pytest.mark.postgres
def test_requests_succeed_after_postgresql_terminates_every_connection(
    transactional_db, tmp_path, collected_static
):
    """gunicorn keeps connections open (CONN_MAX_AGE); CONN_HEALTH_CHECKS replaces dead ones."""
    ThreadFactory(title="A thread the pages will read from")
    env = production_env(
        DATABASE_URL=_database_url(), CONN_MAX_AGE="600", WEB_CONCURRENCY="2", GUNICORN_PRELOAD="false"
    )
    cluster = Cluster(env=env).up(workers=False)
    try:
        urls = [f"{cluster.url}/discussions/", f"{cluster.url}/healthz"]
        for _ in range(10):
            for url in urls:
                assert urllib.request.urlopen(url, timeout=10).status == 200
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            terminated = cursor.fetchone()[0]
        assert terminated >= 1, "the web instances held no connection to terminate"
        statuses = [urllib.request.urlopen(url, timeout=10).status for _ in range(10) for url in urls]
        assert statuses == [200] * len(statuses)
    finally:
        cluster.down()


@pytest.mark.celery
@pytest.mark.postgres
def test_posting_works_and_its_follow_up_is_saved_while_the_broker_is_down(
    start_worker, send_task, broker_url, publish_to, caplog
):
    """The web process reaches the broker through a port that is closed for the outage: a
    learner's reply is saved and answered at once, its follow-up waits in the outbox, and once
    the broker is back beat's periodic drain delivers it, and posts ask for drains again."""
    broker = urlsplit(broker_url)
    with TcpForwarder(broker.hostname, broker.port) as way_to_broker:
        publish_to(broker._replace(netloc=f"127.0.0.1:{way_to_broker.port}").geturl())
        asker, helper = UserFactory(), UserFactory()
        asking, helping = Client(), Client()
        asking.force_login(asker)
        helping.force_login(helper)
        asking.post(
            reverse("community:thread-create"),
            {"title": "Asked while the broker is down", "body": "Does my question survive?"},
        )
        thread = asker.threads.get()
        reply_url = reverse("community:comment-create", args=[thread.pk, thread.slug])

        started = time.monotonic()
        response = helping.post(reply_url, {"body": f"@{asker.username} it does"})
        elapsed = time.monotonic() - started

        comment = Comment.objects.get(thread=thread)
        assert response.status_code == 302 and response["Location"] == comment.get_absolute_url()
        assert elapsed < 2, f"the reply took {elapsed:.1f}s"
        assert comment.author == helper
        assert OutboxEvent.objects.pending().count() == 2  # the thread's and the reply's
        assert not Notification.objects.exists()
        warnings = [record for record in caplog.records if record.name == "community.outbox"]
        assert warnings[-1].levelname == "WARNING" and "broker unreachable" in warnings[-1].getMessage()
        assert warnings[-1].request_id == response["X-Request-ID"]

        way_to_broker.open()  # the broker is back
        start_worker()
        send_task("community.tasks.drain_outbox")  # as beat does every 30 seconds
        wait_for(
            lambda: Notification.objects.filter(recipient=asker, verb="mention").exists(),
            timeout=20,
            what="the mention made during the outage",
        )
        assert not OutboxEvent.objects.pending().exists()

        helping.post(reply_url, {"body": f"Thanks for asking, @{asker.username}"})  # no beat needed now
        wait_for(
            lambda: Notification.objects.filter(recipient=asker, verb="mention").count() == 2,
            timeout=20,
            what="the mention made after the outage",
        )
    assert Notification.objects.filter(recipient=asker).count() == 2
