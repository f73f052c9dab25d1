"""No English left: every page type and every email, rendered in each language we serve, shows
no string of the catalogue in English; rendered in a pseudo-locale, it shows no English text that
is not in the catalogue at all.

The pseudo-locale ("xx") is made here from the catalogue template of the current code: every
translation is its English wrapped in ⟦…⟧. On an "xx" page, text outside the brackets is either
a catalogue string rendered outside the active language (translated at import time, say) or a
string nobody marked for translation; user content, names, numbers and dates are allowed. In
Spanish and German, text that is a catalogue string with a different translation means the
translation did not reach the page.

Every part of every page and email is checked: `chrome` (header and footer without the account
menu), `account menu`, each page type's content (its <main> and <title>) by name, and each email
kind by name; a problem names its part.
"""

import gettext
import io
import re
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta
from functools import cache, reduce
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import dates, timezone, translation

from community import notification_emails, outbox
from config import translations
from tests.e2e.test_accessibility import site as site  # noqa: F401 - the sweep's data: one of every page type
from tests.factories import AdminFactory
from tests.html import Element, parse
from tests.translations import compile_catalogue, translated, write_catalogue

pytestmark = pytest.mark.django_db

PSEUDO = "xx"
OPEN, CLOSE = "⟦", "⟧"

# Every run lists what it found in test-artifacts/.
REPORTS = Path(django_settings.BASE_DIR) / "test-artifacts"


def page_types(site) -> list[tuple[str, str, str]]:
    """(part name, visitor, path) for one page of every type."""
    thread, review = site["thread"], site["review"]
    return [
        ("home", "anonymous", "/"),
        ("home", "learner", "/"),
        ("roadmap list", "anonymous", "/roadmaps/"),
        ("map", "anonymous", "/roadmaps/backend/"),
        ("map", "learner", "/roadmaps/backend/"),
        ("topic", "learner", f"/roadmaps/backend/{site['topic'].slug}/"),
        ("thread list", "anonymous", "/discussions/"),
        ("thread", "anonymous", thread.get_absolute_url()),
        ("thread", "mentor", thread.get_absolute_url()),
        ("new thread form", "learner", "/discussions/new/"),
        ("saved threads", "learner", "/discussions/saved/"),
        ("search", "anonymous", "/search/?q=index"),
        ("tags", "anonymous", "/tags/"),
        ("tag", "anonymous", f"/tags/{site['tag'].slug}/"),
        ("profile", "anonymous", f"/u/{site['learner'].username}/"),
        ("profile", "learner", f"/u/{site['learner'].username}/"),
        ("settings", "learner", "/settings/"),
        ("notification settings", "learner", "/settings/notifications/"),
        ("api tokens", "learner", "/settings/tokens/"),
        ("notifications", "learner", "/notifications/"),
        ("login", "anonymous", "/accounts/login/"),
        ("signup", "anonymous", "/accounts/signup/"),
        ("email addresses", "learner", "/accounts/email/"),
        ("password change", "learner", "/accounts/password/change/"),
        ("mentors", "anonymous", "/mentors/"),
        ("review request form", "learner", f"/reviews/new/backend/{site['request_topic'].slug}/"),
        ("review request", "learner", review.get_absolute_url()),
        ("mentor desk", "mentor", "/mentor/"),
        ("moderation queue", "mentor", "/mod/"),
        ("audit log", "mentor", "/mod/log/"),
        ("tag moderation", "mentor", "/mod/tags/"),
        ("member moderation", "mentor", f"/mod/users/{site['learner'].username}/"),
        ("insights", "mentor", "/insights/"),
        ("unsubscribe", "anonymous", site["unsubscribe"]),
        ("error 404", "anonymous", "/no-such-page/"),
        ("error 403", "learner", "/mod/"),
        ("error 400", "anonymous", "/search/?q=%00"),
    ]


def admin_pages(site) -> list[tuple[str, str, str]]:
    """(part name, visitor, path) for the admin's own labels: a change list, and the change form
    of one model of each app (field labels, model and app names, choices, help texts)."""
    return [
        ("admin change list", "admin", reverse("admin:community_thread_changelist")),
        ("admin change form", "admin", reverse("admin:accounts_user_change", args=[site["learner"].pk])),
        ("admin change form", "admin", reverse("admin:roadmap_topic_change", args=[site["topic"].pk])),
        ("admin change form", "admin", reverse("admin:community_thread_change", args=[site["thread"].pk])),
    ]


