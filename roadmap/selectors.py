"""Reads for roadmap pages: cached structures plus the viewer's own progress, merged.

The structure of a roadmap (sections, topics, prerequisites) and each topic's content are the
same for everyone and change rarely, so they are cached under the roadmap's version token. A
viewer's statuses are read with one query per page and merged in; they are never cached under
a shared key.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, Count, F, Q, Sum, When, Window
from django.db.models.expressions import RowRange
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, pgettext

from config.cache import LocalMemo
from config.caching import own_copy
from config.slots import SlottedHtml, render_shared
from roadmap import caches
from roadmap.content_translations import is_untranslated
from roadmap.markdown import render_markdown
from roadmap.models import (
    Note,
    Progress,
    ProgressEvent,
    Project,
    QuizAttempt,
    QuizQuestion,
    Resource,
    Roadmap,
    Topic,
)

FINISHED = {Progress.Status.DONE, Progress.Status.SKIPPED}


@dataclass(slots=True)
class TopicNode:
    id: int
    slug: str
    title: str
    kind: str
    is_any_order: bool
    section_id: int
    prerequisite_ids: list[int]
    status: str = ""
    prerequisites: list["TopicNode"] = field(default_factory=list)
    is_next_up: bool = False
    is_blocked: bool = False
    discussion_count: int = 0
    is_verified: bool = False
    is_quiz_passed: bool = False
    is_title_untranslated: bool = False  # shown in English: no translation in this language yet

    @property
    def status_label(self):
        return (
            Progress.Status(self.status).label if self.status else pgettext("progress status", "Not started")
        )

    @property
    def kind_label(self):
        return Topic.Kind(self.kind).label


@dataclass
class SectionNode:
    id: int
    title: str
    description: str
    topics: list[TopicNode] = field(default_factory=list)
    previous_topic_ids: frozenset[int] = frozenset()  # the topics of the section before this one
    project_title: str = ""  # the section's project, if it has one
    untranslated: frozenset[str] = frozenset()  # fields shown in English (no translation yet)

    @property
    def finished(self) -> int:
        return sum(topic.status in FINISHED for topic in self.topics)

    @property
    def edges(self) -> list[dict]:
        """The prerequisite edges the map draws in this section's gutter, as SVG paths in a box
        EDGE_GUTTER wide and EDGE_ROW tall per topic: arcs between topics of this section, and
        lines from the top (the end of the previous section) to topics that follow one of its
        topics. Earlier sections are named in each node's text, not drawn."""
        rows = {topic.id: index for index, topic in enumerate(self.topics)}
        edges = []
        for index, topic in enumerate(self.topics):
            end = EDGE_ROW * index + EDGE_ROW // 2
            kind = "" if topic.kind == Topic.Kind.CORE else topic.kind
            if any(pk in self.previous_topic_ids for pk in topic.prerequisite_ids):
                edges.append({"path": f"M0 0C0 {end} 0 {end} {EDGE_GUTTER} {end}", "kind": kind})
            for pk in topic.prerequisite_ids:
                if pk not in rows or rows[pk] == index:
                    continue
                start = EDGE_ROW * rows[pk] + EDGE_ROW // 2
                bend = max(1, EDGE_GUTTER - 2 - 4 * abs(index - rows[pk]))
                edges.append(
                    {
                        "path": f"M{EDGE_GUTTER} {start}C{bend} {start} {bend} {end} {EDGE_GUTTER} {end}",
                        "kind": kind,
                    }
                )
        return edges

    @property
    def edge_box(self) -> str:
        return f"0 0 {EDGE_GUTTER} {EDGE_ROW * len(self.topics)}"


EDGE_GUTTER = 24  # the width of a section's edge gutter, in SVG units
EDGE_ROW = 10  # the height of one topic's row, in the same units (stretched to the row's height)


@dataclass
class RoadmapMap:
    roadmap: Roadmap
    sections: list[SectionNode]
    topics_by_id: dict[int, TopicNode]
    total: int
    finished: int
    counts: dict[str, int]
    next_up: TopicNode | None
    verified_count: int = 0  # how many topics a mentor verified

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.total) if self.total else 0


