"""Catalogues made in tests: written from entries (config.translations.read_catalogue's) with a
translation function, and compiled with msgfmt, as a shipped catalogue would be."""

import subprocess
from collections.abc import Callable
from pathlib import Path

from config.translations import Entry

HEADER = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Language: {language}\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"
"""


def quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def render_entry(entry: Entry) -> str:
    lines = []
    if entry.locations:
        lines.append("#: " + " ".join(entry.locations))
    if entry.flags:
        lines.append("#, " + ", ".join(sorted(entry.flags)))
    prefix = "#~ " if entry.is_obsolete else ""
    if entry.msgctxt is not None:
        lines.append(f"{prefix}msgctxt {quote(entry.msgctxt)}")
    lines.append(f"{prefix}msgid {quote(entry.msgid)}")
    if entry.msgid_plural is None:
        lines.append(f"{prefix}msgstr {quote(entry.msgstr[0] if entry.msgstr else '')}")
    else:
        lines.append(f"{prefix}msgid_plural {quote(entry.msgid_plural)}")
        lines += [f"{prefix}msgstr[{index}] {quote(text)}" for index, text in enumerate(entry.msgstr)]
    return "\n".join(lines) + "\n"


def translated(entries: list[Entry], translate: Callable[[str], str]) -> list[Entry]:
    """The template's entries, each translated by `translate` (both plural forms too)."""
    return [
        Entry(
            msgid=entry.msgid,
            msgctxt=entry.msgctxt,
            msgid_plural=entry.msgid_plural,
            msgstr=[translate(entry.msgid)]
            if entry.msgid_plural is None
            else [translate(entry.msgid), translate(entry.msgid_plural)],
            flags=entry.flags - {"fuzzy"},
            locations=entry.locations,
        )
        for entry in entries
        if not entry.is_header
    ]


def write_catalogue(path: Path, entries: list[Entry], *, language: str, header_fuzzy: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = ("#, fuzzy\n" if header_fuzzy else "") + HEADER.format(language=language)
    path.write_text("\n".join([header, *map(render_entry, entries)]), encoding="utf-8")
    return path


def compile_catalogue(path: Path) -> Path:
    compiled = path.with_suffix(".mo")
    subprocess.run(["msgfmt", "--check", "--output-file", str(compiled), str(path)], check=True)
    return compiled
