"""/tags/: every tag with its description, thread count and a follow button."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import services
from community.models import Follow
from tests.factories import TagFactory, ThreadFactory

pytestmark = pytest.mark.django_db

URL = "/tags/"


@pytest.fixture
def http(db):
    return TagFactory(slug="http", name="HTTP", description="Methods, status codes and headers.")


def test_the_tag_index_lists_each_tag_with_its_description_and_thread_count(client, http):
    TagFactory(slug="databases", name="Databases")
    response = client.get(URL)
    assert response.status_code == 200
    assert "#http" in response.text and "Methods, status codes and headers." in response.text
    assert "#databases" in response.text
    assert "0 threads" in response.text


def test_the_discussions_page_links_to_the_tag_index(client, http):
    assert f'href="{reverse("community:tag-index")}"' in client.get(reverse("community:thread-list")).text


def test_a_member_follows_a_tag_from_the_index_without_javascript(client, learner, http):
    client.force_login(learner)
    page = client.get(URL).text
    assert f'action="{reverse("community:tag-follow", args=["http"])}"' in page
    assert "csrfmiddlewaretoken" in page

    response = client.post(
        reverse("community:tag-follow", args=["http"]), {"next": URL, "action": "set"}, follow=True
    )

    assert response.redirect_chain[-1][0] == URL
    assert Follow.objects.filter(user=learner, tag=http).exists()
    assert 'aria-pressed="true"' in response.text


def test_following_from_the_index_needs_the_csrf_token(learner, http):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    response = client.post(reverse("community:tag-follow", args=["http"]), {"next": URL})
    assert response.status_code == 403
    assert not Follow.objects.exists()


def test_anonymous_visitors_see_no_follow_buttons(client, http):
    page = client.get(URL).text
    index = page.split('class="tag-index"', 1)[1].split("<footer", 1)[0]  # not the language switcher
    assert "/follow/" not in page and "<button" not in index


def test_the_anonymous_index_is_cached_and_retired_by_new_tags_and_threads(client, learner, http):
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        client.get(URL)
    assert len(queries) == 0

    TagFactory(slug="career", name="Career")
    assert "#career" in client.get(URL).text

    services.create_thread(
        author=learner, title="Which status code for a duplicate?", body="A body long enough.", tags=[http]
    )
    assert "1 thread<" in client.get(URL).text


def test_the_index_reads_the_same_number_of_queries_for_few_and_many_tags(client, learner):
    def count():
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    client.force_login(learner)
    for number in range(2):
        ThreadFactory(tags=[TagFactory(slug=f"few-{number}")])
    small = count()
    for number in range(20):
        tag = TagFactory(slug=f"many-{number}")
        ThreadFactory(tags=[tag])
        services.follow_set(user=learner, tag=tag)
    assert count() == small
