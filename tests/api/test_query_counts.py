"""Every list endpoint runs the same number of queries at two data sizes."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services as account_services
from community import mentorship, moderation, outbox, services
from community.models import Bookmark, Comment, Follow, Reaction, Thread
from roadmap import services as roadmap_services
from tests.api.helpers import token_client
from tests.factories import (
    CommentFactory,
    MentorFactory,
    TagFactory,
    ThreadFactory,
    UserFactory,
    build_roadmap,
)

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 30


def count_queries(client, url, params=None, *, warm_cache=False) -> int:
    if not warm_cache:
        cache.clear()
    client.get(url, params)  # the first request may record the token's use
    if not warm_cache:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(queries)


def threads_of(size, *, author=None, topic=None):
    tags = [TagFactory(slug=f"tag-{size}-{n}") for n in range(3)]
    threads = []
    for n in range(size):
        thread = ThreadFactory(author=author or UserFactory(), topic=topic, tags=tags[: 1 + n % 3])
        threads.append(thread)
    return threads


def setup_threads(size, viewer):
    roadmap, topics = build_roadmap(topics=2, sections=1, slug=f"r{size}")
    threads_of(size, topic=topics[0])
    return "/api/v1/threads/", {}


def setup_threads_filtered(size, viewer):
    roadmap, topics = build_roadmap(topics=2, sections=1, slug=f"r{size}")
    threads = threads_of(size, author=UserFactory(username=f"writer{size}"), topic=topics[0])
    return "/api/v1/threads/", {
        "author": f"writer{size}",
        "topic": topics[0].pk,
        "tag": threads[0].tags.first().slug,
    }


def setup_thread_search(size, viewer):
    for n in range(size):
        ThreadFactory(title=f"Queryset question number {n}", body="A question about the queryset API.")
    return "/api/v1/threads/", {"q": "queryset"}


def setup_comments(size, viewer):
    thread = ThreadFactory()
    people = [UserFactory() for _ in range(3)]
    parents = [CommentFactory(thread=thread, author=people[n % 3]) for n in range(size)]
    for parent in parents:
        CommentFactory(thread=thread, parent=parent, author=people[0], reply_to=people[1])
    return f"/api/v1/threads/{thread.pk}/comments/", {}


def setup_thread_detail(size, viewer):
    thread = ThreadFactory(tags=[TagFactory(slug=f"t{size}")])
    comments = CommentFactory.create_batch(size, thread=thread)
    Reaction.objects.bulk_create(
        [Reaction(user=UserFactory(), thread=thread, kind="like") for _ in range(size)]
    )
    Reaction.objects.bulk_create(
        [Reaction(user=viewer, comment=comment, kind="like") for comment in comments]
    )
    return f"/api/v1/threads/{thread.pk}/", {}


def setup_roadmaps(size, viewer):
    for n in range(size // 3 + 1):
        roadmap, topics = build_roadmap(topics=3, sections=1, slug=f"r{size}-{n}", with_resources=False)
        roadmap_services.set_progress(user=viewer, topic=topics[0], status="done")
    return "/api/v1/roadmaps/", {}


def setup_roadmap_detail(size, viewer):
    roadmap, topics = build_roadmap(topics=size, sections=max(1, size // 5), slug=f"r{size}")
    for topic in topics[: size // 2]:
        roadmap_services.set_progress(user=viewer, topic=topic, status="done")
    ThreadFactory(topic=topics[0])
    return f"/api/v1/roadmaps/{roadmap.slug}/", {}


def setup_topic_detail(size, viewer):
    roadmap, topics = build_roadmap(topics=size, sections=2, slug=f"r{size}")
    return f"/api/v1/roadmaps/{roadmap.slug}/topics/{topics[-1].slug}/", {}


def setup_progress(size, viewer):
    roadmap, topics = build_roadmap(topics=size, sections=2, slug=f"r{size}", with_resources=False)
    for topic in topics:
        roadmap_services.set_progress(user=viewer, topic=topic, status="learning")
    return "/api/v1/me/progress/", {}


def setup_notes(size, viewer):
    roadmap, topics = build_roadmap(topics=size, sections=2, slug=f"r{size}", with_resources=False)
    for topic in topics:
        roadmap_services.save_note(user=viewer, topic=topic, body="A note")
    return "/api/v1/me/notes/", {}


def setup_public_progress(size, viewer):
    member = UserFactory()
    for n in range(size // 3 + 1):
        _, topics = build_roadmap(topics=3, sections=1, slug=f"r{size}-{n}", with_resources=False)
        roadmap_services.set_progress(user=member, topic=topics[0], status="done")
    return f"/api/v1/users/{member.username}/progress/", {}


def setup_tags(size, viewer):
    for n in range(size):
        TagFactory(slug=f"tag-{size}-{n}")
    return "/api/v1/tags/", {}


def setup_notifications(size, viewer):
    for thread in threads_of(size):
        services.follow_set(user=viewer, thread=thread)
        services.create_comment(thread=thread, author=UserFactory(), body="A reply")
    outbox.drain()
    return "/api/v1/me/notifications/", {}


def setup_bookmarks(size, viewer):
    Bookmark.objects.bulk_create([Bookmark(user=viewer, thread=thread) for thread in threads_of(size)])
    return "/api/v1/me/bookmarks/", {}


def setup_follows(size, viewer):
    _, topics = build_roadmap(topics=size, sections=1, slug=f"r{size}", with_resources=False)
    Follow.objects.bulk_create(
        [Follow(user=viewer, thread=thread) for thread in threads_of(size)]
        + [Follow(user=viewer, topic=topic) for topic in topics]
        + [Follow(user=viewer, tag=TagFactory(slug=f"followed-{size}-{n}")) for n in range(size)]
    )
    return "/api/v1/me/follows/", {}


def setup_tokens(size, viewer):
    for n in range(min(size, 15)):
        account_services.create_api_token(user=viewer, name=f"size {size} token {n}")
    return "/api/v1/me/tokens/", {}


def setup_email_settings(size, viewer):
    services.set_email_preferences(user=viewer, modes={"reply": "digest", "mention": "off"})
    for thread in threads_of(size):
        services.create_comment(thread=thread, author=UserFactory(), body=f"@{viewer.username} a look?")
    outbox.drain()
    return "/api/v1/me/email-settings/", {}


def setup_mentor_sections(size, viewer):
    roadmap, _ = build_roadmap(topics=size, sections=size, slug=f"covered-{size}", with_resources=False)
    section_ids = list(roadmap.sections.values_list("pk", flat=True))
    mentorship.set_mentor_sections(mentor=viewer, section_ids=section_ids, watched_ids=section_ids[::2])
    return "/api/v1/mentor/sections/", {}


def setup_flags(size, viewer):
    for thread in threads_of(size):
        moderation.flag(reporter=UserFactory(), target=thread, reason="spam")
        moderation.flag(reporter=UserFactory(), target=CommentFactory(thread=thread), reason="abuse")
    return "/api/v1/mod/flags/", {}


def setup_flagged(size, viewer):
    setup_flags(size, viewer)
    return "/api/v1/mod/flagged/", {}


def setup_log(size, viewer):
    boss = MentorFactory()
    for thread in threads_of(size):
        moderation.pin(moderator=boss, thread=thread, reason="Useful")
        moderation.hide(moderator=boss, target=CommentFactory(thread=thread), reason="Rude")
    return "/api/v1/mod/log/", {}


ENDPOINTS = {
    "threads": setup_threads,
    "threads-filtered": setup_threads_filtered,
    "threads-search": setup_thread_search,
    "thread-detail": setup_thread_detail,
    "comments": setup_comments,
    "roadmaps": setup_roadmaps,
    "roadmap-detail": setup_roadmap_detail,
    "topic-detail": setup_topic_detail,
    "my-progress": setup_progress,
    "my-notes": setup_notes,
    "public-progress": setup_public_progress,
    "tags": setup_tags,
    "notifications": setup_notifications,
    "bookmarks": setup_bookmarks,
    "follows": setup_follows,
    "tokens": setup_tokens,
    "email-settings": setup_email_settings,
    "mentor-sections": setup_mentor_sections,
    "mod-flags": setup_flags,
    "mod-flagged": setup_flagged,
    "mod-log": setup_log,
}


@pytest.mark.parametrize("setup", ENDPOINTS.values(), ids=ENDPOINTS.keys())
def test_queries_do_not_grow_with_the_data(setup, mentor):
    """The viewer is a mentor, so that every endpoint answers, the moderation ones included."""
    client = token_client(mentor)
    counts = []
    for size in (SMALL, LARGE):
        url, params = setup(size, mentor)
        counts.append(count_queries(client, url, params))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("name", ["threads", "comments", "roadmaps", "roadmap-detail", "tags"])
def test_anonymous_reads_do_not_grow_with_the_data(api, mentor, name):
    counts = []
    for size in (SMALL, LARGE):
        url, params = ENDPOINTS[name](size, mentor)
        counts.append(count_queries(api, url, params))
    assert counts[0] == counts[1]


def test_a_cached_roadmap_is_read_in_at_most_five_queries(mentor):
    client = token_client(mentor)
    url, _ = setup_roadmap_detail(LARGE, mentor)
    client.get(url)
    assert count_queries(client, url, warm_cache=True) <= 5


def test_the_thread_list_runs_a_handful_of_queries(api):
    setup_threads(LARGE, None)
    assert count_queries(api, "/api/v1/threads/") <= 3
    assert Thread.objects.count() == LARGE
    assert Comment.objects.count() == 0
