"""The translation catalogues: how they are made from the code, and what makes one fit to ship.

One place for the options the catalogues are made with: `make messages` (the update_translations
command) writes the catalogues with them, `make lint` (check_translations) makes the template the
same way into a temporary directory and compares each shipped language's catalogue with it, and
the tests' pseudo-locale (tests/test_translations_complete.py) is made from the same template.
"""

import contextlib
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.commands import makemessages
from django.test.utils import override_settings

# The domains and the files each is made from: the server's strings, and the scripts' (served by
# Django's JavaScript catalogue once a script asks for one).
DOMAINS = {"django": ["html", "txt", "py"], "djangojs": ["js"]}

# Directories whose strings are not the site's: the tests and tools, the benchmark app, the
# collected and generated files, and the catalogues themselves (makemessages would otherwise
# take a `locale` directory it walks past as the home of the files beside it).
IGNORED = [
    "locale",
    "tests",
    "tools",
    "bench",
    "docs",
    "var",
    "staticfiles",
    "test-artifacts",
    "node_modules",
    # The pinned requirements: text files at the root, not templates (a .txt is read as one).
    "requirements*.txt",
]

# A location per file, not per line: translators see where a string is used, and moving code
# within a file does not rewrite the catalogues. No obsolete entries: a string gone from the code
# is gone from the catalogue.
MAKEMESSAGES_OPTIONS = {
    "ignore_patterns": IGNORED,
    "add_location": "file",
    "no_obsolete": True,
    "no_wrap": True,
}

MSGFMT_INSTALL_HINT = (
    "GNU gettext (msgfmt, xgettext, msgmerge) is needed to make and compile the translation "
    "catalogues: apt-get install gettext (Debian, Ubuntu), brew install gettext (macOS), "
    "dnf install gettext (Fedora)."
)


class MakeMessages(makemessages.Command):
    """makemessages that puts every string in the first of LOCALE_PATHS. Django's also counts a
    `locale` directory in the current directory as a home for the files under it, which would
    send the check's template into the real catalogues' directory instead of its own."""

    def build_potfiles(self):
        self.locale_paths = [self.default_locale_path]
        return super().build_potfiles()


def shipped_languages() -> list[str]:
    """Every language of settings.LANGUAGES but the one the code is written in."""
    return [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def gettext_available() -> bool:
    return all(shutil.which(program) for program in ("xgettext", "msgfmt", "msgmerge", "msgattrib"))


def update_catalogues(*, languages: list[str], verbosity: int = 1) -> None:
    """What `make messages` does: bring each language's catalogues up to date with the code."""
    with contextlib.chdir(settings.BASE_DIR):
        for domain, extensions in DOMAINS.items():
            call_command(
                MakeMessages(),
                locale=languages,
                domain=domain,
                extensions=extensions,
                verbosity=verbosity,
                **MAKEMESSAGES_OPTIONS,
            )


def build_templates(directory: Path) -> dict[str, Path]:
    """Make the catalogue templates (`<domain>.pot`) of the current code in `directory`, as
    `make messages` would; a domain with no string yet has no template."""
    directory.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(settings.BASE_DIR), override_settings(LOCALE_PATHS=[str(directory)]):
        for domain, extensions in DOMAINS.items():
            call_command(
                MakeMessages(),
                all=True,  # every language in `directory`, which holds none: only the template
                keep_pot=True,
                domain=domain,
                extensions=extensions,
                verbosity=0,
                **MAKEMESSAGES_OPTIONS,
            )
    return {
        domain: directory / f"{domain}.pot" for domain in DOMAINS if (directory / f"{domain}.pot").exists()
    }


@contextlib.contextmanager
def templates() -> Iterator[dict[str, Path]]:
    with tempfile.TemporaryDirectory(prefix="stepwise-messages-") as directory:
        yield build_templates(Path(directory))


# --- Reading catalogues --------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)  # one, or one per plural form
    flags: set[str] = field(default_factory=set)
    locations: list[str] = field(default_factory=list)
    is_obsolete: bool = False
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def is_translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr)

    def describe(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"{self.msgid!r}{context}"


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+"(.*)"\s*$')
_CONTINUATION = re.compile(r'^"(.*)"\s*$')
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda match: _ESCAPES.get(match.group(1), match.group(0)), text)


def read_catalogue(path: Path) -> list[Entry]:
    """The entries of a .po or .pot file, the obsolete (`#~`) ones marked as such."""
    entries: list[Entry] = []
    entry = Entry(msgid="")
    current = ""  # the keyword the last string belonged to

    def finish():
        nonlocal entry, current
        if entry.line:  # it had a msgid, not only comments
            entries.append(entry)
        entry, current = Entry(msgid=""), ""

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            continue
        starts_another = line.startswith("#") or line.startswith(("msgctxt ", "msgid "))
        if starts_another and current.startswith("msgstr"):
            finish()
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
        elif line.startswith("#:"):
            entry.locations += line[2:].split()
        elif line.startswith("#"):
            continue
        elif keyword := _KEYWORD.match(line):
            current, value = keyword.group(1), _unescape(keyword.group(2))
            if not entry.line:
                entry.line, entry.is_obsolete = number, obsolete
            if current == "msgctxt":
                entry.msgctxt = value
            elif current == "msgid":
                entry.msgid = value
            elif current == "msgid_plural":
                entry.msgid_plural = value
            else:
                entry.msgstr.append(value)
        elif (continuation := _CONTINUATION.match(line)) and current:
            value = _unescape(continuation.group(1))
            if current == "msgctxt":
                entry.msgctxt += value
            elif current == "msgid":
                entry.msgid += value
            elif current == "msgid_plural":
                entry.msgid_plural += value
            else:
                entry.msgstr[-1] += value
    finish()
    return entries


# --- Checking a catalogue against the template ---------------------------------------------

_PYTHON_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0\- +]*(?:\d+|\*)?(?:\.\d+)?([diouxXeEfFgGcrsa%])")
_BRACE_PLACEHOLDER = re.compile(r"(?<!\{)\{(\w*)(?:[!:][^{}]*)?\}(?!\})")


def placeholders(text: str, flags: set[str]) -> list[str]:
    """The placeholders a string is formatted with: `%(name)s` by name, `%s` by position and
    type, `{name}` in brace-format strings; sorted, so that two lists compare as multisets."""
    found = []
    if "python-format" in flags:
        for name, conversion in _PYTHON_PLACEHOLDER.findall(text):
            if conversion != "%":
                found.append(f"%({name})" if name else f"%{conversion}")
    if "python-brace-format" in flags:
        found += ["{" + name + "}" for name in _BRACE_PLACEHOLDER.findall(text)]
    return sorted(found)


def placeholder_problem(entry: Entry) -> str | None:
    if not entry.is_translated:
        return None
    expected = placeholders(entry.msgid, entry.flags)
    if entry.msgid_plural is None:
        got = placeholders(entry.msgstr[0], entry.flags)
        if got != expected:
            return f"msgstr has {', '.join(got) or 'no placeholder'} where msgid has {', '.join(expected) or 'none'}"
        return None
    allowed = set(expected) | set(placeholders(entry.msgid_plural, entry.flags))
    used: set[str] = set()
    for index, text in enumerate(entry.msgstr):
        forms = set(placeholders(text, entry.flags))
        if forms - allowed:
            return f"msgstr[{index}] has {', '.join(sorted(forms - allowed))}, which the msgid does not"
        used |= forms
    if allowed - used:
        return f"no plural form uses {', '.join(sorted(allowed - used))}"
    return None


def check_catalogue(template: Path, catalogue: Path, *, shown_as: str) -> list[str]:
    """Every way `catalogue` is not fit to ship against `template`, one line each."""
    if not catalogue.exists():
        return [f"{shown_as}: no catalogue; `make messages` makes it, then translate every entry"]
    wanted = {entry.key: entry for entry in read_catalogue(template) if not entry.is_header}
    entries = read_catalogue(catalogue)
    problems = []
    have = {}
    for entry in entries:
        where = f"{shown_as}:{entry.line}"
        if entry.is_header:
            if "fuzzy" in entry.flags:
                problems.append(
                    f"{where}: the header is marked fuzzy, so msgfmt ignores it (and its Plural-Forms)"
                )
            continue
        if entry.is_obsolete:
            problems.append(
                f"{where}: obsolete entry {entry.describe()} left commented out; `make messages` drops it"
            )
            continue
        have[entry.key] = entry
        if entry.key not in wanted:
            problems.append(f"{where}: obsolete: {entry.describe()} is no longer in the code")
            continue
        if (entry.msgid_plural is None) != (wanted[entry.key].msgid_plural is None):
            problems.append(
                f"{where}: out of date: {entry.describe()} changed to or from a plural in the code"
            )
        if "fuzzy" in entry.flags:
            problems.append(
                f"{where}: fuzzy: {entry.describe()} needs a translator's check (then remove 'fuzzy')"
            )
        elif not entry.is_translated:
            problems.append(f"{where}: untranslated: {entry.describe()}")
        flags = entry.flags | wanted[entry.key].flags
        problem = placeholder_problem(
            Entry(entry.msgid, entry.msgctxt, entry.msgid_plural, entry.msgstr, flags)
        )
        if problem:
            problems.append(f"{where}: placeholders of {entry.describe()}: {problem}")
    for key, entry in wanted.items():
        if key not in have:
            used_in = ", ".join(entry.locations) or "the code"
            problems.append(
                f"{shown_as}: missing: {entry.describe()} (used in {used_in}); run `make messages`"
            )
    problems += msgfmt_problems(catalogue)
    return problems


def msgfmt_problems(catalogue: Path) -> list[str]:
    """What `msgfmt --check` finds: format strings, the header, the domain."""
    result = subprocess.run(
        ["msgfmt", "--check", "--output-file=/dev/null", str(catalogue)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return []
    return [
        f"msgfmt: {line}" for line in result.stderr.splitlines() if line.strip() and "fatal error" not in line
    ]


def identical_plural_problems(template: Path, *, shown_as: str) -> list[str]:
    """English entries whose singular and plural are the same text: either the number changes
    nothing in English (then it may still change the words of another language, and the English
    should say which forms it has) or the plural form was forgotten."""
    return [
        f"{shown_as}: {entry.describe()} has the same English singular and plural: give each its "
        "own words, or make it a plain string if no language's grammar follows the number"
        for entry in read_catalogue(template)
        if entry.msgid_plural is not None and entry.msgid_plural == entry.msgid
    ]


def check(*, locale_dir: Path, languages: list[str], template_files: dict[str, Path]) -> list[str]:
    problems = []
    for domain, template in template_files.items():
        problems += identical_plural_problems(template, shown_as=f"{domain} (the code)")
    for language in languages:
        for domain, template in template_files.items():
            catalogue = locale_dir / language / "LC_MESSAGES" / f"{domain}.po"
            shown_as = _shown(catalogue)
            problems += check_catalogue(template, catalogue, shown_as=shown_as)
        for domain in set(DOMAINS) - set(template_files):
            catalogue = locale_dir / language / "LC_MESSAGES" / f"{domain}.po"
            if catalogue.exists():
                problems.append(f"{_shown(catalogue)}: obsolete: the code has no {domain} strings any more")
    return problems


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(settings.BASE_DIR))
    except ValueError:
        return str(path)
