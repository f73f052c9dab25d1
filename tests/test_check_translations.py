"""`make lint`'s translation check (manage.py check_translations) against catalogues made here:
a complete, current catalogue passes; each way of being out of date or unfinished fails with a
line that says where and what."""

import io
from contextlib import nullcontext
from dataclasses import replace

import pytest
from django.core.management import CommandError, call_command

from config import translations
from config.translations import Entry
from tests.translations import translated, write_catalogue

LANGUAGES = ["es", "de"]


@pytest.fixture(scope="module")
def template():
    with translations.templates() as files:
        return translations.read_catalogue(files["django"])


def good(template):
    return translated(template, lambda text: f"«{text}»")


def catalogue_path(locale_dir, language):
    return locale_dir / language / "LC_MESSAGES" / "django.po"


def write(locale_dir, entries, *, languages=LANGUAGES, **options):
    for language in languages:
        write_catalogue(catalogue_path(locale_dir, language), entries, language=language, **options)


def check(locale_dir) -> str:
    """What the check says, with CommandError turned into its output: '' when all is well."""
    errors = io.StringIO()
    try:
        call_command(
            "check_translations",
            locale_dir=locale_dir,
            languages=LANGUAGES,
            stderr=errors,
            stdout=io.StringIO(),
        )
    except CommandError as error:
        return errors.getvalue() + str(error)
    return ""


def entry_with(template, predicate):
    return next(entry for entry in good(template) if predicate(entry))


def with_changed(template, target, **changes):
    return [replace(entry, **changes) if entry.key == target.key else entry for entry in good(template)]


def test_the_template_holds_the_marked_strings_of_templates_and_python(template):
    texts = {entry.msgid: entry.locations for entry in template}
    assert texts["Skip to content"] == ["templates/base.html"]
    assert "config/language.py" in texts["Choose one of the languages offered: %(names)s."]


def test_a_complete_current_catalogue_passes(template, tmp_path):
    write(tmp_path, good(template))
    output = io.StringIO()
    call_command("check_translations", locale_dir=tmp_path, languages=LANGUAGES, stdout=output)
    assert output.getvalue().startswith("Translations: es, de complete (")


def test_a_shipped_language_without_a_catalogue_fails(template, tmp_path):
    write(tmp_path, good(template), languages=["es"])
    said = check(tmp_path)
    assert "locale/de/LC_MESSAGES/django.po: no catalogue" in said.replace(str(tmp_path) + "/", "locale/")
    assert "es/LC_MESSAGES" not in said.split("CommandError")[0]


def test_a_string_new_in_the_code_is_missing_with_where_it_is_used(template, tmp_path):
    dropped = entry_with(template, lambda entry: entry.msgid == "Skip to content")
    write(tmp_path, [entry for entry in good(template) if entry.key != dropped.key])
    said = check(tmp_path)
    assert "missing: 'Skip to content' (used in templates/base.html); run `make messages`" in said
    assert "2 translation problem(s) in es, de" in said


def test_a_string_gone_from_the_code_is_obsolete(template, tmp_path):
    gone = replace(good(template)[0], msgid="A sentence the code no longer says", msgstr=["Una frase"])
    write(tmp_path, [*good(template), gone])
    said = check(tmp_path)
    assert "obsolete: 'A sentence the code no longer says' is no longer in the code" in said
    commented = replace(gone, is_obsolete=True)
    write(tmp_path, [*good(template), commented])
    assert "obsolete entry 'A sentence the code no longer says' left commented out" in check(tmp_path)


def test_an_untranslated_entry_fails_with_its_line(template, tmp_path):
    target = entry_with(template, lambda entry: entry.msgid == "Skip to content")
    write(tmp_path, with_changed(template, target, msgstr=[""]))
    said = check(tmp_path)
    assert "untranslated: 'Skip to content'" in said
    assert "es/LC_MESSAGES/django.po:" in said


def test_a_fuzzy_entry_fails(template, tmp_path):
    target = entry_with(template, lambda entry: entry.msgid == "Skip to content")
    write(tmp_path, with_changed(template, target, flags={"fuzzy"}))
    assert "fuzzy: 'Skip to content' needs a translator's check" in check(tmp_path)


def test_a_fuzzy_header_fails(template, tmp_path):
    write(tmp_path, good(template), header_fuzzy=True)
    assert "the header is marked fuzzy, so msgfmt ignores it" in check(tmp_path)


def test_a_placeholder_renamed_in_the_translation_fails(template, tmp_path):
    target = entry_with(template, lambda entry: "%(names)s" in entry.msgid)
    write(tmp_path, with_changed(template, target, msgstr=["Elige uno de estos idiomas: %(languages)s."]))
    said = check(tmp_path)
    assert (
        "placeholders of 'Choose one of the languages offered: %(names)s.': "
        "msgstr has %(languages) where msgid has %(names)" in said
    )


def test_a_placeholder_dropped_from_the_translation_fails(template, tmp_path):
    target = entry_with(template, lambda entry: "%(names)s" in entry.msgid)
    write(tmp_path, with_changed(template, target, msgstr=["Elige uno de los idiomas ofrecidos."]))
    assert "msgstr has no placeholder where msgid has %(names)" in check(tmp_path)


def test_what_msgfmt_rejects_fails(template, tmp_path):
    target = entry_with(template, lambda entry: entry.msgid == "Skip to content")
    write(tmp_path, with_changed(template, target, msgstr=["Saltar al contenido\n"]))
    assert "msgfmt: " in check(tmp_path)
    assert "end with '\\n'" in check(tmp_path)


def test_plural_forms_may_leave_out_the_count_in_one_form_but_not_in_all():
    entry = translations.Entry(
        msgid="One reply",
        msgid_plural="%(count)s replies",
        msgstr=["Una respuesta", "%(count)s respuestas"],
        flags={"python-format"},
    )
    assert translations.placeholder_problem(entry) is None
    assert "no plural form uses %(count)" in translations.placeholder_problem(
        replace(entry, msgstr=["Una respuesta", "Varias respuestas"])
    )


def test_an_english_plural_the_same_as_its_singular_fails_with_what_to_do(template, tmp_path, monkeypatch):
    same = Entry(
        msgid="All %(counter)s threads here",
        msgid_plural="All %(counter)s threads here",
        flags={"python-format"},
        locations=["templates/example.html"],
    )
    entries = [*template, same]
    pot = write_catalogue(tmp_path / "template" / "django.pot", entries, language="")
    monkeypatch.setattr(translations, "templates", lambda: nullcontext({"django": pot}))
    write(tmp_path, good(entries))

    said = check(tmp_path)

    assert "'All %(counter)s threads here' has the same English singular and plural" in said
    assert "make it a plain string if no language's grammar follows the number" in said
    assert said.count("threads here' has the same") == 1  # once, not once per language
