"""Faults the site must ride out: dropped database connections, an unreachable broker."""

import os
import subprocess
import sys
import urllib.request

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from bench.cluster import ROOT, Cluster
from community.models import Comment, Notification
from config import celery_app
from tests.factories import ThreadFactory, UserFactory
from tests.integration.conftest import _database_url


@pytest.mark.postgres
def test_requests_succeed_after_postgresql_terminates_every_connection(transactional_db, tmp_path):
    """gunicorn keeps connections open (CONN_MAX_AGE); CONN_HEALTH_CHECKS replaces dead ones."""
    ThreadFactory(title="A thread the pages will read from")
    env = {
        "DEBUG": "false",
        "SECRET_KEY": "faults-" + "f" * 55,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": _database_url(),
        "CONN_MAX_AGE": "600",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_PRELOAD": "false",
        "LOG_FORMAT": "plain",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
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


@pytest.mark.django_db
def test_posting_works_and_its_follow_up_is_saved_while_the_broker_is_down(settings):
    """Replies and their notifications are written in the request's own transaction: nothing
    the post needs goes through the broker, so a broker outage cannot lose it. Digests pick
    the reply up from the database whenever the broker is back."""
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = "redis://127.0.0.1:1/0", False
    try:
        asker, helper = UserFactory(), UserFactory()
        client = Client()
        client.force_login(asker)
        client.post(
            reverse("community:thread-create"),
            {"title": "Asked while the broker is down", "body": "Does my question survive?"},
        )
        client.force_login(helper)
        thread = asker.threads.get()
        response = client.post(
            reverse("community:comment-create", args=[thread.pk, thread.slug]),
            {"body": f"@{asker.username} it does"},
        )
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
    assert response.status_code == 302
    assert Comment.objects.get(thread=thread).author == helper
    assert Notification.objects.filter(recipient=asker, verb="mention").count() == 1