API_ERRORS = [  # (part name, visitor, method, path, data)
    ("api error 404", "anonymous", "get", "/api/v1/threads/999999/", None),
    ("api error 401", "anonymous", "get", "/api/v1/me/", None),
    ("api error 400", "learner", "post", "/api/v1/threads/", {"title": "", "body": ""}),
]


# --- Catalogues ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template():
    with translations.templates() as files:
        return [entry for path in files.values() for entry in translations.read_catalogue(path)]


@pytest.fixture(scope="module")
def locale_dir(tmp_path_factory, template) -> Path:
    """The pseudo-locale made from the template, and the shipped catalogues as they are in
    locale/ now (compiled here, so that a stale .mo cannot hide a change)."""
    directory = tmp_path_factory.mktemp("locale")
    pseudo = directory / PSEUDO / "LC_MESSAGES" / "django.po"
    write_catalogue(pseudo, translated(template, lambda text: f"{OPEN}{text}{CLOSE}"), language=PSEUDO)
    compile_catalogue(pseudo)
    for language in translations.shipped_languages():
        shipped = Path(django_settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"
        if shipped.exists():
            copy = directory / language / "LC_MESSAGES" / "django.po"
            copy.parent.mkdir(parents=True)
            copy.write_bytes(shipped.read_bytes())
            compile_catalogue(copy)
    return directory


@pytest.fixture
def serve_languages(settings, locale_dir):
    settings.LOCALE_PATHS = [str(locale_dir)]
    settings.LANGUAGES = [*settings.LANGUAGES, (PSEUDO, f"{OPEN}Pseudo{CLOSE}")]


def shipped_translations(language: str, locale_dir: Path) -> dict[str, str]:
    """msgid -> msgstr of a shipped language's catalogue (empty when it has none yet)."""
    path = locale_dir / language / "LC_MESSAGES" / "django.po"
    if not path.exists():
        return {}
    return {
        entry.msgid: entry.msgstr[0]
        for entry in translations.read_catalogue(path)
        if entry.msgid and entry.is_translated and "fuzzy" not in entry.flags
    }


@dataclass(frozen=True)
class CatalogueString:
    text: str
    pattern: re.Pattern
    locations: tuple[str, ...]


def readable_pattern(text: str) -> re.Pattern | None:
    """A msgid as it reads on a page (tags gone, placeholders matching anything), or None when
    nothing of it is words: "%(date)s, %(time)s" would match any text at all."""
    readable = " ".join(re.sub(r"<[^>]+>", " ", text).split())
    parts = re.split(PLACEHOLDER, readable)
    if not any(re.search(r"[^\W\d_]", part) for part in parts):
        return None
    return re.compile(".+?".join(map(re.escape, parts)), re.DOTALL)


PLACEHOLDER = r"%\(\w+\)[sd]|%[sd]"


def catalogue_strings(template) -> list[CatalogueString]:
    """Each msgid (and plural) as it reads on a page."""
    found = []
    for entry in template:
        for text in filter(None, (entry.msgid, entry.msgid_plural)):
            if pattern := readable_pattern(text):
                found.append(CatalogueString(entry.msgid, pattern, tuple(entry.locations)))
    return found


def matching(strings: list[CatalogueString], segment: str) -> CatalogueString | None:
    return next((string for string in strings if string.pattern.fullmatch(segment)), None)


# --- What a reader sees --------------------------------------------------------------------

SKIPPED = {"script", "style", "code", "pre", "kbd", "samp", "svg", "template"}
# What people wrote, rendered from Markdown (posts, notes, roadmap content), and a member's initial
# (an avatar: class "avatar", or, beside the member's name, only its colour's data-hue).
USER_WRITTEN = {"prose", "avatar"}
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
SEPARATOR = "\x00"


def part_of(element: Element, page_part: str) -> str:
    if page_part.endswith("email"):
        return page_part
    while element is not None:
        if element.tag in ("main", "head") or "error-page" in element.classes:
            return page_part
        if element.classes & {"account-menu", "nav-icon"}:
            return "account menu"
        element = element.parent
    return "chrome"


def visible(root: Element, page_part: str) -> dict[str, list[str]]:
    """Per part: its text nodes in reading order (one stream, so that a wrapped sentence with a
    link inside stays one span) and the readable attributes, each on its own."""
    streams: dict[str, list[str]] = {}
    attributes: dict[str, list[str]] = {}

    def walk(element: Element):
        if element.tag in SKIPPED or element.classes & USER_WRITTEN or "data-hue" in element.attrs:
            return
        part = part_of(element, page_part)
        for name in ATTRIBUTES:
            if element.attrs.get(name):
                attributes.setdefault(part, []).append(element.attrs[name])
        button_like = element.tag == "button" or element.attrs.get("type") in ("submit", "button", "reset")
        if button_like and element.tag == "input" and element.attrs.get("value"):
            attributes.setdefault(part, []).append(element.attrs["value"])
        for child in element.children:
            if isinstance(child, str):
                if child.strip():
                    streams.setdefault(part, []).append(child)
            else:
                walk(child)

    walk(root)
    return {
        part: unwrapped(SEPARATOR.join(streams.get(part, [])))
        + [segment for value in attributes.get(part, []) for segment in unwrapped(value)]
        for part in set(streams) | set(attributes)
    }


def unwrapped(text: str) -> list[str]:
    """The text outside ⟦…⟧, in segments, whitespace collapsed."""
    previous = None
    while previous != text:
        previous, text = text, re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}", SEPARATOR, text)
    text = text.replace(OPEN, SEPARATOR).replace(CLOSE, SEPARATOR)
    return [" ".join(segment.split()) for segment in text.split(SEPARATOR) if re.search(r"[^\W\d_]", segment)]


