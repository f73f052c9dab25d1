"""Tags, threads, comments, reactions, follows, bookmarks, flags and notifications, with
every denormalised counter counted while planning."""

import math
import random
from array import array

from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F
from django.utils.text import slugify

from bench.seed import DAY, SEED, SPECIAL_TAGS, SPECIAL_THREADS, SPECIAL_TOPIC, YEAR
from bench.seed.numbers import allocate, cumulative, timestamp
from bench.seed.search import SearchVectors
from bench.seed.texts import INDEX_PARAGRAPHS, SUBJECTS, TITLES, Pool, post_bodies
from bench.seed.writer import next_id
from community.caches import TOPIC_THREADS
from community.models import Bookmark, Comment, Flag, Follow, Notification, Reaction, Status, Tag, Thread
from roadmap.models import Topic

TAGS = [
    ("python", "Python"), ("django", "Django"), ("postgresql", "PostgreSQL"), ("databases", "Databases"),
    ("http", "HTTP"), ("apis", "APIs"), ("security", "Security"), ("testing", "Testing"),
    ("devops", "DevOps"), ("docker", "Docker"), ("linux", "Linux"), ("git", "Git"),
    ("performance", "Performance"), ("caching", "Caching"), ("career", "Career"),
    ("architecture", "Architecture"), ("async", "Async"), ("redis", "Redis"), ("celery", "Celery"),
    ("beginners", "Beginners"),
]  # fmt: skip


