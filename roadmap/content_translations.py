"""Translations of a roadmap's content, as one content file per language beside the English one.

roadmap/content/backend.yaml holds the English text; roadmap/content/backend.es.yaml its Spanish:

    language: es                       # required: one of LANGUAGES, not English
    roadmap: backend                   # required: the slug of the roadmap it translates
    title: Desarrollo backend          # each translated field is optional: a field left out
    summary: ...                       #   shows in English, marked as not yet translated
    description: |
      ...
    sections:                          # keyed by the section's English title
      Internet fundamentals:
        title: Fundamentos de internet
        description: ...
    topics:                            # keyed by the topic's slug
      how-the-internet-works:
        title: Cómo funciona internet
        body: |
          ...
    resources:                         # keyed by the resource's URL: its title
      https://developer.mozilla.org/...: "MDN: ¿Cómo funciona internet?"

A translator works through one file with the English file beside it. The file is the source of
truth for its language: importing it sets every translated field it names and clears those it
leaves out. `import_roadmap` imports the English file, then each `<name>.<language>.yaml` beside
it; `export_roadmap --language es` writes the file back, so that importing and exporting changes
nothing. The fields themselves are declared in roadmap/translation.py.
"""

import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction
from django.utils import translation
from modeltranslation.utils import build_localized_fieldname

from config.caching import touch
from roadmap.markdown import render_markdown
from roadmap.models import Resource, Roadmap, Section, Topic

# LibYAML's parser where PyYAML was built with it (its wheels are): much faster than the pure-Python one.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TOP_KEYS = ("language", "roadmap", "title", "summary", "description", "sections", "topics", "resources")
ROADMAP_FIELDS = ("title", "summary", "description")
SECTION_FIELDS = ("title", "description")
TOPIC_FIELDS = ("title", "body")
# Rendered Markdown kept beside its source, in each language.
RENDERED = {"description": "description_html", "body": "body_html"}