# --- What may stay as it is ----------------------------------------------------------------

# Names, not words: the product, the languages in their own names, services and formats, and
# the host the test client asks (which account emails name).
ALLOWED = {
    "Stepwise",
    "English",
    "Español",
    "Deutsch",
    "GitHub",
    "Google",
    "API",
    "RSS",
    "Markdown",
    "JSON",
    "testserver",
}
ADDRESSES = re.compile(r"https?://\S+|\S+@\S+|@[\w.-]+|/[\w/.-]*|#\w+")
LINKS = re.compile(r"https?://\S+")
# What joins names into one line: "Backend · Section 0", "← Topic 1", "BACKEND:", "(Topic 0 ·".
JOINERS = re.compile(r"\s*(?:[·:/←→()“”\[\]|—–-]|,\s)\s*")


@cache
def neutral_words() -> frozenset[str]:
    """Month and weekday names, as Django formats dates (translated by Django's own catalogue)."""
    with translation.override("en"):
        names = [
            str(name)
            for table in (dates.MONTHS, dates.MONTHS_3, dates.MONTHS_AP, dates.MONTHS_ALT, dates.WEEKDAYS)
            for name in table.values()
        ]
    return frozenset(word.lower().strip(".") for name in names for word in name.split()) | {
        "a.m",
        "p.m",
        "utc",
    }


@cache
def time_zone_names() -> frozenset[str]:
    """The IANA names the time zone menus list, as they show them ("America/Los Angeles")."""
    return frozenset(name.replace("_", " ") for name in zoneinfo.available_timezones())


@dataclass(frozen=True)
class ThirdPartyStrings:
    """The strings of Django, allauth, DRF and the other packages: their own catalogues translate
    them into the languages we ship. A msgid with a link in it reads as several segments in a
    row ("please", "sign up", "first."): those are allowed only together, in that order."""

    exact: frozenset[str]
    patterns: tuple[re.Pattern, ...]
    runs: tuple[tuple[re.Pattern, ...], ...]

    def allows(self, segment: str) -> bool:
        return segment in self.exact or any(pattern.fullmatch(segment) for pattern in self.patterns)

    def covered(self, segments: list[str]) -> set[int]:
        """The positions of segments that together read as one of the msgids with tags."""
        covered = set()
        for start in range(len(segments)):
            for run in self.runs:
                end = start + len(run)
                if end <= len(segments) and all(
                    pattern.fullmatch(text) for pattern, text in zip(run, segments[start:end], strict=True)
                ):
                    covered.update(range(start, end))
        return covered