def published_roadmap(*, slug: str) -> Roadmap:
    """The published roadmap with this slug (cached with its structure), or 404."""
    roadmap_id = roadmap_id_for_slug(slug)
    roadmap = caches.ROADMAP.get(roadmap_id=roadmap_id) if roadmap_id is not None else None
    if roadmap is None or roadmap.slug != slug:
        roadmap = Roadmap.objects.filter(slug=slug, is_published=True).first()
    if roadmap is None:
        raise Http404(gettext("No such roadmap."))
    return own_copy(roadmap)  # a cached instance is shared by this process's requests


def find_published_roadmap(*, roadmap_id: int) -> Roadmap | None:
    return Roadmap.objects.filter(pk=roadmap_id, is_published=True).first()


# slug -> roadmap id, trusted by this process for SLUG_MEMO_SECONDS without asking the cache
_slug_ids = LocalMemo(max_bytes=64 * 1024)
SLUG_MEMO_SECONDS = 60


def roadmap_id_for_slug(slug: str) -> int | None:
    """The id of the roadmap with this slug, published or not.

    Cached, and remembered by each process for a minute: slugs rarely change, and a page
    keyed by a renamed roadmap's id still finds out, since the rename bumps its version.
    """
    remembered = _slug_ids.get(slug)
    if remembered is not None:
        return remembered
    roadmap_id = caches.ROADMAP_ID.get(slug=slug)
    if roadmap_id is not None:
        _slug_ids.set(slug, roadmap_id, size=len(slug) + 64, timeout=SLUG_MEMO_SECONDS)
    return roadmap_id


def find_roadmap_id(*, slug: str) -> int | None:
    """None for a slug nobody has (not cached: it may be taken any moment)."""
    return Roadmap.objects.filter(slug=slug).values_list("pk", flat=True).first()


def build_structure(*, roadmap_id: int) -> list[dict]:
    topics = list(
        Topic.objects.filter(roadmap_id=roadmap_id, is_published=True)
        .select_related("section")
        .order_by("section__position", "section_id", "position", "pk")
    )
    prerequisites: dict[int, list[int]] = {}
    published_ids = {topic.pk for topic in topics}
    for from_id, to_id in Topic.prerequisites.through.objects.filter(
        from_topic__roadmap_id=roadmap_id
    ).values_list("from_topic_id", "to_topic_id"):
        if to_id in published_ids:
            prerequisites.setdefault(from_id, []).append(to_id)
    project_titles = dict(
        Project.objects.filter(section__roadmap_id=roadmap_id).values_list("section_id", "title")
    )
    sections: dict[int, dict] = {}
    for topic in topics:
        section = sections.setdefault(
            topic.section_id,
            {
                "id": topic.section_id,
                "title": topic.section.title,
                "description": topic.section.description,
                "project_title": project_titles.get(topic.section_id, ""),
                "untranslated": frozenset(
                    name for name in ("title", "description") if is_untranslated(topic.section, name)
                ),
                "topics": [],
            },
        )
        section["topics"].append(
            {
                "id": topic.pk,
                "slug": topic.slug,
                "title": topic.title,
                "kind": topic.kind,
                "is_any_order": topic.is_any_order,
                "section_id": topic.section_id,
                "prerequisite_ids": prerequisites.get(topic.pk, []),
                "is_title_untranslated": is_untranslated(topic, "title"),
            }
        )
    return list(sections.values())


def roadmap_structure(roadmap: Roadmap) -> list[dict]:
    """Sections with their published topics, in order; cached until the content changes."""
    return caches.SECTIONS.get(roadmap_id=roadmap.pk)


def statuses(*, user, roadmap_id: int) -> dict[int, str]:
    """{topic id: status} of the user's progress on one roadmap; cached until it changes."""
    return learner_state(user=user, roadmap_id=roadmap_id)[0]


def learner_state(*, user, roadmap_id: int) -> tuple[dict[int, str], frozenset[int], frozenset[int]]:
    """The user's statuses on one roadmap, the topics a mentor verified and those whose quiz
    they passed, read together (one cached value, retired by any change to their progress)."""
    if not user.is_authenticated:
        return {}, frozenset(), frozenset()
    found_statuses, verified, quiz_passed = caches.STATUSES.get(user_id=user.pk, roadmap_id=roadmap_id)
    return dict(found_statuses), verified, quiz_passed  # the cached dict is shared by this process's requests


def read_statuses(*, user_id: int, roadmap_id: int) -> tuple[dict[int, str], frozenset[int], frozenset[int]]:
    rows = Progress.objects.filter(user_id=user_id, topic__roadmap_id=roadmap_id).values_list(
        "topic_id", "status", "verified_at", "quiz_passed_at"
    )
    found_statuses, verified, quiz_passed = {}, set(), set()
    for topic_id, status, verified_at, quiz_passed_at in rows:
        found_statuses[topic_id] = status
        if verified_at is not None:
            verified.add(topic_id)
        if quiz_passed_at is not None:
            quiz_passed.add(topic_id)
    return found_statuses, frozenset(verified), frozenset(quiz_passed)


@dataclass
class MapProgress:
    """A learner's progress through one roadmap, without the map itself."""

    total: int
    counts: dict[str, int]
    next_up: dict | None  # the next topic's entry in roadmap_structure (id, slug, title, ...)
    statuses: dict[int, str]
    sections: dict[int, tuple[int, int]] = field(default_factory=dict)  # section id: (finished, total)
    is_personal: bool = False
    verified: frozenset[int] = frozenset()  # topics a mentor verified
    quiz_passed: frozenset[int] = frozenset()  # topics whose quiz the learner passed

    @property
    def finished(self) -> int:
        return self.counts[Progress.Status.DONE] + self.counts[Progress.Status.SKIPPED]

    @property
    def verified_count(self) -> int:
        return len(self.verified)

    @property
    def fill_key(self) -> tuple:
        """Everything the map's viewer slots read of it (roadmap.rendering), so that the map
        kept in memory keeps their fill for the next request (config.slots)."""
        return (
            self.is_personal,
            frozenset(self.statuses.items()),
            self.verified,
            self.quiz_passed,
            None if self.next_up is None else self.next_up["id"],
            tuple(self.sections.items()),
        )

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.total) if self.total else 0


def map_progress(*, roadmap: Roadmap, viewer) -> MapProgress:
    """Counts and the next topic (the first, in roadmap order, not yet finished whose
    prerequisites are all finished), from the cached structure and statuses: no nodes built."""
    my_statuses, verified, quiz_passed = learner_state(user=viewer, roadmap_id=roadmap.pk)
    counts = {status: 0 for status in Progress.Status.values}
    total = 0
    next_up = None
    sections = {}
    for section in roadmap_structure(roadmap):
        finished = 0
        for topic in section["topics"]:
            total += 1
            status = my_statuses.get(topic["id"], "")
            if status:
                counts[status] += 1
                finished += status in FINISHED
            if (
                next_up is None
                and status not in FINISHED
                and all(my_statuses.get(pk) in FINISHED for pk in topic["prerequisite_ids"])
            ):
                next_up = topic
        sections[section["id"]] = (finished, len(section["topics"]))
    return MapProgress(
        total=total,
        counts=counts,
        next_up=next_up if viewer.is_authenticated else None,
        statuses=my_statuses,
        sections=sections,
        is_personal=viewer.is_authenticated,
        verified=verified,
        quiz_passed=quiz_passed,
    )


def roadmap_map(*, roadmap: Roadmap, viewer, discussion_counts: dict[int, int] | None = None) -> RoadmapMap:
    """The map of one roadmap with the viewer's statuses merged in."""
    progress = map_progress(roadmap=roadmap, viewer=viewer)
    discussion_counts = discussion_counts or {}
    sections = []
    topics_by_id: dict[int, TopicNode] = {}
    for section in roadmap_structure(roadmap):
        node = SectionNode(
            id=section["id"],
            title=section["title"],
            description=section["description"],
            project_title=section.get("project_title", ""),
            untranslated=section.get("untranslated", frozenset()),
            previous_topic_ids=frozenset(topic.id for topic in sections[-1].topics)
            if sections
            else frozenset(),
        )
        for data in section["topics"]:
            topic_id = data["id"]
            topic = TopicNode(
                **data,
                status=progress.statuses.get(topic_id, ""),
                discussion_count=discussion_counts.get(topic_id, 0),
                is_verified=topic_id in progress.verified,
                is_quiz_passed=topic_id in progress.quiz_passed,
            )
            node.topics.append(topic)
            topics_by_id[topic_id] = topic
        sections.append(node)

    for topic in topics_by_id.values():
        topic.prerequisites = [topics_by_id[pk] for pk in topic.prerequisite_ids if pk in topics_by_id]
        topic.is_blocked = any(prerequisite.status not in FINISHED for prerequisite in topic.prerequisites)
    next_up = topics_by_id[progress.next_up["id"]] if progress.next_up else None
    if next_up:
        next_up.is_next_up = True
    return RoadmapMap(
        roadmap=roadmap,
        sections=sections,
        topics_by_id=topics_by_id,
        total=progress.total,
        finished=progress.finished,
        counts=progress.counts,
        next_up=next_up,
        verified_count=progress.verified_count,
    )


@dataclass
class TopicContent:
    id: int
    slug: str
    title: str
    body_html: str
    kind: str
    section_title: str
    resources: list[dict]
    section_id: int = 0
    reviewed_on: datetime.date | None = None
    # The fields shown in English because the active language has no translation yet.
    untranslated: frozenset[str] = frozenset()


def topic_content(*, roadmap: Roadmap, slug: str) -> TopicContent:
    """A published topic's rendered body and resources; cached until the content changes."""
    content = caches.TOPIC_CONTENT.get(roadmap_id=roadmap.pk, slug=slug)
    if content is None:
        raise Http404(gettext("No such topic."))
    return content


def build_topic_content(*, roadmap_id: int, slug: str) -> TopicContent | None:
    topic = (
        Topic.objects.filter(roadmap_id=roadmap_id, slug=slug, is_published=True)
        .select_related("section")
        .first()
    )
    if topic is None:
        return None
    resources = [
        {
            "title": r.title,
            "url": r.url,
            "kind": r.kind,
            "kind_label": r.get_kind_display(),
            "is_free": r.is_free,
        }
        for r in topic.resources.order_by("position", "pk")
    ]
    return TopicContent(
        id=topic.pk,
        slug=topic.slug,
        title=topic.title,
        body_html=topic.body_html,
        kind=topic.kind,
        section_title=topic.section.title,
        resources=resources,
        section_id=topic.section_id,
        reviewed_on=topic.reviewed_on,
        untranslated=frozenset(name for name in ("title", "body") if is_untranslated(topic, name)),
    )


def resources_by_kind(resources: list[dict]) -> list[tuple[str, list[dict]]]:
    order = [kind for kind, _ in Resource.Kind.choices]
    groups: dict[str, list[dict]] = {}
    for resource in resources:
        groups.setdefault(resource["kind"], []).append(resource)
    return [(Resource.Kind(kind).label, groups[kind]) for kind in sorted(groups, key=order.index)]


def published_topic(*, roadmap_slug: str, topic_slug: str) -> Topic:
    """A published topic of a published roadmap, with its roadmap; 404 otherwise."""
    return get_object_or_404(
        Topic.objects.published().select_related("roadmap"), roadmap__slug=roadmap_slug, slug=topic_slug
    )


def note_for(*, user, topic_id: int) -> Note | None:
    if not user.is_authenticated:
        return None
    return Note.objects.filter(user=user, topic_id=topic_id).first()


def progress_for(*, user, topic_id: int) -> Progress | None:
    return Progress.objects.filter(user=user, topic_id=topic_id).select_related("verified_by").first()


def _readable_in_map_order(rows, roadmap_slug: str | None, *extra_joins: str):
    """Rows about topics (progress, notes) that the member can open, only the roadmap asked for
    if any, roadmap by roadmap in map order. Rows on an unpublished roadmap come back when it
    is published again."""
    rows = rows.filter(topic__is_published=True, topic__roadmap__is_published=True)
    if roadmap_slug:
        rows = rows.filter(topic__roadmap__slug=roadmap_slug)
    return rows.select_related("topic__roadmap", *extra_joins).order_by(
        "topic__roadmap__position", "topic__roadmap_id", "topic__position", "topic_id"
    )


def progress_list(*, user, roadmap_slug: str | None = None):
    """The member's status on each topic they started (_readable_in_map_order)."""
    return _readable_in_map_order(Progress.objects.filter(user=user), roadmap_slug, "verified_by")


def notes_list(*, user, roadmap_slug: str | None = None):
    """The member's private notes (_readable_in_map_order)."""
    return _readable_in_map_order(Note.objects.filter(user=user), roadmap_slug)


@dataclass
class RoadmapCard:
    roadmap: Roadmap
    topic_count: int
    finished: int = 0
    done: int = 0
    verified: int = 0  # done topics a mentor verified
    quizzes_passed: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.topic_count) if self.topic_count else 0


def roadmap_cards(*, viewer) -> list[RoadmapCard]:
    """Published roadmaps with their topic counts and, signed in, the viewer's finished counts."""
    roadmaps = Roadmap.objects.filter(is_published=True).annotate(
        topic_count=Count("topics", filter=Q(topics__is_published=True))
    )
    cards = [RoadmapCard(roadmap=roadmap, topic_count=roadmap.topic_count) for roadmap in roadmaps]
    if viewer.is_authenticated and cards:
        counts = {
            roadmap_id: tuple(row)
            for roadmap_id, *row in Progress.objects.filter(user=viewer, topic__is_published=True)
            .values("topic__roadmap_id")
            .annotate(
                finished=Count("pk", filter=Q(status__in=FINISHED)),
                done=Count("pk", filter=Q(status=Progress.Status.DONE)),
                verified=Count("pk", filter=Q(verified_at__isnull=False)),
                quizzes_passed=Count("pk", filter=Q(quiz_passed_at__isnull=False)),
            )
            .values_list("topic__roadmap_id", "finished", "done", "verified", "quizzes_passed")
        }
        for card in cards:
            card.finished, card.done, card.verified, card.quizzes_passed = counts.get(
                card.roadmap.pk, (0, 0, 0, 0)
            )
    return cards


def learning_now(*, user, limit: int = 5) -> list[Topic]:
    """Topics the user marked as learning, most recently touched first (for the home page)."""
    return [
        progress.topic
        for progress in Progress.objects.filter(
            user=user,
            status=Progress.Status.LEARNING,
            topic__is_published=True,
            topic__roadmap__is_published=True,
        )
        .select_related("topic__roadmap")
        .order_by("-updated_at")[:limit]
    ]


PROGRESS_COLUMNS = ["section", "topic", "title", "status", "updated_at", "verified_by", "verified_at"]


def progress_rows(*, user, roadmap: Roadmap) -> list[dict]:
    """The user's progress on one roadmap, for CSV and JSON downloads: with who verified a
    topic and when (blank when no mentor did)."""
    return [
        {
            "section": row["topic__section__title"],
            "topic": row["topic__slug"],
            "title": row["topic__title"],
            "status": row["status"],
            "updated_at": row["updated_at"].isoformat(),
            "verified_by": row["verified_by__username"] or "",
            "verified_at": row["verified_at"].isoformat() if row["verified_at"] else "",
        }
        for row in Progress.objects.filter(user=user, topic__roadmap=roadmap)
        .order_by("topic__position")
        .values(
            "topic__section__title",
            "topic__slug",
            "topic__title",
            "status",
            "updated_at",
            "verified_by__username",
            "verified_at",
        )
    ]


def profile_progress_section(*, profile_user, viewer) -> dict | None:
    """The profile's progress per roadmap: shown to its owner always, to others if public."""
    is_owner = viewer.is_authenticated and viewer.pk == profile_user.pk
    if not (profile_user.is_progress_public or is_owner):
        return None
    started = set(
        Progress.objects.filter(user=profile_user, topic__is_published=True)
        .values_list("topic__roadmap_id", flat=True)
        .distinct()
    )
    cards = [card for card in roadmap_cards(viewer=profile_user) if card.roadmap.pk in started]
    return {
        "template": "roadmap/profile_progress.html",
        "cards": cards,
        "is_private": not profile_user.is_progress_public,
    }


@dataclass
class ContinueLearning:
    learning: list[Topic]
    roadmap: Roadmap | None
    next_up: TopicNode | None


def continue_learning(*, user) -> ContinueLearning | None:
    """For the home page: what the user is learning and the next topic on their latest roadmap."""
    if not user.is_authenticated:
        return None
    learning = learning_now(user=user)
    latest = (
        Progress.objects.filter(user=user, topic__is_published=True, topic__roadmap__is_published=True)
        .select_related("topic__roadmap")
        .order_by("-updated_at")
        .first()
    )
    if latest is None:
        return ContinueLearning(learning=learning, roadmap=None, next_up=None)
    roadmap = latest.topic.roadmap
    return ContinueLearning(
        learning=learning, roadmap=roadmap, next_up=roadmap_map(roadmap=roadmap, viewer=user).next_up
    )


def map_html(*, roadmap: Roadmap, discussion_counts: dict[int, int]) -> SlottedHtml:
    """The map's nodes as HTML for a viewer with no progress, each node's status a viewer slot
    (roadmap.rendering), cached with the roadmap's version and that of its discussion counts."""

    def build():
        neutral = roadmap_map(roadmap=roadmap, viewer=AnonymousUser(), discussion_counts=discussion_counts)
        return render_shared("roadmap/components/map_body.html", {"roadmap": roadmap, "map": neutral})

    return caches.MAP_HTML.get(roadmap_id=roadmap.pk, build=build)


