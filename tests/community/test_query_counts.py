"""Discussion pages run the same number of queries at two data sizes."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import moderation, outbox, services
from community.models import Comment, Flag, Notification, Reaction, Thread
from tests.factories import (
    MentorFactory,
    ReviewRequestFactory,
    TagFactory,
    ThreadFactory,
    UserFactory,
    build_roadmap,
)

pytestmark = pytest.mark.django_db


def count(client, url, **params):
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries)


def thread_with_comments(size, viewer):
    thread = ThreadFactory(tags=[TagFactory(slug="perf")])
    people = [UserFactory() for _ in range(5)]
    top_level = Comment.objects.bulk_create(
        [
            Comment(thread=thread, author=people[n % 5], body="b", body_html="<p>b</p>")
            for n in range(size // 2)
        ]
    )
    replies = Comment.objects.bulk_create(
        [
            Comment(
                thread=thread,
                author=people[n % 5],
                parent=top_level[n % len(top_level)],
                body="r",
                body_html="<p>r</p>",
            )
            for n in range(size - size // 2)
        ]
    )
    Reaction.objects.bulk_create(
        [Reaction(user=viewer, comment=comment, kind="like") for comment in (top_level + replies)[::3]]
        + [Reaction(user=people[0], comment=comment, kind="helpful") for comment in top_level[::2]]
    )
    return thread


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_thread_page_queries_do_not_grow_with_comments(client, learner, signed_in):
    if signed_in:
        client.force_login(learner)
    small = thread_with_comments(20, learner)
    large = thread_with_comments(200, learner)
    assert count(client, small.get_absolute_url()) == count(client, large.get_absolute_url())


def many_threads(size, topic=None):
    tag = TagFactory(slug="perf")
    authors = [UserFactory() for _ in range(3)]
    for number in range(size):
        ThreadFactory(
            author=authors[number % 3], tags=[tag], topic=topic, title=f"Searchable perf thread {number}"
        )


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/discussions/", {}),
        ("/discussions/", {"tab": "top", "period": "all"}),
        ("/discussions/", {"tab": "unanswered"}),
        ("/tags/perf/", {}),
        ("/search/", {"q": "perf thread"}),
        ("/", {}),
    ],
)
@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_list_pages_do_not_grow_with_threads(client, learner, url, params, signed_in):
    if signed_in:
        client.force_login(learner)
    many_threads(3)
    small = count(client, url, **params)
    many_threads(40)
    assert count(client, url, **params) == small


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_topic_page_and_map_do_not_grow_with_threads(client, learner, signed_in):
    if signed_in:
        client.force_login(learner)
    roadmap, topics = build_roadmap(topics=5, sections=1)
    client.get(roadmap.get_absolute_url())  # the roadmap's own structure is cached from here on
    many_threads(2, topic=topics[0])
    small = (count(client, topics[0].get_absolute_url()), count(client, roadmap.get_absolute_url()))
    many_threads(25, topic=topics[0])
    assert (count(client, topics[0].get_absolute_url()), count(client, roadmap.get_absolute_url())) == small


def test_notifications_page_does_not_grow(client, learner):
    client.force_login(learner)
    thread = ThreadFactory(author=learner)
    services.follow_set(user=learner, thread=thread)
    for _ in range(3):
        services.create_comment(thread=thread, author=UserFactory(), body="hi")
    outbox.drain()
    small = count(client, reverse("community:notification-list"))
    for _ in range(25):
        services.create_comment(thread=thread, author=UserFactory(), body="hi")
    outbox.drain()
    assert count(client, reverse("community:notification-list")) == small
    assert Thread.objects.count() == 1
    assert Notification.objects.filter(recipient=learner).count() == 28


def outbox_backlog(size):
    """Every kind of outbox event, with `size` comments in a thread that `size` people follow.
    Notifications stay under 111 rows: SQLite splits bulk inserts there (PostgreSQL never does)."""
    author, helper, mentioned, mentor = UserFactory(), UserFactory(), UserFactory(), MentorFactory()
    thread = services.create_thread(
        author=author, title="A thread for the outbox", body=f"@{mentioned.username}"
    )
    services.edit_thread(thread=thread, editor=author, title=thread.title, body=f"@{helper.username}")
    for follower in UserFactory.create_batch(size):
        services.follow_set(user=follower, thread=thread)
    comments = [
        services.create_comment(
            thread=thread, author=[author, helper][n % 2], body=f"@{mentioned.username} {n}"
        )
        for n in range(size)
    ]
    services.edit_comment(comment=comments[0], editor=comments[0].author, body=f"@{mentor.username}")
    services.accept_answer(thread=thread, comment=comments[-1], user=author)
    moderation.hide(moderator=mentor, target=comments[1], reason="Rude")
    return thread


def test_draining_the_outbox_does_not_grow_with_events_or_followers():
    counts, written = [], []
    for size in (2, 8):
        outbox_backlog(size)
        before = Notification.objects.count()
        with CaptureQueriesContext(connection) as queries:
            result = outbox.drain()
        assert result.processed == size + 5 and result.failed == 0
        counts.append(len(queries))
        written.append(Notification.objects.count() - before)
    # A batch: claim, 7 lookups (the new threads' tags and topics among them), the recipients'
    # email settings, 1 insert, 1 update, in 2 savepoints; then an empty claim in 1.
    assert counts[0] == counts[1] == 18
    assert written[1] > 8 * 8 > written[0]


def warm_queries(client, url) -> int:
    """The queries of the page once it was shown (what it caches, cached)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def flags_and_review_requests(size):
    for _ in range(size):
        moderation.flag(reporter=UserFactory(), target=ThreadFactory(), reason="spam")
        ReviewRequestFactory()


@pytest.mark.parametrize("url", ["/", "/discussions/", "/roadmaps/", "/u/learner/"])
def test_a_mentors_header_counts_add_no_query_to_a_warm_page(mentor, learner, url):
    build_roadmap(topics=3, sections=1)
    as_mentor, as_learner = Client(), Client()
    as_mentor.force_login(mentor)
    as_learner.force_login(learner)
    for size in (1, 12):
        flags_and_review_requests(size)
        assert warm_queries(as_mentor, url) == warm_queries(as_learner, url)
        assert f"{Flag.objects.filter(status='open').count()}<span" in as_mentor.get(url).text


def test_insights_warm_runs_no_query_however_many_flags_and_requests(
    client, mentor, django_assert_num_queries
):
    client.force_login(mentor)
    build_roadmap(topics=3, sections=1)
    for size in (1, 12):
        flags_and_review_requests(size)
        assert client.get("/insights/").status_code == 200
        with django_assert_num_queries(0):
            response = client.get("/insights/")
        assert response.status_code == 200
        assert f"{Flag.objects.filter(status='open').count()}<span" in response.text
