"""Roadmap content as YAML files: load and validate, import (upsert) into the database, export.

A content file is the source of truth for a roadmap's text, but the database also holds what
learners hang on its topics (progress, notes, threads). So an import never deletes a topic: a
topic missing from the file is unpublished and comes back, with everything attached to it, when
the file lists it again. Identity is the slug for roadmaps and topics, the title for sections and
the URL for a topic's resources. A quiz question is matched by its text, and failing that by its
place in the topic (so a corrected question keeps its identity); an option likewise in its
question. A section has at most one project.

The format, with defaults for optional keys (see roadmap/content/backend.yaml):

    slug: backend                      # required
    title: Backend Developer           # required
    summary: One sentence.             # required
    description: |                     # markdown, default ""
      ...
    position: 1                        # default 0
    sections:                          # required, at least one
      - title: Internet fundamentals   # required, unique in the file
        description: ...               # default ""
        project:                       # optional: the section's practice project
          title: Trace a request       # required
          goal: |                      # markdown, required
            ...
          requirements:                # 3 to 7 lines of inline markdown, each checkable
            - ...
          stretch: ...                 # markdown, default ""
          hand_in: ...                 # markdown, required: what the repository must contain
        topics:                        # required, at least one
          - slug: http                 # required, unique in the file
            title: HTTP                # required
            kind: core                 # core | optional | alternative, default core
            any_order: false           # default false
            prerequisites: [dns]       # slugs of topics in this file, default []
            reviewed: 2026-12-05       # the date the topic was last reviewed, optional
            body: |                    # markdown, required
              ...
            resources:                 # default []
              - title: MDN: HTTP       # required
                url: https://...       # required, https, unique in the topic
                kind: docs             # docs | article | ... (Resource.Kind), default article
                free: true             # default true
            quiz:                      # default []
              - question: Which ...?   # inline markdown, required, unique in the topic
                options:               # 3 to 5, at least one correct; more than one makes it
                  - text: `201`        #   "choose all that apply"; inline markdown, required
                    correct: true      # default false
                    explanation: ...   # why it is right or wrong, required

A resource's kind says what the learner finds behind the link, so the same kind of source always
gets the same kind:

    docs        a project's or vendor's own documentation (guides, references, architecture
                centres, the home page of a library or framework you code against), standards
                and specifications (RFCs, W3C, WHATWG, IANA, NIST), OWASP cheat sheets, man pages
    article     one piece of writing outside official documentation: blog posts, essays,
                encyclopedia entries, pattern catalogues, a vendor's learning-centre explainers,
                and learning guides kept in a repository
    book        a book or a chapter of one, free online or paid
    course      lessons meant to be followed in order, interactive or not (tutorial tracks,
                academies, MOOCs) and certification programmes
    video       a recorded talk, a lecture series or a video channel
    podcast     audio episodes
    tool        a program or service the learner runs or uses: a CLI, server or test runner's
                site, an online checker or generator, a directory of projects or events
    opensource  a source code repository (github.com/owner/name), whatever the program; a
                learning guide that happens to live in a repository is an article

Each URL is listed by one topic only, the one it serves best; a section of a page (a #fragment)
counts as its own link.

`dump_roadmap` writes a loaded document in the canonical form that `export_roadmap` writes (a
blank line between sections and between topics), so a file assembled by hand can be normalised
without a database.
"""

import datetime
import difflib
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone, translation

from config.caching import touch
from roadmap.models import Project, QuizOption, QuizQuestion, Resource, Roadmap, Section, Topic

SLUG_PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
MAX_PROBLEMS_SHOWN = 50

ROADMAP_KEYS = ("slug", "title", "summary", "description", "position", "sections")
SECTION_KEYS = ("title", "description", "project", "topics")
PROJECT_KEYS = ("title", "goal", "requirements", "stretch", "hand_in")
TOPIC_KEYS = ("slug", "title", "kind", "any_order", "prerequisites", "reviewed", "body", "resources", "quiz")
RESOURCE_KEYS = ("title", "url", "kind", "free")
QUESTION_KEYS = ("question", "options")
OPTION_KEYS = ("text", "correct", "explanation")
OPTIONS_PER_QUESTION = (3, 5)
REQUIREMENTS_PER_PROJECT = (3, 7)

KeyPath = tuple[str | int, ...]


class ContentError(ValueError):
    """A content file that cannot be imported; the message names the line or the key path."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or [message]


# Loading and validation


def load_roadmap_file(path: str | Path) -> dict:
    """Read, parse and validate a content file; return the roadmap with every default filled in."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise ContentError(f"{path}: cannot read the file ({reason}).") from error
    return parse_roadmap(text, source=str(path))


# LibYAML's parser where PyYAML was built with it (its wheels are): the same documents, nodes
# and marks as the pure-Python one, about ten times faster on the Backend roadmap's file.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_roadmap(text: str, *, source: str = "<text>") -> dict:
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        message = f"{source}: {where}invalid YAML: {error.problem or error.context}"
        if error.problem and error.context and error.context_mark:
            message += f" ({error.context} started on line {error.context_mark.line + 1})"
        raise ContentError(message) from error
    except yaml.YAMLError as error:
        raise ContentError(f"{source}: invalid YAML: {error}") from error
    finally:
        loader.dispose()
    lines: dict[KeyPath, int] = {}
    duplicate_keys: list[tuple[int, str]] = []
    if node is not None:
        _collect_lines(node, (), lines, duplicate_keys)
    return validate_roadmap(data, source=source, lines=lines, extra_problems=duplicate_keys)


