"""What a release warms before it takes traffic (config/warmup.py): the gunicorn master before
it forks workers, and the shared cache's hot pages (`manage.py warm_cache`)."""

import gc
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from config import warmup
from config.cache import clear_local_memos
from tests.factories import ThreadFactory


def test_every_project_template_is_found_and_compiles(caplog):
    names = warmup.template_names()
    assert "base.html" in names and "community/thread_detail.html" in names
    warmup.warm_up()
    assert "not warmed up" not in caplog.text


def test_preparing_for_fork_freezes_what_is_loaded():
    try:
        warmup.prepare_for_fork()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


@pytest.mark.django_db
def test_warming_the_cache_serves_the_hot_pages_without_a_query(client, django_assert_num_queries):
    hot = ThreadFactory(title="A thread everyone reads today")
    call_command("warm_cache", "--threads", "5", stdout=StringIO())
    clear_local_memos()  # as a freshly started worker: the pages come from the shared cache
    for path in (hot.get_absolute_url(), reverse("home"), reverse("community:thread-list")):
        for language, _ in settings.LANGUAGES:
            with django_assert_num_queries(0):
                response = client.get(path, headers={"Accept-Language": language})
            assert response.status_code == 200
            assert response["Content-Language"] == language
            assert "public" in response["Cache-Control"]


@pytest.mark.django_db
def test_warming_takes_the_threads_at_the_top_of_the_list():
    now = timezone.now()
    old, recent, latest = (ThreadFactory(last_activity_at=now - timedelta(days=days)) for days in (30, 2, 1))
    paths = warmup.hot_paths(threads=2)
    assert latest.get_absolute_url() in paths and recent.get_absolute_url() in paths
    assert old.get_absolute_url() not in paths
    output = StringIO()
    call_command("warm_cache", "--threads", "2", stdout=output)
    count = len(paths) * len(settings.LANGUAGES)
    assert f"Warmed {count} of {count} pages" in output.getvalue()
