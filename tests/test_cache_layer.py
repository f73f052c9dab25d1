"""The declared cache layer: declarations that cannot be misused, and the invalidation table
applied to saves, deletions, many-to-many changes and touch()."""

import inspect
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import F

from community.caches import LISTS, THREAD, TOPIC_THREADS, VIEWER
from community.models import Thread
from config.cache import version_token
from config.caching import TIMEOUTS, Cached, declared, rules, touch
from roadmap.caches import CATALOGUE, STRUCTURE
from tests.factories import (
    CommentFactory,
    RoadmapFactory,
    SectionFactory,
    TagFactory,
    ThreadFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


class Tokens:
    """The values of some tokens now, to compare with later."""

    def __init__(self, **keys):
        self.keys = keys
        self.before = {name: version_token(key) for name, key in keys.items()}

    def moved(self) -> set[str]:
        return {name for name, key in self.keys.items() if version_token(key) != self.before[name]}


def test_every_declaration_names_a_known_timeout_a_builder_that_exists_and_token_keys():
    assert declared()
    for name, cached in declared().items():
        assert cached.timeout in TIMEOUTS, name
        if cached.build is not None:
            parameters = inspect.signature(cached.builder).parameters
            assert set(cached.key) <= set(parameters), f"{name}: its builder does not take its key"
        keys = cached.tokens(**dict.fromkeys(cached.key, 1))
        assert all(key.startswith("token:") for key in keys), name


def test_a_value_cannot_be_read_without_its_whole_key_or_with_a_second_builder():
    thread = ThreadFactory()
    from community.caches import THREAD_COMMENTS, THREAD_HEAD

    with pytest.raises(TypeError, match="keyed by variant"):
        THREAD_COMMENTS.get(thread_id=thread.pk, page_number=1, build=lambda: "html")
    with pytest.raises(TypeError, match="build="):
        THREAD_HEAD.get(pk=thread.pk, build=lambda: None)
    with pytest.raises(ValueError, match="declared twice"):
        Cached("thread-head", key=(), tokens=lambda: [], timeout="page", build=None)


def test_a_cached_value_follows_its_token_and_not_another():
    thread, other = ThreadFactory(title="Before"), ThreadFactory()
    from community.caches import THREAD_HEAD

    assert THREAD_HEAD.get(pk=thread.pk).title == "Before"
    Thread.objects.filter(pk=thread.pk).update(title="After")
    assert THREAD_HEAD.get(pk=thread.pk).title == "Before"  # an update sends no signal...
    touch(Thread, other.pk)
    assert THREAD_HEAD.get(pk=thread.pk).title == "Before"  # ...and touching another row is not this one
    touch(Thread, thread.pk)
    assert THREAD_HEAD.get(pk=thread.pk).title == "After"


def test_moving_a_thread_retires_the_counts_of_both_roadmaps_but_a_new_comment_does_not():
    first, second = TopicFactory(), TopicFactory()
    thread = ThreadFactory(topic=first)
    tokens = Tokens(
        first=TOPIC_THREADS.key(first.roadmap_id),
        second=TOPIC_THREADS.key(second.roadmap_id),
        thread=THREAD.key(thread.pk),
        lists=LISTS.key(),
    )
    thread = Thread.objects.get(pk=thread.pk)
    thread.topic = second
    thread.save()
    assert tokens.moved() == {"first", "second", "thread", "lists"}

    tokens = Tokens(counts=TOPIC_THREADS.key(second.roadmap_id), thread=THREAD.key(thread.pk))
    Thread.objects.filter(pk=thread.pk).update(comment_count=F("comment_count") + 1)
    touch(Thread, thread.pk, fields={"comment_count"})
    assert tokens.moved() == {"thread"}


def test_a_rename_retires_the_threads_that_show_the_name_and_other_saves_do_not():
    author = UserFactory()
    thread, commented, elsewhere = ThreadFactory(author=author), ThreadFactory(), ThreadFactory()
    CommentFactory(thread=commented, author=author)
    tokens = Tokens(**{f"t{t.pk}": THREAD.key(t.pk) for t in (thread, commented, elsewhere)})
    author.digest_frequency = "off"
    author.save()
    assert tokens.moved() == set()
    author.display_name = "Someone else"
    author.save()
    assert tokens.moved() == {f"t{thread.pk}", f"t{commented.pk}"}


def test_tags_added_from_either_side_retire_the_thread():
    thread, tag = ThreadFactory(), TagFactory()
    tokens = Tokens(thread=THREAD.key(thread.pk))
    tag.threads.add(thread)
    assert tokens.moved() == {"thread"}
    tokens = Tokens(thread=THREAD.key(thread.pk))
    tag.threads.clear()
    assert tokens.moved() == {"thread"}


def test_deleting_retires_what_showed_the_row_and_what_cascaded_from_it():
    roadmap = RoadmapFactory()
    topic = TopicFactory(roadmap=roadmap, section=SectionFactory(roadmap=roadmap))
    thread = ThreadFactory(topic=topic)
    comment = CommentFactory(thread=thread)
    tokens = Tokens(
        structure=STRUCTURE.key(roadmap.pk),
        catalogue=CATALOGUE.key(),
        thread=THREAD.key(thread.pk),
        commenter=VIEWER.key(comment.author_id),
    )
    thread.delete()
    assert tokens.moved() == {"thread", "commenter"}
    topic.delete()
    assert tokens.moved() == {"thread", "commenter", "structure", "catalogue"}


def test_every_write_in_a_transaction_is_bumped_again_after_the_commit(django_capture_on_commit_callbacks):
    thread = ThreadFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        thread.title = "Changed"
        thread.save()
    token = version_token(THREAD.key(thread.pk))
    for callback in callbacks:
        callback()
    assert version_token(THREAD.key(thread.pk)) != token


def test_the_table_covers_every_model_whose_rows_cached_pages_show():
    from accounts.models import User
    from community.models import Bookmark, Comment, Follow, Notification, Reaction, Tag
    from roadmap.models import Progress, Resource, Roadmap, Section, Topic

    shown = {User, Thread, Comment, Reaction, Follow, Bookmark, Notification, Tag}
    shown |= {Roadmap, Section, Topic, Resource, Progress}
    assert shown <= set(rules())


# What may build a cache key: the declarations and the layer's own modules.
LAYER = {"config/cache.py", "config/caching.py", "config/page_cache.py"}
CACHE_CALL = re.compile(r"\bcache\.(get|set|add|delete|incr|decr|get_or_set|get_many|set_many|touch)\(")


def test_no_code_outside_the_layer_reads_or_writes_the_cache_itself():
    root = Path(settings.BASE_DIR)
    offenders = []
    for app in ("accounts", "community", "roadmap", "config", "bench"):
        for path in (root / app).rglob("*.py"):
            relative = str(path.relative_to(root))
            if relative in LAYER or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if (
                    CACHE_CALL.search(line)
                    or "versioned_get_or_set(" in line
                    or "bump_version_tokens(" in line
                ):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []
