"""What roadmap pages cache, and which writes retire it (see config.caching).

Tokens:
- STRUCTURE, one per roadmap: its row, sections, topics, resources, prerequisites, quizzes,
  projects, the map's shared HTML, topic and project pages;
- CATALOGUE, one for the site: the list of roadmaps, slugs, search over topics; every
  structure change moves it too;
- PROGRESS, one per learner: their statuses on every roadmap.

A learner's progress and its history show on their profile (accounts.caches.PROFILE), and the
roadmaps' names and topic counts on every profile (PROFILES).
"""

from accounts.caches import PROFILE, PROFILES
from config.caching import Cached, Counter, M2MRule, Rule, Token
from config.live import Topic as LiveTopic
from config.page_cache import Page
from config.slots import SHELL_KEY
from roadmap import hooks
from roadmap.models import (
    Progress,
    ProgressEvent,
    Project,
    QuizAttempt,
    QuizOption,
    QuizQuestion,
    Resource,
    Roadmap,
    Section,
    Topic,
)

STRUCTURE = Token("roadmap")
CATALOGUE = Token("catalogue", scoped=False)
PROGRESS = Token("progress", per_user=True)

# A learner's other tabs hear of their status changes (config.live).
LIVE_PROGRESS = LiveTopic("progress", token=PROGRESS, own=True)


def _structure(roadmap_id) -> list[str]:
    return [STRUCTURE.key(roadmap_id), CATALOGUE.key(), PROFILES.key()]


def _topic_roadmap(topic_id) -> list[int]:
    return list(Topic.objects.filter(pk=topic_id).values_list("roadmap_id", flat=True))


def _section_roadmap(section_id) -> list[int]:
    return list(Section.objects.filter(pk=section_id).values_list("roadmap_id", flat=True))


# --- What is cached --------------------------------------------------------------------

ROADMAP_ID = Cached(
    "roadmap-id",  # the id of the roadmap with a slug, published or not
    key=("slug",),
    tokens=lambda slug: [CATALOGUE.key()],
    timeout="structure",
    build="roadmap.selectors.find_roadmap_id",
)
ROADMAP = Cached(
    "roadmap",  # the published roadmap row
    key=("roadmap_id",),
    tokens=lambda roadmap_id: [STRUCTURE.key(roadmap_id)],
    timeout="structure",
    build="roadmap.selectors.find_published_roadmap",
)
SECTIONS = Cached(
    "roadmap-sections",  # sections with their published topics, in order
    key=("roadmap_id",),
    tokens=lambda roadmap_id: [STRUCTURE.key(roadmap_id)],
    timeout="structure",
    build="roadmap.selectors.build_structure",
    per_language=True,
)
TOPIC_CONTENT = Cached(
    "topic-content",
    key=("roadmap_id", "slug"),
    tokens=lambda roadmap_id, slug: [STRUCTURE.key(roadmap_id)],
    timeout="structure",
    build="roadmap.selectors.build_topic_content",
    per_language=True,
)
MAP_HTML = Cached(
    "map-html",  # the map's nodes for a viewer with no progress; rendered by the caller
    key=("roadmap_id",),
    tokens=lambda roadmap_id: [STRUCTURE.key(roadmap_id), *hooks.version_keys(roadmap_id=roadmap_id)],
    timeout="structure",
    build=None,
    per_language=True,
)
MAP_SHELL = Cached(
    "map-shell",  # a roadmap's page around its map, for every signed-in visitor (config.slots.render_page)
    key=("roadmap_id", *SHELL_KEY),
    tokens=lambda roadmap_id, **where: [STRUCTURE.key(roadmap_id)],
    timeout="structure",
    build=None,
    per_language=True,
)
ROADMAP_JSON_LD = Cached(
    "roadmap-json-ld",  # the roadmap page's JSON-LD element
    key=("roadmap_id",),
    tokens=lambda roadmap_id: [STRUCTURE.key(roadmap_id)],
    timeout="structure",
    build="roadmap.structured_data.roadmap_json_ld_element",
    per_language=True,
)
API_RESOURCES = Cached(
    "api-resources",  # every published topic's resources, for the API
    key=("roadmap_id",),
    tokens=lambda roadmap_id: [STRUCTURE.key(roadmap_id)],
    timeout="structure",
    build="roadmap.api.build_resources",
    per_language=True,
)
TOPIC_QUIZ = Cached(
    "topic-quiz",  # a topic's quiz questions with their options, answers and explanations included
    key=("roadmap_id", "topic_id"),
    tokens=lambda roadmap_id, topic_id: [STRUCTURE.key(roadmap_id)],
    timeout="structure",
    build="roadmap.selectors.build_quiz",
    per_language=True,
)
SECTION_PROJECT = Cached(
    "section-project",  # a section's project, rendered, with the section's topics
    key=("roadmap_id", "section_id"),
    tokens=lambda roadmap_id, section_id: [STRUCTURE.key(roadmap_id)],
    timeout="structure",
    build="roadmap.selectors.build_project",
    per_language=True,
)
MAP_SUMMARY = Cached(
    "map-summary",  # a signed-in learner's progress summary above a roadmap's map, rendered
    key=("user_id", "roadmap_id"),
    tokens=lambda user_id, roadmap_id: [PROGRESS.key(user_id), STRUCTURE.key(roadmap_id)],
    timeout="progress",
    build=None,
    per_language=True,
)
QUIZ_ATTEMPTS = Counter("quiz-attempts", key=("user_id", "minute"), timeout="rate")
STATUSES = Cached(
    "statuses",  # ({topic id: status}, verified topic ids, quiz-passed topic ids) of one learner on one roadmap
    key=("user_id", "roadmap_id"),
    tokens=lambda user_id, roadmap_id: [PROGRESS.key(user_id)],
    timeout="progress",
    build="roadmap.selectors.read_statuses",
)


