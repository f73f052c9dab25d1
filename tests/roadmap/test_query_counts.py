"""Roadmap pages run a constant number of queries, whatever the size of the roadmap."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.cache import clear_local_memos
from tests.factories import ProgressFactory, build_roadmap

pytestmark = pytest.mark.django_db


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def roadmap_of(size, user=None):
    roadmap, topics = build_roadmap(topics=size, sections=max(1, size // 10), slug=f"size-{size}")
    if user is not None:
        for topic in topics[: size // 2]:
            ProgressFactory(user=user, topic=topic, status="done")
    return roadmap, topics


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
@pytest.mark.parametrize("warm", [False, True], ids=["cold-cache", "warm-cache"])
def test_map_queries_do_not_grow_with_the_roadmap(client, learner, signed_in, warm):
    if signed_in:
        client.force_login(learner)
    counts = []
    for size in (10, 200):
        roadmap, _ = roadmap_of(size, learner)
        url = reverse("roadmap:roadmap-detail", args=[roadmap.slug])
        if warm:
            client.get(url)
        else:
            cache.clear()
        counts.append(count_queries(client, url))
    assert counts[0] == counts[1]


def test_a_warm_signed_in_map_runs_no_query(client, learner):
    client.force_login(learner)
    roadmap, _ = roadmap_of(200, learner)
    url = reverse("roadmap:roadmap-detail", args=[roadmap.slug])
    client.get(url)
    assert count_queries(client, url) == 0  # user, statuses, structure and counts all cached


def test_anonymous_map_is_served_wholly_from_the_cache(client):
    roadmap, _ = roadmap_of(50)
    url = reverse("roadmap:roadmap-detail", args=[roadmap.slug])
    first = client.get(url)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert len(queries) == 0
    assert second.content == first.content
    assert "public" in second["Cache-Control"]
    assert second.cookies == {}


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_topic_page_queries_do_not_grow_with_the_roadmap(client, learner, signed_in):
    if signed_in:
        client.force_login(learner)
    counts = []
    for size in (10, 200):
        _, topics = roadmap_of(size, learner)
        cache.clear()
        counts.append(count_queries(client, topics[size // 2].get_absolute_url()))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("name", ["roadmap:roadmap-list", "home"])
def test_list_and_home_queries_do_not_grow_with_roadmaps_or_progress(client, learner, name):
    client.force_login(learner)
    roadmap_of(10, learner)
    cache.clear()
    small = count_queries(client, reverse(name))
    for size in (60, 200):
        roadmap_of(size, learner)
    cache.clear()
    assert count_queries(client, reverse(name)) == small


def test_profile_queries_do_not_grow_with_progress(client, learner):
    roadmap_of(10, learner)
    url = reverse("accounts:profile", args=[learner.username])
    small = count_queries(client, url)
    roadmap_of(200, learner)
    cache.clear()  # cold both times: the first count also found who owns the username
    clear_local_memos()
    assert count_queries(client, url) == small