def _collect_lines(node, path: KeyPath, lines: dict, problems: list, seen=None) -> None:
    """Map each key path to its line number, and report keys written twice in one mapping."""
    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        keys = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = key_node.value
            if key in keys:
                where = _format_path(path + (key,))
                line = key_node.start_mark.line + 1
                problems.append((line, f"line {line}: {where}: key written twice"))
            keys.add(key)
            _collect_lines(value_node, path + (key,), lines, problems, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_lines(item, path + (index,), lines, problems, seen)


def _format_path(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "top level"


def validate_roadmap(
    data, *, source: str = "<data>", lines: dict | None = None, extra_problems: list | None = None
) -> dict:
    """Check the whole structure and return it normalised; raise ContentError listing every problem."""
    checker = _Checker(lines or {})
    checker.problems.extend(extra_problems or [])
    roadmap = checker.roadmap(data)
    if checker.problems:
        problems = [message for _, message in sorted(checker.problems, key=lambda problem: problem[0])]
        count = len(problems)
        shown = problems[:MAX_PROBLEMS_SHOWN]
        if count == 1:
            message = f"{source}: {shown[0]}"
        else:
            message = f"{source}: {count} problems:\n" + "\n".join(f"  {problem}" for problem in shown)
            if count > len(shown):
                message += f"\n  ... and {count - len(shown)} more"
        raise ContentError(message, problems)
    return roadmap


def _max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


class _Checker:
    def __init__(self, lines: dict):
        self.lines = lines
        self.problems: list[tuple[int, str]] = []
        self.url_validator = URLValidator(schemes=["https"])

    def problem(self, path: KeyPath, message: str) -> None:
        line = None
        for length in range(len(path), -1, -1):
            line = self.lines.get(path[:length])
            if line is not None:
                break
        prefix = f"line {line}: " if line is not None else ""
        self.problems.append((line or 0, f"{prefix}{_format_path(path)}: {message}"))

    def mapping(self, value, path: KeyPath, allowed: tuple, required: tuple) -> dict | None:
        if not isinstance(value, dict):
            self.problem(path, f"must be a mapping with the keys {', '.join(required)}")
            return None
        for key in value:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                suggestion = f"did you mean {hint[0]!r}?" if hint else f"expected one of {', '.join(allowed)}"
                self.problem(path + (key,), f"unknown key ({suggestion})")
        for key in required:
            if key not in value or value[key] is None:
                self.problem(path, f"missing required key {key!r}")
        return value

    def text(self, mapping, key, path, *, max_length=None, required=False, default="") -> str:
        value = mapping.get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            self.problem(path + (key,), f"must be a string, not {type(value).__name__}")
            return default
        if required and not value.strip():
            self.problem(path + (key,), "must not be blank")
        if max_length is not None and len(value) > max_length:
            self.problem(path + (key,), f"is {len(value)} characters long; at most {max_length}")
        return value

    def slug(self, mapping, key, path, *, max_length) -> str:
        value = self.text(mapping, key, path, max_length=max_length, required=True)
        if value and not SLUG_PATTERN.fullmatch(value):
            self.problem(path + (key,), f"{value!r} is not a slug (lowercase letters, digits and dashes)")
        return value

    def boolean(self, mapping, key, path, *, default: bool) -> bool:
        value = mapping.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(path + (key,), f"must be true or false, not {value!r}")
            return default
        return value

    def choice(self, mapping, key, path, *, choices, default: str) -> str:
        value = mapping.get(key)
        if value is None:
            return default
        if value not in choices:
            self.problem(path + (key,), f"{value!r} is not one of {', '.join(choices)}")
            return default
        return value

    def sequence(self, mapping, key, path, *, required=False) -> list:
        value = mapping.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(path + (key,), f"must be a list, not {type(value).__name__}")
            return []
        if required and not value:
            self.problem(path + (key,), "must not be empty")
        return value

    def roadmap(self, data) -> dict:
        required = ("slug", "title", "summary", "sections")
        if self.mapping(data, (), ROADMAP_KEYS, required) is None:
            return {}
        position = data.get("position", 0)
        if position is None:
            position = 0
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            self.problem(("position",), f"must be a whole number, 0 or more, not {position!r}")
            position = 0
        roadmap = {
            "slug": self.slug(data, "slug", (), max_length=_max_length(Roadmap, "slug")),
            "title": self.text(data, "title", (), max_length=_max_length(Roadmap, "title"), required=True),
            "summary": self.text(
                data, "summary", (), max_length=_max_length(Roadmap, "summary"), required=True
            ),
            "description": self.text(data, "description", ()),
            "position": position,
            "sections": [],
        }
        section_titles: dict[str, KeyPath] = {}
        topic_paths: dict[str, KeyPath] = {}
        for index, section_data in enumerate(self.sequence(data, "sections", (), required=True)):
            path = ("sections", index)
            section = self.section(section_data, path, topic_paths)
            if section is None:
                continue
            if section["title"] in section_titles:
                first = _format_path(section_titles[section["title"]])
                self.problem(path + ("title",), f"section {section['title']!r} already at {first}")
            section_titles.setdefault(section["title"], path)
            roadmap["sections"].append(section)
        self.prerequisites(roadmap, topic_paths)
        return roadmap

    def section(self, data, path: KeyPath, topic_paths: dict) -> dict | None:
        if self.mapping(data, path, SECTION_KEYS, ("title", "topics")) is None:
            return None
        section = {
            "title": self.text(data, "title", path, max_length=_max_length(Section, "title"), required=True),
            "description": self.text(data, "description", path),
            "project": self.project(data["project"], path + ("project",))
            if data.get("project") is not None
            else None,
            "topics": [],
        }
        for index, topic_data in enumerate(self.sequence(data, "topics", path, required=True)):
            topic_path = path + ("topics", index)
            topic = self.topic(topic_data, topic_path)
            if topic is None:
                continue
            slug = topic["slug"]
            if slug in topic_paths:
                first = _format_path(topic_paths[slug])
                self.problem(topic_path + ("slug",), f"topic {slug!r} already at {first}")
            elif slug:
                topic_paths[slug] = topic_path
            section["topics"].append(topic)
        return section

    def topic(self, data, path: KeyPath) -> dict | None:
        if self.mapping(data, path, TOPIC_KEYS, ("slug", "title", "body")) is None:
            return None
        topic = {
            "slug": self.slug(data, "slug", path, max_length=_max_length(Topic, "slug")),
            "title": self.text(data, "title", path, max_length=_max_length(Topic, "title"), required=True),
            "kind": self.choice(data, "kind", path, choices=Topic.Kind.values, default=Topic.Kind.CORE),
            "any_order": self.boolean(data, "any_order", path, default=False),
            "prerequisites": [],
            "reviewed": self.date(data, "reviewed", path),
            "body": self.text(data, "body", path, required=True),
            "resources": [],
            "quiz": [],
        }
        for index, slug in enumerate(self.sequence(data, "prerequisites", path)):
            if not isinstance(slug, str):
                self.problem(path + ("prerequisites", index), f"must be a topic slug, not {slug!r}")
            elif slug in topic["prerequisites"]:
                self.problem(path + ("prerequisites", index), f"{slug!r} is listed twice")
            else:
                topic["prerequisites"].append(slug)
        urls: set[str] = set()
        for index, resource_data in enumerate(self.sequence(data, "resources", path)):
            resource_path = path + ("resources", index)
            resource = self.resource(resource_data, resource_path)
            if resource is None:
                continue
            if resource["url"] in urls:
                self.problem(resource_path + ("url",), "the same URL is already listed for this topic")
            urls.add(resource["url"])
            topic["resources"].append(resource)
        questions: set[str] = set()
        for index, question_data in enumerate(self.sequence(data, "quiz", path)):
            question_path = path + ("quiz", index)
            question = self.question(question_data, question_path)
            if question is None:
                continue
            if question["question"] in questions:
                self.problem(question_path + ("question",), "the same question is already in this quiz")
            questions.add(question["question"])
            topic["quiz"].append(question)
        return topic

    def date(self, mapping, key, path) -> datetime.date | None:
        value = mapping.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                pass
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            self.problem(path + (key,), f"must be a date written as YYYY-MM-DD, not {value!r}")
            return None
        return value

    def question(self, data, path: KeyPath) -> dict | None:
        if self.mapping(data, path, QUESTION_KEYS, QUESTION_KEYS) is None:
            return None
        question = {"question": self.text(data, "question", path, required=True), "options": []}
        options = self.sequence(data, "options", path)
        low, high = OPTIONS_PER_QUESTION
        if "options" in data and not low <= len(options) <= high:
            self.problem(path + ("options",), f"has {len(options)} options; a question has {low} to {high}")
        texts: set[str] = set()
        for index, option_data in enumerate(options):
            option_path = path + ("options", index)
            if self.mapping(option_data, option_path, OPTION_KEYS, ("text", "explanation")) is None:
                continue
            option = {
                "text": self.text(option_data, "text", option_path, required=True),
                "correct": self.boolean(option_data, "correct", option_path, default=False),
                "explanation": self.text(option_data, "explanation", option_path, required=True),
            }
            if option["text"] in texts:
                self.problem(option_path + ("text",), "the same option is already in this question")
            texts.add(option["text"])
            question["options"].append(option)
        if question["options"] and not any(option["correct"] for option in question["options"]):
            self.problem(path + ("options",), "no option is marked correct: at least one must be")
        return question

    def project(self, data, path: KeyPath) -> dict | None:
        if self.mapping(data, path, PROJECT_KEYS, ("title", "goal", "requirements", "hand_in")) is None:
            return None
        project = {
            "title": self.text(data, "title", path, max_length=_max_length(Project, "title"), required=True),
            "goal": self.text(data, "goal", path, required=True),
            "requirements": [],
            "stretch": self.text(data, "stretch", path),
            "hand_in": self.text(data, "hand_in", path, required=True),
        }
        requirements = self.sequence(data, "requirements", path)
        low, high = REQUIREMENTS_PER_PROJECT
        if "requirements" in data and not low <= len(requirements) <= high:
            self.problem(
                path + ("requirements",),
                f"has {len(requirements)} requirements; a project has {low} to {high}",
            )
        for index, requirement in enumerate(requirements):
            if not isinstance(requirement, str) or not requirement.strip():
                self.problem(path + ("requirements", index), "must be a line of text")
            else:
                project["requirements"].append(requirement)
        return project

    def resource(self, data, path: KeyPath) -> dict | None:
        if self.mapping(data, path, RESOURCE_KEYS, ("title", "url")) is None:
            return None
        url = self.text(data, "url", path, max_length=_max_length(Resource, "url"), required=True)
        if url and not url.startswith("https://"):
            self.problem(path + ("url",), "must be an https URL")
        elif url:
            try:
                self.url_validator(url)
            except ValidationError:
                self.problem(path + ("url",), f"{url!r} is not a valid URL")
        return {
            "title": self.text(data, "title", path, max_length=_max_length(Resource, "title"), required=True),
            "url": url,
            "kind": self.choice(
                data, "kind", path, choices=Resource.Kind.values, default=Resource.Kind.ARTICLE
            ),
            "free": self.boolean(data, "free", path, default=True),
        }

    def prerequisites(self, roadmap: dict, topic_paths: dict) -> None:
        """Every prerequisite names another topic of the file, and they form no cycle."""
        graph: dict[str, list[str]] = {}
        for section in roadmap["sections"]:
            for topic in section["topics"]:
                path = topic_paths.get(topic["slug"], ())
                known = []
                for index, slug in enumerate(topic["prerequisites"]):
                    if slug == topic["slug"]:
                        self.problem(path + ("prerequisites", index), "a topic cannot require itself")
                    elif slug not in topic_paths:
                        self.problem(path + ("prerequisites", index), f"unknown topic {slug!r}")
                    else:
                        known.append(slug)
                graph.setdefault(topic["slug"], known)
        for cycle in _cycles(graph):
            self.problem(
                topic_paths[cycle[0]] + ("prerequisites",),
                "prerequisites form a cycle: " + " -> ".join(cycle + [cycle[0]]),
            )


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """One cycle per strongly connected knot, found by an iterative depth-first search."""
    state: dict[str, str] = {}
    cycles = []
    for start in graph:
        if start in state:
            continue
        stack = [(start, iter(graph[start]))]
        trail = [start]
        state[start] = "open"
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = "done"
                stack.pop()
                trail.pop()
            elif state.get(child) == "open":
                cycles.append(trail[trail.index(child) :])
            elif child not in state:
                state[child] = "open"
                stack.append((child, iter(graph.get(child, []))))
                trail.append(child)
    return cycles


# Import


KINDS = ("roadmap", "section", "project", "topic", "resource", "question")


@dataclass
class ImportReport:
    """What an import changed (or, in a dry run, would change)."""

    slug: str
    dry_run: bool = False
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unpublished: Counter = field(default_factory=Counter)
    deleted: Counter = field(default_factory=Counter)
    changes: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def summary(self) -> str:
        """One line of counts, e.g. "topics: 2 created, 1 updated; resources: 6 created"."""
        parts = []
        for kind in KINDS:
            counts = [
                f"{counter[kind]} {verb}"
                for verb, counter in (
                    ("created", self.created),
                    ("updated", self.updated),
                    ("unpublished", self.unpublished),
                    ("deleted", self.deleted),
                )
                if counter[kind]
            ]
            if counts:
                parts.append(f"{kind}s: {', '.join(counts)}")
        return "; ".join(parts) or "no changes"


class _DryRunRollback(Exception):
    pass


def import_roadmap(
    data: dict, *, dry_run: bool = False, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Create or update a roadmap to match `data` (from load_roadmap_file), all in one transaction.

    Unchanged rows are not saved, so importing the same file twice changes nothing (not even
    updated_at). A dry run does all the work and reports it, then rolls it back.
    """
    data = validate_roadmap(data)
    report = ImportReport(slug=data["slug"], dry_run=dry_run)
    try:
        # The file is the English text: it goes into the English columns whatever language is
        # active (roadmap/translation.py); translations come from their own files.
        with transaction.atomic(), translation.override(settings.MODELTRANSLATION_DEFAULT_LANGUAGE):
            roadmap = _Importer(data, report, progress).run()
            if dry_run:
                raise _DryRunRollback
            if report.has_changes:  # prerequisites and resources are written in bulk, with no signal
                touch(roadmap, fields={"updated_at"})
    except _DryRunRollback:
        pass
    return report


class _Importer:
    def __init__(self, data: dict, report: ImportReport, progress):
        self.data = data
        self.report = report
        self.progress = progress
        self.resource_lines: dict[str, list[str]] = {}

    def run(self) -> Roadmap:
        roadmap = self.upsert_roadmap()
        sections = self.upsert_sections(roadmap)
        self.upsert_projects(roadmap, sections)
        self.upsert_topics(roadmap, sections)
        is_roadmap_saved = self.report.created["roadmap"] or self.report.updated["roadmap"]
        if self.report.has_changes and not is_roadmap_saved:
            # The roadmap's updated_at says when its content last changed, topics included.
            Roadmap.objects.filter(pk=roadmap.pk).update(updated_at=timezone.now())
        return roadmap

    def upsert_roadmap(self) -> Roadmap:
        data = self.data
        wanted = {
            "title": data["title"],
            "summary": data["summary"],
            "description": data["description"],
            "position": data["position"],
        }
        roadmap = Roadmap.objects.select_for_update().filter(slug=data["slug"]).first()
        if roadmap is None:
            roadmap = Roadmap(slug=data["slug"], **wanted)
            roadmap.save()
            self.created("roadmap", f"+ roadmap {roadmap.slug}")
            return roadmap
        changed = _assign(roadmap, wanted)
        if changed:
            roadmap.save()
            self.updated("roadmap", f"~ roadmap {roadmap.slug}: {', '.join(changed)}")
        return roadmap

    def upsert_sections(self, roadmap: Roadmap) -> dict[str, Section]:
        existing = {section.title: section for section in roadmap.sections.all()}
        sections = {}
        for position, data in enumerate(self.data["sections"]):
            wanted = {"description": data["description"], "position": position}
            section = existing.get(data["title"])
            if section is None:
                section = Section.objects.create(roadmap=roadmap, title=data["title"], **wanted)
                self.created("section", f"+ section {section.title}")
            else:
                changed = _assign(section, wanted)
                if changed:
                    section.save(update_fields=changed)
                    self.updated("section", f"~ section {section.title}: {', '.join(changed)}")
            sections[section.title] = section
        return sections

    def upsert_projects(self, roadmap: Roadmap, sections: dict[str, Section]) -> None:
        """Each section's project follows the file; one the file no longer has is deleted, unless
        learners handed work in for it (their review requests hang on it): then it stays."""
        existing = {
            project.section_id: project
            for project in Project.objects.filter(section__roadmap=roadmap).select_related("section")
        }
        for data in self.data["sections"]:
            section = sections[data["title"]]
            wanted = data["project"]
            project = existing.pop(section.pk, None)
            if wanted is None:
                if project is not None:
                    existing[section.pk] = project
                continue
            values = {name: wanted[name] for name in PROJECT_KEYS}
            if project is None:
                Project.objects.create(section=section, **values)
                self.created("project", f"+ project {wanted['title']} ({section.title})")
            else:
                changed = _assign(project, values)
                if changed:
                    project.save()
                    self.updated(
                        "project", f"~ project {project.title} ({section.title}): {', '.join(changed)}"
                    )
        for project in existing.values():
            if project.review_requests.exists():
                continue
            project.delete()
            self.report.deleted["project"] += 1
            self.report.changes.append(f"- project {project.title} ({project.section.title})")

    def upsert_topics(self, roadmap: Roadmap, sections: dict[str, Section]) -> None:
        existing = {topic.slug: topic for topic in roadmap.topics.all()}
        file_topics = [
            (sections[section_data["title"]], topic_data)
            for section_data in self.data["sections"]
            for topic_data in section_data["topics"]
        ]
        topics, new_slugs, changes = self.save_topics(roadmap, file_topics, existing)
        self.save_prerequisites(roadmap, file_topics, topics, new_slugs, changes)
        for _, data in file_topics:
            slug = data["slug"]
            if slug in new_slugs:
                self.created("topic", f"+ topic {slug}")
            elif changes[slug]:
                self.updated("topic", f"~ topic {slug}: {', '.join(sorted(changes[slug]))}")
                self.report.changes.extend(self.resource_lines.get(slug, []))
        in_file = {data["slug"] for _, data in file_topics}
        self.unpublish(
            [topic for slug, topic in existing.items() if slug not in in_file and topic.is_published]
        )

    def save_topics(self, roadmap, file_topics, existing):
        """Create or update each topic of the file and plan its resources; saved rows render markdown."""
        resources_by_topic: dict[int, dict[str, Resource]] = {}
        for resource in Resource.objects.filter(topic__roadmap=roadmap):
            resources_by_topic.setdefault(resource.topic_id, {})[resource.url] = resource
        resource_work = _ResourceWork()
        quiz_work = _QuizWork(roadmap)
        topics: dict[str, Topic] = dict(existing)
        new_slugs: set[str] = set()
        changes: dict[str, list[str]] = {}
        for position, (section, data) in enumerate(file_topics):
            wanted = {
                "section_id": section.pk,
                "title": data["title"],
                "body": data["body"],
                "kind": data["kind"],
                "is_any_order": data["any_order"],
                "reviewed_on": data["reviewed"],
                "position": position,
                "is_published": True,
            }
            topic = existing.get(data["slug"])
            if topic is None:
                topic = Topic(roadmap=roadmap, slug=data["slug"], **wanted)
                topic.save()
                topics[topic.slug] = topic
                new_slugs.add(topic.slug)
            else:
                changed = _assign(topic, wanted)
                if changed:
                    topic.save()
                changes[topic.slug] = [_TOPIC_FIELD_NAMES.get(name, name) for name in changed]
            lines = resource_work.plan(topic, data["resources"], resources_by_topic.get(topic.pk, {}))
            if lines and topic.slug not in new_slugs:
                changes[topic.slug].append("resources")
            quiz_lines = quiz_work.plan(topic, data["quiz"])
            if quiz_lines and topic.slug not in new_slugs:
                changes[topic.slug].append("quiz")
            if topic.slug not in new_slugs:
                self.resource_lines[topic.slug] = lines + quiz_lines
            if self.progress is not None:
                self.progress(position + 1, len(file_topics))
        resource_work.save(self.report)
        quiz_work.save(self.report)
        return topics, new_slugs, changes

    def save_prerequisites(self, roadmap, file_topics, topics, new_slugs, changes) -> None:
        Prerequisite = Topic.prerequisites.through
        current: dict[int, set[int]] = {}
        for from_id, to_id in Prerequisite.objects.filter(from_topic__roadmap=roadmap).values_list(
            "from_topic_id", "to_topic_id"
        ):
            current.setdefault(from_id, set()).add(to_id)
        additions = []
        for _, data in file_topics:
            topic = topics[data["slug"]]
            wanted_ids = {topics[slug].pk for slug in data["prerequisites"]}
            current_ids = current.get(topic.pk, set())
            if wanted_ids == current_ids:
                continue
            additions += [
                Prerequisite(from_topic_id=topic.pk, to_topic_id=pk) for pk in wanted_ids - current_ids
            ]
            if current_ids - wanted_ids:
                Prerequisite.objects.filter(
                    from_topic_id=topic.pk, to_topic_id__in=current_ids - wanted_ids
                ).delete()
            if topic.slug not in new_slugs:
                changes[topic.slug].append("prerequisites")
        Prerequisite.objects.bulk_create(additions)

    def unpublish(self, topics: list[Topic]) -> None:
        """Topics gone from the file are hidden, never deleted: learners' progress and notes hang on them."""
        if not topics:
            return
        unpublished = Topic.objects.filter(pk__in=[topic.pk for topic in topics])
        unpublished.update(is_published=False, updated_at=timezone.now())
        touch(unpublished)
        for topic in sorted(topics, key=lambda topic: topic.position):
            self.report.unpublished["topic"] += 1
            self.report.changes.append(f"- topic {topic.slug} (unpublished)")

    def created(self, kind: str, line: str) -> None:
        self.report.created[kind] += 1
        self.report.changes.append(line)

    def updated(self, kind: str, line: str) -> None:
        self.report.updated[kind] += 1
        self.report.changes.append(line)


_TOPIC_FIELD_NAMES = {
    "section_id": "section",
    "is_any_order": "any_order",
    "is_published": "republished",
    "reviewed_on": "reviewed",
}


class _QuizWork:
    """Collects the quiz questions and options to create, update and delete across topics, then
    writes them in bulk. A question of the file is matched to a stored one by its text, else by
    its place; an option to one of its question's by its text, else by its place."""

    def __init__(self, roadmap: Roadmap):
        self.questions_by_topic: dict[int, list[QuizQuestion]] = {}
        for question in (
            QuizQuestion.objects.filter(topic__roadmap=roadmap)
            .prefetch_related(Prefetch("options", queryset=QuizOption.objects.order_by("position", "pk")))
            .order_by("position", "pk")
        ):
            self.questions_by_topic.setdefault(question.topic_id, []).append(question)
        self.new_questions: list[tuple[QuizQuestion, list[dict]]] = []
        self.questions_to_update: list[QuizQuestion] = []
        self.options_to_create: list[QuizOption] = []
        self.options_to_update: list[QuizOption] = []
        self.question_ids_to_delete: list[int] = []
        self.option_ids_to_delete: list[int] = []

    def plan(self, topic: Topic, wanted: list[dict]) -> list[str]:
        lines = []
        existing = self.questions_by_topic.get(topic.pk, [])
        for position, question, data in _match(existing, wanted, key="question", attribute="text"):
            label = _short(data["question"])
            if question is None:
                question = QuizQuestion(topic=topic, text=data["question"], position=position)
                self.new_questions.append((question, data["options"]))
                lines.append(f"    + question {label}")
                continue
            changed = _assign(question, {"text": data["question"], "position": position})
            if changed:
                self.questions_to_update.append(question)
            if self.plan_options(question, data["options"]):
                changed.append("options")
            if changed:
                lines.append(f"    ~ question {label}: {', '.join(changed)}")
        for question in existing:
            if not getattr(question, "_kept", False):
                self.question_ids_to_delete.append(question.pk)
                lines.append(f"    - question {_short(question.text)}")
        return lines

    def plan_options(self, question: QuizQuestion, wanted: list[dict]) -> bool:
        existing = list(question.options.all())
        is_changed = False
        for position, option, data in _match(existing, wanted, key="text", attribute="text"):
            values = {
                "text": data["text"],
                "is_correct": data["correct"],
                "explanation": data["explanation"],
                "position": position,
            }
            if option is None:
                self.options_to_create.append(QuizOption(question=question, **values))
                is_changed = True
            elif _assign(option, values):
                self.options_to_update.append(option)
                is_changed = True
        for option in existing:
            if not getattr(option, "_kept", False):
                self.option_ids_to_delete.append(option.pk)
                is_changed = True
        return is_changed

    def save(self, report: ImportReport) -> None:
        if self.question_ids_to_delete:
            QuizQuestion.objects.filter(pk__in=self.question_ids_to_delete).delete()
        if self.option_ids_to_delete:
            QuizOption.objects.filter(pk__in=self.option_ids_to_delete).delete()
        if self.questions_to_update:
            QuizQuestion.objects.bulk_update(self.questions_to_update, ["text", "position"], batch_size=500)
        if self.options_to_update:
            QuizOption.objects.bulk_update(
                self.options_to_update, ["text", "is_correct", "explanation", "position"], batch_size=500
            )
        created = QuizQuestion.objects.bulk_create(
            [question for question, _ in self.new_questions], batch_size=500
        )
        for question, (_, options) in zip(created, self.new_questions, strict=True):
            self.options_to_create += [
                QuizOption(
                    question=question,
                    text=data["text"],
                    is_correct=data["correct"],
                    explanation=data["explanation"],
                    position=position,
                )
                for position, data in enumerate(options)
            ]
        if self.options_to_create:
            QuizOption.objects.bulk_create(self.options_to_create, batch_size=500)
        report.created["question"] += len(self.new_questions)
        report.updated["question"] += len(self.questions_to_update)
        report.deleted["question"] += len(self.question_ids_to_delete)


def _match(existing: list, wanted: list[dict], *, key: str, attribute: str):
    """Pair each wanted item (with its position) with a stored row: the first unpaired one with
    the same text, else the unpaired one at the same place, else None. Paired rows are marked
    `_kept`."""
    by_text: dict[str, list] = {}
    for row in existing:
        by_text.setdefault(getattr(row, attribute), []).append(row)
    pairs: list = [None] * len(wanted)
    for position, data in enumerate(wanted):
        candidates = by_text.get(data[key])
        if candidates:
            pairs[position] = candidates.pop(0)
            pairs[position]._kept = True
    for position in range(len(wanted)):
        if (
            pairs[position] is None
            and position < len(existing)
            and not getattr(existing[position], "_kept", False)
        ):
            pairs[position] = existing[position]
            pairs[position]._kept = True
    return [(position, pairs[position], data) for position, data in enumerate(wanted)]


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return f"“{text}”" if len(text) <= limit else f"“{text[: limit - 1]}…”"


class _ResourceWork:
    """Collects resource inserts, updates and deletes across topics, then runs them in bulk."""

    FIELDS = ("title", "kind", "is_free", "position")

    def __init__(self):
        self.to_create: list[Resource] = []
        self.to_update: list[Resource] = []
        self.to_delete: list[Resource] = []

    def plan(self, topic: Topic, wanted: list[dict], existing: dict[str, Resource]) -> list[str]:
        lines = []
        for position, data in enumerate(wanted):
            values = {
                "title": data["title"],
                "kind": data["kind"],
                "is_free": data["free"],
                "position": position,
            }
            resource = existing.get(data["url"])
            if resource is None:
                self.to_create.append(Resource(topic=topic, url=data["url"], **values))
                lines.append(f"    + resource {data['url']}")
            else:
                changed = _assign(resource, values)
                if changed:
                    self.to_update.append(resource)
                    names = ", ".join("free" if name == "is_free" else name for name in changed)
                    lines.append(f"    ~ resource {data['url']}: {names}")
        urls = {data["url"] for data in wanted}
        for url, resource in existing.items():
            if url not in urls:
                self.to_delete.append(resource)
                lines.append(f"    - resource {url}")
        return lines

    def save(self, report: ImportReport) -> None:
        if self.to_delete:
            Resource.objects.filter(pk__in=[resource.pk for resource in self.to_delete]).delete()
        if self.to_update:
            Resource.objects.bulk_update(self.to_update, self.FIELDS, batch_size=500)
        if self.to_create:
            Resource.objects.bulk_create(self.to_create, batch_size=500)
        report.created["resource"] += len(self.to_create)
        report.updated["resource"] += len(self.to_update)
        report.deleted["resource"] += len(self.to_delete)


def _assign(instance, values: dict) -> list[str]:
    """Set the values that differ on `instance`; return the names of the fields that changed."""
    changed = []
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


# Export


class _FlowList(list):
    """A list written inline, `[a, b]`, as prerequisites are in the content files."""


# The indentation of the items of the sections list and of each section's topics list: a blank
# line goes between two items of these, to make a long file readable.
_SPACED_SEQUENCE_INDENTS = frozenset({2, 6})


class _ContentDumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)

    def ignore_aliases(self, data):
        """Every value written out in full: a date shared by many topics is not an &anchor."""
        return True

    def expect_block_sequence_item(self, first=False):
        if (
            not first
            and not isinstance(self.event, yaml.SequenceEndEvent)
            and self.indent in _SPACED_SEQUENCE_INDENTS
        ):
            if self.column:  # the emitter ends a line only when it starts the next
                self.write_line_break()
            self.write_line_break()
        super().expect_block_sequence_item(first)


def _represent_str(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_flow_list(dumper, value: _FlowList):
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_ContentDumper.add_representer(str, _represent_str)
_ContentDumper.add_representer(_FlowList, _represent_flow_list)


def dump_roadmap(data: dict, *, validate: bool = True) -> str:
    """A roadmap document (as load_roadmap_file returns it, or as yaml.safe_load reads a file)
    written in the canonical form of the content files: keys in their documented order, optional
    ones left out when empty, a blank line between sections and between topics. Needs no
    database; `export_roadmap` writes through it. Raises ContentError for a document that does
    not validate."""
    if validate:
        data = validate_roadmap(data)
    document = {"slug": data["slug"], "title": data["title"], "summary": data["summary"]}
    if data["description"]:
        document["description"] = data["description"]
    document["position"] = data["position"]
    document["sections"] = [_section_document(section) for section in data["sections"]]
    return yaml.dump(
        document,
        Dumper=_ContentDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=math.inf,
    )


def _section_document(section: dict) -> dict:
    document = {"title": section["title"]}
    if section["description"]:
        document["description"] = section["description"]
    project = section.get("project")
    if project:
        document["project"] = {
            "title": project["title"],
            "goal": project["goal"],
            "requirements": list(project["requirements"]),
        }
        if project["stretch"]:
            document["project"]["stretch"] = project["stretch"]
        document["project"]["hand_in"] = project["hand_in"]
    document["topics"] = [_topic_document(topic) for topic in section["topics"]]
    return document


def _topic_document(topic: dict) -> dict:
    document = {
        "slug": topic["slug"],
        "title": topic["title"],
        "kind": topic["kind"],
        "any_order": topic["any_order"],
        "prerequisites": _FlowList(topic["prerequisites"]),
    }
    if topic.get("reviewed"):
        document["reviewed"] = topic["reviewed"]
    document["body"] = topic["body"]
    document["resources"] = [
        {
            "title": resource["title"],
            "url": resource["url"],
            "kind": resource["kind"],
            "free": resource["free"],
        }
        for resource in topic["resources"]
    ]
    if topic.get("quiz"):
        document["quiz"] = [
            {
                "question": question["question"],
                "options": [
                    {
                        "text": option["text"],
                        "correct": option["correct"],
                        "explanation": option["explanation"],
                    }
                    for option in question["options"]
                ],
            }
            for question in topic["quiz"]
        ]
    return document


def export_roadmap(roadmap: Roadmap) -> str:
    """The roadmap's published content as a content file in canonical form (dump_roadmap);
    importing it back changes nothing. Always the English text, whatever language is active."""
    with translation.override(settings.MODELTRANSLATION_DEFAULT_LANGUAGE):
        return dump_roadmap(roadmap_data(roadmap), validate=False)


def roadmap_data(roadmap: Roadmap) -> dict:
    """The roadmap's published content as the document load_roadmap_file would return."""
    published = Topic.objects.filter(roadmap=roadmap, is_published=True)
    topics = list(
        published.order_by("position", "pk").prefetch_related(
            Prefetch("resources", queryset=Resource.objects.order_by("position", "pk")),
            Prefetch("prerequisites", queryset=Topic.objects.filter(is_published=True).order_by("position")),
            Prefetch(
                "quiz_questions",
                queryset=QuizQuestion.objects.order_by("position", "pk").prefetch_related(
                    Prefetch("options", queryset=QuizOption.objects.order_by("position", "pk"))
                ),
            ),
        )
    )
    topics_by_section: dict[int, list[Topic]] = {}
    for topic in topics:
        topics_by_section.setdefault(topic.section_id, []).append(topic)
    projects = {project.section_id: project for project in Project.objects.filter(section__roadmap=roadmap)}
    data = {
        "slug": roadmap.slug,
        "title": roadmap.title,
        "summary": roadmap.summary,
        "description": roadmap.description,
        "position": roadmap.position,
        "sections": [],
    }
    for section in roadmap.sections.order_by("position", "pk"):
        if section.pk not in topics_by_section:
            continue
        project = projects.get(section.pk)
        data["sections"].append(
            {
                "title": section.title,
                "description": section.description,
                "project": {name: getattr(project, name) for name in PROJECT_KEYS} if project else None,
                "topics": [_topic_data(topic) for topic in topics_by_section[section.pk]],
            }
        )
    return data


def _topic_data(topic: Topic) -> dict:
    return {
        "slug": topic.slug,
        "title": topic.title,
        "kind": topic.kind,
        "any_order": topic.is_any_order,
        "prerequisites": [prerequisite.slug for prerequisite in topic.prerequisites.all()],
        "reviewed": topic.reviewed_on,
        "body": topic.body,
        "resources": [
            {"title": resource.title, "url": resource.url, "kind": resource.kind, "free": resource.is_free}
            for resource in topic.resources.all()
        ],
        "quiz": [
            {
                "question": question.text,
                "options": [
                    {"text": option.text, "correct": option.is_correct, "explanation": option.explanation}
                    for option in question.options.all()
                ],
            }
            for question in topic.quiz_questions.all()
        ],
    }