class TranslationFileError(ValueError):
    """A translation file that cannot be imported; `problems` lists every one, by key."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        shown = "\n".join(f"  {problem}" for problem in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{source}: {len(problems)} problem(s):\n{shown}{more}")


def content_languages() -> list[str]:
    """The languages content may be translated into: every language of the site but English."""
    return [code for code, _ in settings.LANGUAGES if code != settings.MODELTRANSLATION_DEFAULT_LANGUAGE]


def translation_files(english_file: str | Path) -> list[tuple[str, Path]]:
    """The translation files beside an English content file, as (language, path)."""
    english_file = Path(english_file)
    found = []
    for language in content_languages():
        path = english_file.with_name(f"{english_file.stem}.{language}{english_file.suffix}")
        if path.exists():
            found.append((language, path))
    return found


def is_untranslated(obj, name: str) -> bool:
    """Whether `obj.<name>` shows the English text because the active language has none."""
    language = translation.get_language()
    if not language or language == settings.MODELTRANSLATION_DEFAULT_LANGUAGE:
        return False
    if language not in content_languages():
        return False
    return not getattr(obj, build_localized_fieldname(name, language), None)


# Reading and checking


def parse_translation(text: str, *, source: str = "<text>") -> dict:
    try:
        data = yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise TranslationFileError(
            source, [f"{where}invalid YAML: {getattr(error, 'problem', error)}"]
        ) from error
    problems = []
    if not isinstance(data, dict):
        raise TranslationFileError(source, ["the file must be a mapping with the keys language and roadmap"])
    for key in data:
        if key not in TOP_KEYS:
            problems.append(f"{key}: unknown key (expected one of {', '.join(TOP_KEYS)})")
    language = data.get("language")
    if language not in content_languages():
        problems.append(f"language: {language!r} is not one of {', '.join(content_languages())}")
    if not isinstance(data.get("roadmap"), str):
        problems.append("roadmap: the slug of the roadmap this file translates is required")
    for key in ROADMAP_FIELDS:
        _check_text(data, key, key, problems)
    for group, fields in (("sections", SECTION_FIELDS), ("topics", TOPIC_FIELDS)):
        entries = data.get(group) or {}
        if not isinstance(entries, dict):
            problems.append(f"{group}: must be a mapping")
            continue
        for name, entry in entries.items():
            if not isinstance(entry, dict):
                problems.append(f"{group}.{name}: must be a mapping of {', '.join(fields)}")
                continue
            for key in entry:
                if key not in fields:
                    problems.append(
                        f"{group}.{name}.{key}: unknown key (expected one of {', '.join(fields)})"
                    )
                else:
                    _check_text(entry, key, f"{group}.{name}.{key}", problems)
    resources = data.get("resources") or {}
    if not isinstance(resources, dict):
        problems.append("resources: must be a mapping of URL to title")
    else:
        for url in resources:
            _check_text(resources, url, f"resources.{url}", problems)
    if problems:
        raise TranslationFileError(source, problems)
    return data


def _check_text(mapping: dict, key, where: str, problems: list[str]) -> None:
    value = mapping.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        problems.append(f"{where}: must be text (leave the key out to show the English)")


# Import


@dataclass
class TranslationReport:
    language: str
    changed: dict[str, int] = field(
        default_factory=lambda: {"roadmap": 0, "section": 0, "topic": 0, "resource": 0}
    )

    def summary(self) -> str:
        parts = [
            f"{count} {kind}{'s' if count != 1 else ''}" for kind, count in self.changed.items() if count
        ]
        return f"{self.language}: " + (", ".join(parts) + " changed" if parts else "no changes")


@transaction.atomic
def import_translation(data: dict, *, source: str = "<data>") -> TranslationReport:
    """Set the file's language's fields from the file: what it names, and empty what it leaves out."""
    language = data["language"]
    try:
        roadmap = Roadmap.objects.get(slug=data["roadmap"])
    except Roadmap.DoesNotExist:
        raise TranslationFileError(
            source, [f"roadmap: no roadmap {data['roadmap']!r}: import the English file first"]
        ) from None
    report = TranslationReport(language)
    sections = list(roadmap.sections.all())
    topics = list(Topic.objects.filter(roadmap=roadmap))
    resources = list(Resource.objects.filter(topic__roadmap=roadmap))
    by_title = {section.title_en: section for section in sections}
    by_slug = {topic.slug: topic for topic in topics}
    by_url = {resource.url: resource for resource in resources}
    problems = [
        f"sections.{title}: no section with this English title"
        for title in data.get("sections") or {}
        if title not in by_title
    ]
    problems += [
        f"topics.{slug}: no topic with this slug" for slug in data.get("topics") or {} if slug not in by_slug
    ]
    problems += [
        f"resources.{url}: no resource with this URL"
        for url in data.get("resources") or {}
        if url not in by_url
    ]
    if problems:
        raise TranslationFileError(source, problems)

    if _apply(roadmap, data, ROADMAP_FIELDS, language):
        roadmap.save()
        report.changed["roadmap"] += 1
    work = [
        (
            Section,
            sections,
            lambda section: (data.get("sections") or {}).get(section.title_en) or {},
            SECTION_FIELDS,
            "section",
        ),
        (
            Topic,
            topics,
            lambda topic: (data.get("topics") or {}).get(topic.slug) or {},
            TOPIC_FIELDS,
            "topic",
        ),
        (
            Resource,
            resources,
            lambda resource: {"title": (data.get("resources") or {}).get(resource.url)},
            ("title",),
            "resource",
        ),
    ]
    for model, objects, entry_of, fields, kind in work:
        changed = [obj for obj in objects if _apply(obj, entry_of(obj), fields, language)]
        if changed:
            names = [build_localized_fieldname(name, language) for name in fields]
            names += [
                build_localized_fieldname(RENDERED[name], language)
                for name in fields
                if _renders(model, name)
            ]
            model.objects.bulk_update(changed, names, batch_size=500)
            touch(model.objects.filter(pk__in=[obj.pk for obj in changed]))
            report.changed[kind] += len(changed)
    return report


def _apply(obj, entry: dict, fields: tuple[str, ...], language: str) -> bool:
    """Put the entry's text into the object's `language` fields; whether anything changed."""
    changed = False
    for name in fields:
        value = entry.get(name) or None
        column = build_localized_fieldname(name, language)
        if getattr(obj, column) != value:
            setattr(obj, column, value)
            changed = True
            if _renders(type(obj), name):
                html = render_markdown(value) if value else None
                setattr(obj, build_localized_fieldname(RENDERED[name], language), html)
    return changed


def _renders(model, name: str) -> bool:
    """Whether the model keeps this Markdown field rendered beside it (a topic's body does, a
    section's plain description does not)."""
    return name in RENDERED and any(field.name == RENDERED[name] for field in model._meta.fields)


def import_translation_file(path: str | Path) -> TranslationReport:
    path = Path(path)
    data = parse_translation(path.read_text(encoding="utf-8"), source=str(path))
    return import_translation(data, source=str(path))


# Export


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _represent_str(dumper, value: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _represent_str)


def export_translation(roadmap: Roadmap, language: str) -> str:
    """The roadmap's `language` translation as a content file, in the roadmap's order."""

    def text(obj, name):
        return getattr(obj, build_localized_fieldname(name, language)) or None

    document = {"language": language, "roadmap": roadmap.slug}
    for name in ROADMAP_FIELDS:
        if text(roadmap, name):
            document[name] = text(roadmap, name)
    sections, topics, resources = {}, {}, {}
    for section in roadmap.sections.order_by("position", "pk"):
        entry = {name: text(section, name) for name in SECTION_FIELDS if text(section, name)}
        if entry:
            sections[section.title_en] = entry
    published = Topic.objects.filter(roadmap=roadmap, is_published=True).order_by("position", "pk")
    for topic in published.prefetch_related("resources"):
        entry = {name: text(topic, name) for name in TOPIC_FIELDS if text(topic, name)}
        if entry:
            topics[topic.slug] = entry
        for resource in sorted(topic.resources.all(), key=lambda resource: (resource.position, resource.pk)):
            if text(resource, "title"):
                resources[resource.url] = text(resource, "title")
    for key, value in (("sections", sections), ("topics", topics), ("resources", resources)):
        if value:
            document[key] = value
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=math.inf,
    )
