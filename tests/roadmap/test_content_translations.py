"""Roadmap content in other languages: carried in a file per language beside the English, shown
in the visitor's language, English where a field has no translation yet, marked as such."""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from roadmap.content_files import import_roadmap, load_roadmap_file, parse_roadmap
from roadmap.content_translations import (
    TranslationFileError,
    export_translation,
    import_translation,
    import_translation_file,
    parse_translation,
)
from roadmap.models import Roadmap, Section, Topic
from tests.html import parse

pytestmark = pytest.mark.django_db

CONTENT = Path(__file__).resolve().parents[2] / "roadmap" / "content"

ENGLISH = """\
slug: tiny
title: Tiny roadmap
summary: A small roadmap.
sections:
  - title: First steps
    description: Where it starts.
    topics:
      - slug: alpha
        title: Alpha
        body: |
          The alpha body.
        resources:
          - title: Alpha docs
            url: https://docs.example.com/alpha
      - slug: beta
        title: Beta
        prerequisites: [alpha]
        body: |
          The beta body.
"""

SPANISH = """\
language: es
roadmap: tiny
title: Ruta mínima
sections:
  First steps:
    title: Primeros pasos
topics:
  alpha:
    title: Alfa
    body: |
      El cuerpo de alfa.
resources:
  https://docs.example.com/alpha: Documentación de alfa
"""


@pytest.fixture
def tiny():
    import_roadmap(parse_roadmap(ENGLISH))
    import_translation(parse_translation(SPANISH))
    return Roadmap.objects.get(slug="tiny")


def page(path, language):
    return Client().get(path, HTTP_ACCEPT_LANGUAGE=language)


def test_a_spanish_visitor_reads_the_spanish_text_and_the_english_where_there_is_none(tiny):
    alpha = parse(page("/roadmaps/tiny/alpha/", "es").text)
    assert alpha.find("h1").text == "Alfa" and "lang" not in alpha.find("h1").attrs
    assert "El cuerpo de alfa." in alpha.find("div", class_="prose").text
    assert not alpha.find_all("p", class_="untranslated-note")

    beta = parse(page("/roadmaps/tiny/beta/", "es").text)
    assert beta.find("h1").text == "Beta" and beta.find("h1").attrs["lang"] == "en"
    assert beta.find("div", class_="prose").attrs["lang"] == "en"
    note = beta.find("p", class_="untranslated-note")
    assert "traducido" in note.text and "lang" not in note.attrs  # the note itself is in Spanish


def test_the_map_shows_translated_titles_and_marks_the_english_ones(tiny):
    spanish = parse(page("/roadmaps/tiny/", "es").text)
    assert spanish.find("span", class_="section-title").text == "Primeros pasos"
    titles = {link.text: link.attrs.get("lang") for link in spanish.find_all("a", class_="node-title")}
    assert titles == {"Alfa": None, "Beta": "en"}
    description = spanish.find("p", class_="section-description")
    assert description.text == "Where it starts." and description.attrs["lang"] == "en"

    english = parse(page("/roadmaps/tiny/", "en").text)
    titles = {link.text: link.attrs.get("lang") for link in english.find_all("a", class_="node-title")}
    assert titles == {"Alpha": None, "Beta": None}


def test_german_has_no_translation_and_shows_english_marked(tiny):
    german = parse(page("/roadmaps/tiny/alpha/", "de").text)
    assert german.find("html").attrs["lang"] == "de"
    assert german.find("h1").text == "Alpha" and german.find("h1").attrs["lang"] == "en"


def test_export_then_import_changes_nothing(tiny):
    exported = export_translation(tiny, "es")
    assert exported == SPANISH
    report = import_translation(parse_translation(exported))
    assert report.summary() == "es: no changes"


def test_a_field_left_out_of_the_file_goes_back_to_english(tiny):
    import_translation(parse_translation(SPANISH.replace("    title: Alfa\n", "")))
    alpha = Topic.objects.get(slug="alpha")
    assert alpha.title_es is None
    with translation.override("es"):
        assert alpha.title == "Alpha"
        assert "El cuerpo de alfa." in alpha.body_html


def test_the_english_import_never_writes_into_another_language(tiny):
    with translation.override("es"):
        import_roadmap(parse_roadmap(ENGLISH.replace("title: Alpha\n", "title: Alpha, revised\n")))
    alpha = Topic.objects.get(slug="alpha")
    assert (alpha.title_en, alpha.title_es) == ("Alpha, revised", "Alfa")


def test_a_translation_written_in_the_admin_shows_on_the_next_request(tiny, admin_user):
    page("/roadmaps/tiny/beta/", "es")  # cached in Spanish, in English
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    client.force_login(admin_user)
    beta = Topic.objects.get(slug="beta")
    form = client.get(reverse("admin:roadmap_topic_change", args=[beta.pk]))
    assert 'name="title_es"' in form.text and 'name="body_es"' in form.text
    beta.title_es = "Beta traducida"
    beta.body_es = "El cuerpo de beta."
    beta.save()
    shown = parse(page("/roadmaps/tiny/beta/", "es").text)
    assert shown.find("h1").text == "Beta traducida"
    assert "El cuerpo de beta." in shown.find("div", class_="prose").text


def test_problems_in_a_translation_file_are_named():
    import_roadmap(parse_roadmap(ENGLISH))
    with pytest.raises(TranslationFileError) as error:
        parse_translation("language: fr\nroadmap: tiny\ncolour: blue\n")
    assert "language: 'fr' is not one of es, de" in str(error.value)
    assert "colour: unknown key" in str(error.value)
    wrong = SPANISH.replace("  alpha:\n", "  gamma:\n").replace("First steps:", "Last steps:")
    with pytest.raises(TranslationFileError) as error:
        import_translation(parse_translation(wrong))
    assert "topics.gamma: no topic with this slug" in str(error.value)
    assert "sections.Last steps: no section with this English title" in str(error.value)


def test_the_shipped_spanish_roadmap_is_complete_and_round_trips():
    import_roadmap(load_roadmap_file(CONTENT / "backend.yaml"))
    spanish_file = CONTENT / "backend.es.yaml"
    import_translation_file(spanish_file)
    backend = Roadmap.objects.get(slug="backend")
    assert export_translation(backend, "es") == spanish_file.read_text(encoding="utf-8")
    topics = Topic.objects.filter(roadmap=backend, is_published=True)
    assert not topics.filter(title_es=None).exists() and not topics.filter(body_es=None).exists()
    assert not Section.objects.filter(roadmap=backend, title_es=None).exists()
    assert backend.title_es and backend.summary_es and backend.description_es