# Where a msgid of a package opens or closes a link: a tag, or allauth's %(link)s … %(end_link)s.
LINK = re.compile(r"<[^>]+>|%\(\w*link\w*\)s")


def _fragment_pattern(text: str) -> re.Pattern:
    return re.compile(".+?".join(map(re.escape, re.split(PLACEHOLDER, text))), re.DOTALL)


@cache
def third_party_strings() -> ThirdPartyStrings:
    msgids = set()
    roots = [Path(translation.__file__).parents[2] / "conf"] + [
        Path(app.path) for app in apps.get_app_configs()
    ]
    for root in roots:
        directory = root / "locale" / "es" / "LC_MESSAGES"
        for source in directory.glob("*.po"):  # the .po holds the plural msgids too
            for entry in translations.read_catalogue(source):
                msgids.update(filter(None, (entry.msgid, entry.msgid_plural)))
        for compiled in directory.glob("*.mo"):
            if compiled.with_suffix(".po").exists():
                continue
            with compiled.open("rb") as file:
                catalog = gettext.GNUTranslations(file)._catalog
            msgids.update((key[0] if isinstance(key, tuple) else key).split("\x04")[-1] for key in catalog)
    exact, patterns, runs = set(), [], []
    for msgid in msgids:
        fragments = [" ".join(part.split()) for part in re.split(LINK, msgid)]
        fragments = [fragment for fragment in fragments if re.search(r"[^\W\d_]", fragment)]
        if len(fragments) > 1:
            runs.append(tuple(_fragment_pattern(fragment) for fragment in fragments))
        elif fragments and re.search(PLACEHOLDER, fragments[0]):
            if readable_pattern(fragments[0]):
                patterns.append(_fragment_pattern(fragments[0]))
        elif fragments:
            exact.add(fragments[0])
    return ThirdPartyStrings(frozenset(exact), tuple(patterns), tuple(runs))


@dataclass(frozen=True)
class UserContent:
    """Every text any model row holds (titles, bodies, names, tags), to tell what people wrote
    from the interface: `text` for a segment inside a body, `values` for whole names."""

    text: str
    values: frozenset[str]


def user_content() -> UserContent:
    texts = []
    for model in apps.get_models():
        if model._meta.app_label not in ("accounts", "roadmap", "community", "sites"):
            continue
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if field.get_internal_type() in ("CharField", "TextField", "SlugField", "EmailField")
        ]
        if fields:
            for row in model.objects.values_list(*fields):
                texts += [" ".join(str(value).split()) for value in row if value]
    lines = [line.strip(" #*>-") for text in texts for line in text.splitlines()]
    values = {
        value.casefold().rstrip(".!?:")
        for text in texts + lines
        for value in (text, *JOINERS.split(text))
        if value
    }
    return UserContent("\n".join(texts), frozenset(values))


def is_name(piece: str, content: UserContent) -> bool:
    """A piece of a line that is not a sentence of ours: a name stored in the database, a
    number, a date, an address, a time zone."""
    if piece in ALLOWED or piece in time_zone_names() or piece.casefold().rstrip(".!?:") in content.values:
        return True
    words = re.findall(r"[^\W\d_][\w.']*", ADDRESSES.sub(" ", piece))
    return all(word.lower().strip(".'") in neutral_words() or word in ALLOWED for word in words)


def is_allowed(segment: str, content: UserContent) -> bool:
    inside_a_body = len(segment.split()) >= 4 and segment in content.text  # a short one could be a label
    if inside_a_body or third_party_strings().allows(segment) or is_name(segment, content):
        return True
    pieces = [piece for piece in JOINERS.split(LINKS.sub(" ", segment)) if piece.strip(" .,;!?")]
    return all(
        is_name(piece.strip(" .,;!?"), content) or third_party_strings().allows(piece) for piece in pieces
    )