# --- The history in runs -------------------------------------------------------------------

# A run of a learner on a topic is what happened from one start to the change that ended it:
# finishing, skipping or resetting it. A verification follows a finish and ends nothing.
RUN_ENDS = [ProgressEvent.Kind.DONE, ProgressEvent.Kind.SKIPPED, ProgressEvent.Kind.RESET]


def run_number() -> Window:
    """A ProgressEvent's run among its learner's events on its topic: how many of them ended a
    run before it (NULL for the first event, which is in run 0). The event that ends a run is
    in the run it ends."""
    return Window(
        Sum(Case(When(kind__in=RUN_ENDS, then=1), default=0)),
        partition_by=[F("user_id"), F("topic_id")],
        order_by=[F("created_at").asc(), F("pk").asc()],
        frame=RowRange(start=None, end=-1),
    )


def learning_since(*, user_ids, topic_ids) -> dict[tuple[int, int], datetime.datetime]:
    """{(user id, topic id): when the learner's current run on the topic started}, for the pairs
    of these learners and topics whose last run has a start and has not ended (they are
    learning it now). One query, of those learners' history on those topics.

    Progress.updated_at is not this: it moves with any save of the row."""
    since: dict[tuple[int, int], datetime.datetime | None] = {}
    events = (
        ProgressEvent.objects.filter(user_id__in=user_ids, topic_id__in=topic_ids)
        .exclude(kind=ProgressEvent.Kind.VERIFIED)
        .order_by("user_id", "topic_id", "created_at", "pk")
        .values_list("user_id", "topic_id", "kind", "created_at")
    )
    for user_id, topic_id, kind, created_at in events:
        if kind in RUN_ENDS:
            since[user_id, topic_id] = None
        elif since.get((user_id, topic_id)) is None:
            since[user_id, topic_id] = created_at
    return {pair: started for pair, started in since.items() if started is not None}


# --- Quizzes ------------------------------------------------------------------------------


def render_inline(text: str) -> str:
    """Markdown written as one line (a question, an option) as HTML without its paragraph."""
    html = render_markdown(text).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        return html[3:-4]
    return html


@dataclass(frozen=True)
class QuizOptionData:
    key: str
    text_html: str
    is_correct: bool
    explanation_html: str


@dataclass(frozen=True)
class QuizQuestionData:
    id: int
    text_html: str
    options: tuple[QuizOptionData, ...]

    @property
    def is_multiple(self) -> bool:
        """More than one option is right: the learner is asked to choose all that apply."""
        return sum(option.is_correct for option in self.options) > 1

    @property
    def correct_keys(self) -> frozenset[str]:
        return frozenset(option.key for option in self.options if option.is_correct)


@dataclass(frozen=True)
class AskedOption:
    """An option as the page and the API show it before an attempt: no correctness, no explanation."""

    key: str
    text_html: str


@dataclass(frozen=True)
class AskedQuestion:
    id: int
    text_html: str
    is_multiple: bool
    options: tuple[AskedOption, ...]
    chosen: frozenset[str] = frozenset()  # what the learner had ticked, when the form comes back


def quiz(*, roadmap_id: int, topic_id: int) -> tuple[QuizQuestionData, ...]:
    """A topic's quiz with its answers (for marking and results only; cached)."""
    return caches.TOPIC_QUIZ.get(roadmap_id=roadmap_id, topic_id=topic_id)


def build_quiz(*, roadmap_id: int, topic_id: int) -> tuple[QuizQuestionData, ...]:
    questions = QuizQuestion.objects.filter(topic_id=topic_id, topic__roadmap_id=roadmap_id).prefetch_related(
        "options"
    )
    return tuple(
        QuizQuestionData(
            id=question.pk,
            text_html=render_inline(question.text),
            options=tuple(
                QuizOptionData(
                    key=option.key,
                    text_html=render_inline(option.text),
                    is_correct=option.is_correct,
                    explanation_html=render_inline(option.explanation),
                )
                for option in sorted(question.options.all(), key=lambda option: (option.position, option.pk))
            ),
        )
        for question in sorted(questions, key=lambda question: (question.position, question.pk))
    )


