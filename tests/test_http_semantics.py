"""What every HTML page says over HTTP besides its body: it answers HEAD as it answers GET, and
a signed-in visitor's pages are never for a shared cache."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import CommentFactory, MentorFactory, TagFactory, ThreadFactory, build_roadmap

pytestmark = pytest.mark.django_db

# Headers that differ between any two requests, whatever their method.
PER_REQUEST = {"X-Request-ID", "Content-Security-Policy", "Set-Cookie", "Date"}
# Headers whose value is the clock at the moment of the response: both answers must carry them,
# but two requests a second apart carry different values.
CLOCK = {"Expires"}
SAME_FOR_EVERYONE = {"/feeds/latest/"}


@pytest.fixture
def site(learner):
    roadmap, topics = build_roadmap(topics=2, sections=1)
    tag = TagFactory(slug="python")
    thread = ThreadFactory(author=learner, topic=topics[0])
    thread.tags.add(tag)
    CommentFactory(thread=thread)
    return {
        "public": [
            "/",
            "/discussions/",
            thread.get_absolute_url(),
            "/roadmaps/",
            roadmap.get_absolute_url(),
            topics[0].get_absolute_url(),
            tag.get_absolute_url(),
            "/search/?q=explain",
            learner.get_absolute_url(),
            "/feeds/latest/",
            reverse("account_login"),
            reverse("account_signup"),
        ],
        "member": [
            reverse("accounts:settings"),
            reverse("community:notification-list"),
            reverse("community:notification-settings"),
            reverse("community:thread-create"),
            reverse("community:bookmark-list"),
        ],
        "mentor": ["/mod/", "/mod/log/", "/mod/tags/"],
    }


def comparable_headers(response) -> dict:
    return {
        name: "(a time)" if name in CLOCK else value
        for name, value in response.headers.items()
        if name not in PER_REQUEST
    }


def clients(learner):
    anonymous, member, mentor = Client(), Client(), Client()
    member.force_login(learner)
    mentor.force_login(MentorFactory())
    return {"public": anonymous, "member": member, "mentor": mentor}


def test_every_page_answers_head_with_the_headers_of_get_and_no_body(site, learner):
    for kind, client in clients(learner).items():
        for url in site[kind]:
            get = client.get(url)
            head = client.head(url)

            assert get.status_code == 200, url
            assert head.status_code == 200, url
            assert comparable_headers(head) == comparable_headers(get), url


def test_signed_in_pages_are_private_and_revalidated(site, learner):
    member = clients(learner)["member"]
    for url in site["public"] + site["member"]:
        if url in SAME_FOR_EVERYONE:
            continue
        cache_control = member.get(url)["Cache-Control"]

        assert "private" in cache_control, url
        assert "no-cache" in cache_control, url
        assert "public" not in cache_control, url


def test_anonymous_cached_pages_stay_public(site):
    for url in ["/", "/discussions/", "/roadmaps/"]:
        assert Client().get(url)["Cache-Control"] == "public, max-age=60"


def test_pages_that_set_their_own_cache_control_keep_it(learner_client):
    response = learner_client.get(reverse("accounts:token-list"))

    assert "no-store" in response["Cache-Control"]