@cache
def sources() -> dict[str, str]:
    base = Path(django_settings.BASE_DIR)
    files = [*base.glob("templates/**/*.html"), *base.glob("templates/**/*.txt")]
    files += [
        path
        for app in ("accounts", "roadmap", "community", "config")
        for path in (base / app).glob("**/*.py")
    ]
    return {str(path.relative_to(base)): " ".join(path.read_text(encoding="utf-8").split()) for path in files}


def written_in(segment: str) -> str:
    """The files whose source holds the segment (or its first words), to say where to mark it."""
    probe = segment[:40]
    found = [name for name, source in sources().items() if probe in source]
    return ", ".join(found[:4]) or "not found in the templates or code: built from parts?"


# --- Rendering -----------------------------------------------------------------------------


@dataclass
class Rendered:
    part: str
    where: str  # the visitor and path, or the email
    root: Element | None = None
    texts: tuple[str, ...] = ()


# A label's language suffix on a field translated per language (modeltranslation's "title [es]").
LANGUAGE_SUFFIX = re.compile(r"\s*\[[\w-]+\]$")


def admin_labels(root: Element) -> tuple[str, ...]:
    """The admin's own labels on a change list or form: the app and model names of the
    breadcrumbs, the column headers, field labels and help texts. The rest of an admin page is
    Django's (its catalogues translate it), the permissions' names stored in English, or the
    objects' names. A label of a package's field (Django's "groups", "last login") counts as the
    package's, as Django shows it: capitalised, with a colon, its help text joined with the
    admin's own hint on a list to choose from."""
    texts = [crumb for trail in root.find_all("div", class_="breadcrumbs") for crumb in trail.text.split("›")]
    texts += [header.text for head in root.find_all("thead") for header in head.find_all("th")]
    texts += [element.text for element in [*root.find_all("label"), *root.find_all("div", class_="help")]]
    labels = []
    for text in texts:
        text = LANGUAGE_SUFFIX.sub("", " ".join(text.split()).removesuffix(":"))
        if len(text) > 40:  # a help text: take out the packages' sentences in it
            text = " ".join(
                reduce(lambda rest, msgid: rest.replace(msgid, " "), long_package_strings(text), text).split()
            )
        if text and not third_party_strings().allows(text[:1].lower() + text[1:]):
            labels.append(text)
    return tuple(labels)


def long_package_strings(text: str) -> list[str]:
    """The packages' sentences found in a text, longest first."""
    found = [msgid for msgid in third_party_strings().exact if len(msgid) > 20 and msgid in text]
    return sorted(found, key=len, reverse=True)