def asked_quiz(questions, *, chosen: dict[int, list[str]] | None = None) -> list[AskedQuestion]:
    """The questions to ask, each with its options in a fresh random order and nothing that
    tells which are right."""
    chosen = chosen or {}
    asked = []
    for question in questions:
        options = [AskedOption(key=option.key, text_html=option.text_html) for option in question.options]
        random.shuffle(options)
        asked.append(
            AskedQuestion(
                id=question.id,
                text_html=question.text_html,
                is_multiple=question.is_multiple,
                options=tuple(options),
                chosen=frozenset(chosen.get(question.id, ())),
            )
        )
    return asked


@dataclass(frozen=True)
class MarkedOption:
    text_html: str
    is_correct: bool
    was_chosen: bool
    explanation_html: str


@dataclass(frozen=True)
class MarkedQuestion:
    id: int
    text_html: str
    is_multiple: bool
    is_right: bool
    options: tuple[MarkedOption, ...]


@dataclass(frozen=True)
class QuizResult:
    attempt: QuizAttempt
    questions: tuple[MarkedQuestion, ...]

    @property
    def passed(self) -> bool:
        return self.attempt.passed


def mark(questions, answers: dict) -> list[MarkedQuestion]:
    """Each question of the quiz with the options chosen for it (`answers`: {question id, as
    int or str: [option keys]}) and whether that is exactly the right set."""
    marked = []
    for question in questions:
        chosen = set(answers.get(question.id, answers.get(str(question.id), ())))
        marked.append(
            MarkedQuestion(
                id=question.id,
                text_html=question.text_html,
                is_multiple=question.is_multiple,
                is_right=chosen == question.correct_keys,
                options=tuple(
                    MarkedOption(
                        text_html=option.text_html,
                        is_correct=option.is_correct,
                        was_chosen=option.key in chosen,
                        explanation_html=option.explanation_html,
                    )
                    for option in question.options
                ),
            )
        )
    return marked


def quiz_result(*, attempt: QuizAttempt, roadmap_id: int) -> QuizResult:
    """An attempt marked against the quiz as it stands (a question removed since is left out)."""
    questions = quiz(roadmap_id=roadmap_id, topic_id=attempt.topic_id)
    answered = [question for question in questions if str(question.id) in attempt.answers]
    return QuizResult(attempt=attempt, questions=tuple(mark(answered, attempt.answers)))


def quiz_attempt_for(*, user, attempt_id: int, topic_id: int | None = None) -> QuizAttempt:
    """One of the learner's own attempts, or 404 (another learner's attempt included)."""
    attempts = QuizAttempt.objects.filter(learner=user).select_related("topic__roadmap")
    if topic_id is not None:
        attempts = attempts.filter(topic_id=topic_id)
    return get_object_or_404(attempts, pk=attempt_id)


# --- Projects -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectPage:
    id: int
    section_id: int
    section_title: str
    section_number: int
    title: str
    goal_html: str
    requirements_html: tuple[str, ...]
    stretch_html: str
    hand_in_html: str
    topics: tuple[dict, ...]  # the section's published topics: slug, title


def section_project(*, roadmap: Roadmap, section_id: int) -> ProjectPage:
    page = caches.SECTION_PROJECT.get(roadmap_id=roadmap.pk, section_id=section_id)
    if page is None:
        raise Http404(gettext("This section has no project."))
    return page


def build_project(*, roadmap_id: int, section_id: int) -> ProjectPage | None:
    project = (
        Project.objects.filter(section_id=section_id, section__roadmap_id=roadmap_id)
        .select_related("section")
        .first()
    )
    if project is None:
        return None
    section_ids = [section["id"] for section in caches.SECTIONS.get(roadmap_id=roadmap_id)]
    if section_id not in section_ids:  # a section with no published topic is not on the map
        return None
    topics = next(
        section["topics"]
        for section in caches.SECTIONS.get(roadmap_id=roadmap_id)
        if section["id"] == section_id
    )
    return ProjectPage(
        id=project.pk,
        section_id=section_id,
        section_title=project.section.title,
        section_number=section_ids.index(section_id) + 1,
        title=project.title,
        goal_html=render_markdown(project.goal),
        requirements_html=tuple(render_inline(requirement) for requirement in project.requirements),
        stretch_html=render_markdown(project.stretch) if project.stretch else "",
        hand_in_html=render_markdown(project.hand_in),
        topics=tuple({"slug": topic["slug"], "title": topic["title"]} for topic in topics),
    )