def _roadmap_page_tokens(request, slug, **kwargs) -> list[str]:
    from roadmap.selectors import roadmap_id_for_slug

    roadmap_id = roadmap_id_for_slug(slug)
    if roadmap_id is None:  # any roadmap's change may bring this slug to life
        return [CATALOGUE.key()]
    return [STRUCTURE.key(roadmap_id), *hooks.version_keys(roadmap_id=roadmap_id)]


def _topic_page_tokens(request, slug, topic, **kwargs) -> list[str]:
    from roadmap.selectors import roadmap_id_for_slug

    roadmap_id = roadmap_id_for_slug(slug)
    if roadmap_id is None:
        return [CATALOGUE.key()]
    return [STRUCTURE.key(roadmap_id), *hooks.topic_version_keys(roadmap_id=roadmap_id, topic_slug=topic)]


def _project_page_tokens(request, slug, **kwargs) -> list[str]:
    from roadmap.selectors import roadmap_id_for_slug

    roadmap_id = roadmap_id_for_slug(slug)
    return [CATALOGUE.key()] if roadmap_id is None else [STRUCTURE.key(roadmap_id)]


CATALOGUE_PAGE = Page("catalogue", tokens=lambda request, **kwargs: [CATALOGUE.key()])
ROADMAP_PAGE = Page("roadmap", tokens=_roadmap_page_tokens)
TOPIC_PAGE = Page("topic", tokens=_topic_page_tokens)
PROJECT_PAGE = Page("project", tokens=_project_page_tokens)


# --- What retires it -------------------------------------------------------------------

Rule(Roadmap, lambda roadmap: _structure(roadmap.pk))
Rule(Section, lambda section: _structure(section.roadmap_id))
Rule(Topic, lambda topic: _structure(topic.roadmap_id))
Rule(
    Resource,
    lambda resource: [
        key
        for roadmap_id in Topic.objects.filter(pk=resource.topic_id).values_list("roadmap_id", flat=True)
        for key in _structure(roadmap_id)
    ],
)
M2MRule(
    Topic.prerequisites.through,
    lambda topic_ids: [
        key
        for roadmap_id in set(Topic.objects.filter(pk__in=topic_ids).values_list("roadmap_id", flat=True))
        for key in _structure(roadmap_id)
    ],
    reverse_set="required_by",
)
Rule(Progress, lambda progress: [PROGRESS.key(progress.user_id), PROFILE.key(progress.user_id)])
# The history makes the profile's activity calendar. Progress saves append to it in bulk
# (roadmap.history), and their own rule covers those.
Rule(ProgressEvent, lambda event: PROFILE.keys([event.user_id]))
Rule(
    Project,
    lambda project: [
        key for roadmap_id in _section_roadmap(project.section_id) for key in _structure(roadmap_id)
    ],
)
Rule(
    QuizQuestion,
    lambda question: [
        key for roadmap_id in _topic_roadmap(question.topic_id) for key in _structure(roadmap_id)
    ],
)
Rule(
    QuizOption,
    lambda option: [
        key
        for roadmap_id in Topic.objects.filter(quiz_questions=option.question_id).values_list(
            "roadmap_id", flat=True
        )
        for key in _structure(roadmap_id)
    ],
)
# An attempt shows on its learner's own pages only (their latest result); the pass it records
# is a Progress save.
Rule(QuizAttempt, lambda attempt: [PROGRESS.key(attempt.learner_id)])