def client_for(visitor: str, site, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if visitor == "admin" and "admin" not in site:
        site["admin"] = AdminFactory(username="admin", display_name="An admin")
    if visitor != "anonymous":
        site[visitor].language = language
        site[visitor].save(update_fields=["language"])
        client.force_login(site[visitor])
    return client


def rendered_pages(site, language: str) -> list[Rendered]:
    pages = []
    for part, visitor, path in page_types(site):
        joiner = "&" if "?" in path else "?"
        response = client_for(visitor, site, language).get(f"{path}{joiner}lang={language}")
        assert response.status_code < 500, f"{path} as {visitor}: {response.status_code}"
        pages.append(Rendered(part, f"{visitor} {path}", root=parse(response.content.decode())))
    for part, visitor, path in admin_pages(site):
        response = client_for(visitor, site, language).get(path)
        assert response.status_code == 200, f"{path} as {visitor}: {response.status_code}"
        pages.append(
            Rendered(part, f"{visitor} {path}", texts=admin_labels(parse(response.content.decode())))
        )
    for part, visitor, method, path, data in API_ERRORS:
        client = client_for(visitor, site, language)
        response = getattr(client, method)(path, data, content_type="application/json")
        assert response.status_code >= 400, f"{method} {path}: {response.status_code}"
        error = response.json()["error"]
        texts = [error["message"]] + [
            message for messages in error.get("fields", {}).values() for message in messages
        ]
        pages.append(Rendered(part, f"{visitor} {method.upper()} {path}", texts=tuple(texts)))
    return pages


def rendered_emails(site, language: str, settings) -> list[Rendered]:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for member in (site["learner"], site["mentor"]):
        member.language = language
        member.save(update_fields=["language"])
    emails = []

    def collect(part):
        for message in mail.outbox:
            html = next(
                (body for body, kind in getattr(message, "alternatives", []) if kind == "text/html"), None
            )
            where = f"to {message.to[0]}: {message.subject[:60]}"
            paragraphs = re.split(r"\n\s*\n", message.body)  # a sentence may wrap over lines
            emails.append(Rendered(part, where, texts=(message.subject, *paragraphs)))
            if html:
                emails.append(Rendered(part, where + " (HTML)", root=parse(html)))
        mail.outbox.clear()

    mail.outbox.clear()
    call_command("send_digests", user=[site["learner"].username], now=True, stdout=io.StringIO())
    collect("digest email")
    outbox.drain()
    notification_emails.send_due(now=timezone.now() + timedelta(days=1))
    collect("notification email")
    Client(HTTP_ACCEPT_LANGUAGE=language).post(
        f"/accounts/password/reset/?lang={language}", {"email": site["learner"].email}
    )
    collect("account email")
    return emails


# --- The check -----------------------------------------------------------------------------


def problems_in(rendered: Rendered, *, language, strings, shipped, content) -> list[tuple[str, str]]:
    """(part, line) for every problem in one page or email."""
    if rendered.root is not None:
        segments = visible(rendered.root, rendered.part)
    else:
        segments = {rendered.part: [s for text in rendered.texts for s in unwrapped(text)]}
    found = []
    stored = set(content.text.split("\n"))
    for part, texts in segments.items():
        by_packages = third_party_strings().covered(texts) if language == PSEUDO else set()
        texts = [text for index, text in enumerate(texts) if index not in by_packages]
        for segment in dict.fromkeys(texts):
            if segment in stored:
                continue  # text stored in the database (a tag's description) is not the interface's
            if language == PSEUDO and third_party_strings().allows(segment):
                continue  # a package's own string: its catalogue translates it in a shipped language
            string = matching(strings, segment)
            if language == PSEUDO:
                if string:
                    problem = (
                        f"a catalogue string (used in {', '.join(string.locations)}) shown in English here: "
                        "not marked in this place, or translated outside the active language"
                    )
                elif not is_allowed(segment, content):
                    problem = f"not in the catalogue: mark it ({written_in(segment)})"
                else:
                    continue
            elif string and shipped.get(string.text, "") != string.text:
                problem = (
                    "left in English: "
                    + (
                        "the catalogue translates it"
                        if shipped.get(string.text)
                        else "the catalogue has no translation"
                    )
                    + f" (used in {', '.join(string.locations)})"
                )
            else:
                continue
            found.append((part, f"[{part}] {segment!r}: {problem}"))
    return found


def where_shown(wheres: list[str]) -> str:
    return wheres[0] if len(wheres) == 1 else f"on {len(wheres)} pages or emails, first {wheres[0]}"


@pytest.mark.parametrize(
    "language",
    [PSEUDO, *translations.shipped_languages()],
    ids=lambda code: {PSEUDO: "pseudo"}.get(code, code),
)
def test_every_page_and_email_shows_no_english_left(
    site,
    settings,
    serve_languages,
    locale_dir,
    template,
    language,  # noqa: F811
):
    strings = catalogue_strings(template)
    shipped = shipped_translations(language, locale_dir) if language != PSEUDO else {}
    content = user_content()
    everything = rendered_pages(site, language) + rendered_emails(site, language, settings)
    assert any(rendered.part == "digest email" for rendered in everything), "the learner's digest was sent"
    seen: dict[str, list[str]] = {}  # problem -> where it shows
    for rendered in everything:
        for _part, line in problems_in(
            rendered, language=language, strings=strings, shipped=shipped, content=content
        ):
            seen.setdefault(line, []).append(rendered.where)
    lines = {line: f"{line} — {where_shown(wheres)}" for line, wheres in seen.items()}
    failing = list(lines.values())
    report = REPORTS / f"untranslated-{language}.txt"
    report.parent.mkdir(exist_ok=True)
    report.write_text("".join(f"{line}\n" for line in failing))
    assert not failing, f"{len(failing)} English string(s) on {language} pages and emails:\n" + "\n".join(
        failing
    )