class CommunitySeed:
    """Everything posted and its consequences. Needs the users (`authors()`, `user_base`) and
    the roadmaps (`topics`, `topic_weights`) planned first."""

    def render_bodies(self) -> None:
        rng = random.Random(SEED + 1)
        thread_bodies = post_bodies(rng, 40, long=True)
        for index, paragraph in enumerate(INDEX_PARAGRAPHS):
            thread_bodies[index] += "\n\n" + paragraph
        self.thread_pool = Pool.render(thread_bodies)
        self.comment_pool = Pool.render(post_bodies(rng, 60, long=False))

    def load_tags(self) -> None:
        existing = {tag.slug: tag for tag in Tag.objects.filter(slug__in=[slug for slug, _ in TAGS])}
        taken_names = set(Tag.objects.values_list("name", flat=True))
        for slug, name in TAGS:
            if slug not in existing:
                name = name if name not in taken_names else f"{name} ({slug})"
                existing[slug] = Tag.objects.create(slug=slug, name=name)
        self.tag_id_by_slug = {slug: existing[slug].pk for slug, _ in TAGS}
        self.tag_ids = list(self.tag_id_by_slug.values())
        # Popular tags first: a tag's weight falls with its position in TAGS.
        self.tag_weights = [1 / (1 + index / 4) for index in range(len(TAGS))]

    # Threads ------------------------------------------------------------------------------

    def reserve_ids(self) -> None:
        """What planning reads from the database, read before it: planning itself touches no
        database (it may run in a forked process, see bench/seed/fork.py)."""
        self.thread_base = next_id(Thread)
        self.comment_base = next_id(Comment)
        self.special_topic = (
            Topic.objects.filter(roadmap_id=self.backend_id, slug=SPECIAL_TOPIC)
            .values_list("pk", flat=True)
            .first()
            or self.roadmap_topics[self.backend_id][0][0]
        )

    def plan_threads(self) -> None:
        rng = self.rng
        count = self.thread_count
        self.t_author = array("l", self.authors(count))
        self.t_created = array("d")
        self.t_topic = array("l")
        self.t_title: list[str] = []
        self.t_tags: list[tuple[int, ...]] = []
        topic_cumulative = list(cumulative(self.topic_weights))
        tag_cumulative = list(cumulative(self.tag_weights))
        topic_indexes = range(len(self.topics))
        for _ in range(self.counts["threads"]):
            # More threads recently: the community grew over the year.
            self.t_created.append(self.now - YEAR * (1 - math.sqrt(rng.random())))
            subject, other = rng.sample(SUBJECTS, 2)
            topic_id = 0
            if rng.random() < 0.5:
                topic_id, topic_title = self.topics[
                    rng.choices(topic_indexes, cum_weights=topic_cumulative)[0]
                ]
                if rng.random() < 0.7:
                    subject = topic_title
            self.t_topic.append(topic_id)
            template = rng.choice(TITLES)
            title = template.format(subject=subject, Subject=subject[0].upper() + subject[1:], other=other)
            self.t_title.append(title[: Thread.TITLE_MAX])
            tag_count = rng.choices(range(5), weights=[15, 35, 30, 15, 5])[0]
            picked = rng.choices(self.tag_ids, cum_weights=tag_cumulative, k=tag_count * 2)
            self.t_tags.append(tuple(dict.fromkeys(picked))[:tag_count])
        special_tags = tuple(self.tag_id_by_slug[slug] for slug in SPECIAL_TAGS)
        for number, (_, title) in zip(self.special_numbers, SPECIAL_THREADS, strict=True):
            self.t_author[number] = 1  # bench1: bench0 is the signed-in visitor, who reacts to it
            self.t_created.append(self.now - 30 * DAY)
            self.t_topic.append(self.special_topic)
            self.t_title.append(title)
            self.t_tags.append(special_tags)
        self.t_body = array("l", (rng.randrange(len(self.thread_pool.bodies)) for _ in range(count)))
        self.pinned = set(rng.sample(range(self.counts["threads"]), min(3, self.counts["threads"])))
        self.locked = {number for number in range(self.counts["threads"]) if rng.random() < 0.005}

    def write_threads(self) -> None:
        pool, base, user_base = self.thread_pool, self.thread_base, self.user_base
        slugs: dict[str, str] = {}
        comment_base = self.comment_base
        rng = random.Random(SEED + 2)
        # Only PostgreSQL has the search vector column's type.
        vectors = (
            SearchVectors(titles=self.t_title, bodies=pool.bodies)
            if connection.vendor == "postgresql"
            else None
        )

        def threads():
            for number in range(self.thread_count):
                title = self.t_title[number]
                slug = slugs.get(title)
                if slug is None:
                    slug = slugs[title] = slugify(title)[:80] or "thread"
                created = self.t_created[number]
                edited = timestamp(created + rng.random() * DAY) if rng.random() < 0.05 else None
                accepted = self.t_accepted[number]
                body = self.t_body[number]
                row = (
                    base + number,
                    user_base + self.t_author[number],
                    title,
                    slug,
                    pool.bodies[body],
                    pool.html[body],
                    self.t_topic[number] or None,
                    Status.PUBLISHED,
                    number in self.pinned,
                    number in self.locked,
                    comment_base + accepted if accepted >= 0 else None,
                    self.t_comments[number],
                    self.t_likes[number] + self.t_helpful[number] + self.t_insightful[number],
                    self.t_likes[number],
                    self.t_helpful[number],
                    self.t_insightful[number],
                    timestamp(self.t_last_activity[number]),
                    timestamp(created),
                    edited,
                )
                yield (*row, vectors.vector(title, body)) if vectors else row

        columns = (
            "id", "author_id", "title", "slug", "body", "body_html", "topic_id", "status", "is_pinned",
            "is_locked", "accepted_comment_id", "comment_count", "reaction_count", "like_count",
            "helpful_count", "insightful_count", "last_activity_at", "created_at", "edited_at",
        )  # fmt: skip
        if vectors:
            columns += ("search_vector",)
        self.writer.write(Thread, columns, threads(), self.thread_count, fills_trigger_columns=bool(vectors))

        Tagging = Thread.tags.through
        first = next_id(Tagging)
        taggings = [
            (base + number, tag_id) for number, tag_ids in enumerate(self.t_tags) for tag_id in tag_ids
        ]
        self.writer.write(
            Tagging,
            ("id", "thread_id", "tag_id"),
            ((first + index, *row) for index, row in enumerate(taggings)),
            len(taggings),
        )
        per_tag: dict[int, int] = {}
        for _, tag_id in taggings:
            per_tag[tag_id] = per_tag.get(tag_id, 0) + 1
        for tag_id, added in per_tag.items():
            Tag.objects.filter(pk=tag_id).update(thread_count=F("thread_count") + added)

    # Comments -----------------------------------------------------------------------------

    def plan_comments(self) -> None:
        """Comments per thread follow a long tail (some threads have none); each comes after its
        thread, most soon after; a quarter are replies to an earlier top-level comment."""
        rng = self.rng
        regular = self.counts["threads"]
        weights = [0.0 if rng.random() < 0.12 else min(rng.paretovariate(1.5), 100.0) for _ in range(regular)]
        per_thread = allocate(self.counts["comments"], weights, cap=400)
        per_thread += [size for size, _ in SPECIAL_THREADS]
        self.comment_total = sum(per_thread)
        authors = iter(self.authors(self.comment_total))

        self.c_thread = array("l")
        self.c_author = array("l")
        self.c_parent = array("l")  # comment number, or -1 for a top-level comment
        self.c_reply_to = array("l")  # user number, or -1
        self.c_created = array("d")
        self.c_hidden = bytearray(self.comment_total)
        self.t_comments = array("l", [0] * self.thread_count)
        self.t_last_activity = array("d", self.t_created)
        self.t_accepted = array("l", [-1] * self.thread_count)

        for thread, size in enumerate(per_thread):
            if not size:
                continue
            is_special = thread >= regular
            start = self.t_created[thread]
            span = self.now - start
            if is_special:
                times = [start + span * (index + 1) / (size + 1) for index in range(size)]
            else:
                mean = max(min(span / 4, 5 * DAY), 60.0)
                times = sorted(
                    start + (offset if offset < span else span * rng.random())
                    for offset in (rng.expovariate(1 / mean) for _ in range(size))
                )
            top_level: list[int] = []
            last_reply_author: dict[int, int] = {}
            published = 0
            for index, created in enumerate(times):
                number = len(self.c_thread)
                author = next(authors)
                is_reply = top_level and ((index % 2 == 1) if is_special else rng.random() < 0.25)
                parent = rng.choice(top_level) if is_reply else -1
                reply_to = -1
                if is_reply and parent in last_reply_author and rng.random() < 0.3:
                    reply_to = last_reply_author[parent]
                if is_reply:
                    last_reply_author[parent] = author
                else:
                    top_level.append(number)
                hidden = not is_special and rng.random() < 0.01
                self.c_thread.append(thread)
                self.c_author.append(author)
                self.c_parent.append(parent)
                self.c_reply_to.append(reply_to)
                self.c_created.append(created)
                if hidden:
                    self.c_hidden[number] = 1
                else:
                    published += 1
            self.t_comments[thread] = published
            self.t_last_activity[thread] = times[-1]
            thread_author = self.t_author[thread]
            answers = [
                number
                for number in top_level[:5]
                if not self.c_hidden[number] and self.c_author[number] != thread_author
            ]
            if answers and (is_special or rng.random() < 0.35):
                self.t_accepted[thread] = answers[0] if is_special else rng.choice(answers)
        self.c_body = array(
            "l", (rng.randrange(len(self.comment_pool.bodies)) for _ in range(self.comment_total))
        )

    def write_comments(self) -> None:
        pool, base, thread_base, user_base = (
            self.comment_pool,
            self.comment_base,
            self.thread_base,
            self.user_base,
        )
        rng = random.Random(SEED + 3)

        def comments():
            for number in range(self.comment_total):
                body = self.c_body[number]
                parent = self.c_parent[number]
                reply_to = self.c_reply_to[number]
                created = self.c_created[number]
                likes, helpful, insightful = (
                    self.c_likes[number],
                    self.c_helpful[number],
                    self.c_insightful[number],
                )
                yield (
                    base + number,
                    thread_base + self.c_thread[number],
                    user_base + self.c_author[number],
                    base + parent if parent >= 0 else None,
                    user_base + reply_to if reply_to >= 0 else None,
                    pool.bodies[body],
                    pool.html[body],
                    Status.HIDDEN if self.c_hidden[number] else Status.PUBLISHED,
                    likes + helpful + insightful,
                    likes,
                    helpful,
                    insightful,
                    timestamp(created),
                    timestamp(created + rng.random() * 3600) if rng.random() < 0.03 else None,
                )

        columns = (
            "id", "thread_id", "author_id", "parent_id", "reply_to_id", "body", "body_html", "status",
            "reaction_count", "like_count", "helpful_count", "insightful_count", "created_at", "edited_at",
        )  # fmt: skip
        self.writer.write(Comment, columns, comments(), self.comment_total)

    # Reactions ----------------------------------------------------------------------------

    KINDS = ("like", "helpful", "insightful")
    KIND_WEIGHTS = (0.6, 0.3, 0.1)

    def plan_reactions(self) -> None:
        """Reactions on popular threads and comments, never by a post's author, unique per user,
        target and kind. bench0 (the signed-in visitor) reacts only on the 200-comment thread,
        explicitly, so that its page shows the visitor's own reactions."""
        rng = self.rng
        self.t_likes = array("l", [0] * self.thread_count)
        self.t_helpful = array("l", [0] * self.thread_count)
        self.t_insightful = array("l", [0] * self.thread_count)
        self.c_likes = array("l", [0] * self.comment_total)
        self.c_helpful = array("l", [0] * self.comment_total)
        self.c_insightful = array("l", [0] * self.comment_total)
        self.r_user = array("l")
        self.r_target = array("l")  # thread number, or -1 - comment number
        self.r_kind = array("b")
        self.r_created = array("d")

        special = self.special_numbers[0]
        special_comments = [
            number
            for number in range(self.comment_total)
            if self.c_thread[number] == special and self.c_author[number] != 0
        ][:20]
        if self.t_author[special] != 0:
            self._react([0], special, [0])
        for number in special_comments:
            self._react([0], -1 - number, [1])
        total = self.counts["reactions"] - len(self.r_user)
        on_threads = round(total * 0.3)
        # A user reacts to a post at most once per kind: a post takes at most this many reactions.
        cap = (self.user_count - 2) * len(self.KINDS)

        thread_weights = [
            (1 + self.t_comments[number]) ** 0.7 * min(rng.paretovariate(2.0), 20.0)
            for number in range(self.thread_count)
        ]
        for thread, count in enumerate(allocate(on_threads, thread_weights, cap)):
            if count:
                self._react_many(thread, self.t_author[thread], count)
        comment_weights = [
            0.0 if self.c_hidden[number] or rng.random() < 0.4 else min(rng.paretovariate(1.8), 50.0)
            for number in range(self.comment_total)
        ]
        for comment, count in enumerate(allocate(total - on_threads, comment_weights, cap)):
            if count:
                self._react_many(-1 - comment, self.c_author[comment], count)

    def _react_many(self, target: int, author: int, count: int) -> None:
        """`count` reactions on one post by users other than its author and bench0."""
        rng = self.rng
        users = self.user_count
        if count < users - 2:
            reactors = [user for user in rng.sample(range(1, users), count + 1) if user != author][:count]
            kinds = rng.choices(range(3), weights=self.KIND_WEIGHTS, k=count)
        else:
            slots = [slot for slot in rng.sample(range(3, users * 3), count + 3) if slot // 3 != author][
                :count
            ]
            reactors = [slot // 3 for slot in slots]
            kinds = [slot % 3 for slot in slots]
        self._react(reactors, target, kinds)

    def _react(self, users: list[int], target: int, kinds: list[int]) -> None:
        """The reactions of `users` to one post, the i-th of kind `kinds[i]`, each at a random
        time after the post (most soon after): a random number each, drawn in that order."""
        if target >= 0:
            post, created = target, self.t_created[target]
            counters = (self.t_likes, self.t_helpful, self.t_insightful)
        else:
            post, created = -1 - target, self.c_created[-1 - target]
            counters = (self.c_likes, self.c_helpful, self.c_insightful)
        for kind, per_kind in enumerate(counters):
            per_kind[post] += kinds.count(kind)
        self.r_user.extend(users)
        self.r_target.extend([target] * len(users))
        self.r_kind.extend(kinds)
        span, random = self.now - created, self.rng.random
        self.r_created.extend([created + span * random() ** 4 for _ in users])

    def write_reactions(self) -> None:
        first = next_id(Reaction)
        user_base, thread_base, comment_base = self.user_base, self.thread_base, self.comment_base
        kinds = self.KINDS

        def reactions():
            for index in range(len(self.r_user)):
                target = self.r_target[index]
                yield (
                    first + index,
                    user_base + self.r_user[index],
                    thread_base + target if target >= 0 else None,
                    comment_base - 1 - target if target < 0 else None,
                    kinds[self.r_kind[index]],
                    timestamp(self.r_created[index]),
                )

        self.writer.write(
            Reaction,
            ("id", "user_id", "thread_id", "comment_id", "kind", "created_at"),
            reactions(),
            len(self.r_user),
        )
        del self.r_user, self.r_target, self.r_kind, self.r_created

    # Follows and bookmarks ----------------------------------------------------------------

    def write_follows_and_bookmarks(self) -> None:
        """Authors follow their threads (as posting does); some learners follow tags and topics
        (what digests are built from) and save a few threads."""
        rng = random.Random(SEED + 5)
        user_base, thread_base = self.user_base, self.thread_base
        topic_ids = [topic_id for topic_id, _ in self.topics]
        follows = [
            (user_base + self.t_author[number], thread_base + number, None, None)
            for number in range(self.thread_count)
        ]
        for user in range(self.user_count):
            if user == 0 or rng.random() < 0.3:
                for tag_id in rng.sample(self.tag_ids, rng.randint(1, 3) if user else 2):
                    follows.append((user_base + user, None, tag_id, None))
            if user == 0 or rng.random() < 0.2:
                for topic_id in rng.sample(topic_ids, rng.randint(1, 3) if user else 2):
                    follows.append((user_base + user, None, None, topic_id))
        first = next_id(Follow)
        self.writer.write(
            Follow,
            ("id", "user_id", "thread_id", "tag_id", "topic_id", "created_at"),
            (
                (first + index, *row, timestamp(self.now - YEAR * rng.random()))
                for index, row in enumerate(follows)
            ),
            len(follows),
        )

        bookmarks = [
            (0, number) for number in [*self.special_numbers, *rng.sample(range(self.counts["threads"]), 3)]
        ]
        for user in range(1, self.user_count):
            if rng.random() < 0.1:
                bookmarks += [
                    (user, number) for number in rng.sample(range(self.thread_count), rng.randint(1, 5))
                ]
        first = next_id(Bookmark)
        self.writer.write(
            Bookmark,
            ("id", "user_id", "thread_id", "created_at"),
            (
                (
                    first + index,
                    user_base + user,
                    thread_base + number,
                    timestamp(self.now - YEAR * rng.random()),
                )
                for index, (user, number) in enumerate(bookmarks)
            ),
            len(bookmarks),
        )

    # Moderation and notifications ---------------------------------------------------------

    def write_flags(self) -> None:
        """Flags on threads and comments, one per reporter and post; most already handled by a
        mentor, the open ones recent (they fill /mod/)."""
        rng = random.Random(SEED + 6)
        total = self.counts["flags"]
        seen: set[tuple[int, int]] = set()
        rows = []
        mentors = list(self.mentor_numbers) or [0]
        while len(rows) < total:
            if rng.random() < 0.3:
                target = rng.randrange(self.thread_count)
                author, created = self.t_author[target], self.t_created[target]
            else:
                comment = rng.randrange(self.comment_total)
                target, author, created = -1 - comment, self.c_author[comment], self.c_created[comment]
            reporter = rng.randrange(1, self.user_count)
            if reporter == author or (reporter, target) in seen:
                continue
            seen.add((reporter, target))
            state = rng.choices(["open", "resolved", "dismissed"], weights=[15, 35, 50])[0]
            if state == "open":
                flagged = max(created, self.now - 30 * DAY) + rng.random() * min(30 * DAY, self.now - created)
            else:
                flagged = created + (self.now - created) * rng.random()
            flagged = min(flagged, self.now)
            resolved_at = min(flagged + rng.random() * 2 * DAY, self.now)
            rows.append(
                (
                    self.user_base + reporter,
                    self.thread_base + target if target >= 0 else None,
                    self.comment_base - 1 - target if target < 0 else None,
                    rng.choices(["spam", "abuse", "off_topic", "other"], weights=[50, 15, 25, 10])[0],
                    state,
                    None if state == "open" else self.user_base + rng.choice(mentors),
                    None if state == "open" else timestamp(resolved_at),
                    timestamp(flagged),
                )
            )
        first = next_id(Flag)
        self.writer.write(
            Flag,
            (
                "id",
                "reporter_id",
                "thread_id",
                "comment_id",
                "reason",
                "status",
                "resolved_by_id",
                "resolved_at",
                "created_at",
            ),
            ((first + index, *row) for index, row in enumerate(rows)),
            total,
        )

    def write_notifications(self) -> None:
        """Reply and mention notifications, one per comment: to the thread's author, or to bench0
        for the first thirty so that the signed-in visitor has some (a third of those unread)."""
        rng = random.Random(SEED + 7)
        total = self.counts["notifications"]
        comments = rng.sample(range(self.comment_total), min(total * 2, self.comment_total))
        rows = []
        for comment in comments:
            if len(rows) == total:
                break
            actor = self.c_author[comment]
            recipient = 0 if len(rows) < 30 else self.t_author[self.c_thread[comment]]
            if recipient == actor:
                continue
            created = self.c_created[comment]
            is_read = rng.random() < (0.66 if recipient == 0 else 0.7)
            rows.append(
                (
                    self.user_base + recipient,
                    self.user_base + actor,
                    "mention" if rng.random() < 0.15 else "reply",
                    self.thread_base + self.c_thread[comment],
                    self.comment_base + comment,
                    f"comment:{self.comment_base + comment}",
                    timestamp(created),
                    timestamp(min(created + rng.random() * 3 * DAY, self.now)) if is_read else None,
                )
            )
        if len(rows) < total:
            raise CommandError("The data set is too small for this many notifications; use a larger --scale.")
        first = next_id(Notification)
        self.writer.write(
            Notification,
            (
                "id",
                "recipient_id",
                "actor_id",
                "verb",
                "thread_id",
                "comment_id",
                "event_key",
                "created_at",
                "read_at",
            ),
            ((first + index, *row) for index, row in enumerate(rows)),
            total,
        )

    def bump_caches(self) -> None:
        """Cached per-roadmap thread counts are stale now (rows were copied in, with no signal);
        roadmap imports retired their own."""
        TOPIC_THREADS.bump(*self.roadmap_ids)
