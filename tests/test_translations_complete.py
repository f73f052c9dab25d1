"""No English left: every page type and every email, rendered in each language we serve, shows
no string of the catalogue in English; rendered in a pseudo-locale, it shows no English text that
is not in the catalogue at all.

The pseudo-locale ("xx") is made here from the catalogue template of the current code: every
translation is its English wrapped in ⟦…⟧. On an "xx" page, text outside the brackets is either
a catalogue string rendered outside the active language (translated at import time, say) or a
string nobody marked for translation; user content, names, numbers and dates are allowed. In
Spanish and German, text that is a catalogue string with a different translation means the
translation did not reach the page.

Pages and emails are checked by part: `chrome` (header and footer without the account menu),
`account menu`, each page type's content (its <main> and <title>) by name, and each email kind
by name. PARTS_MARKED lists the parts whose strings are all marked: problems there fail the
test; the rest are reported only with `pytest --translation-scope=all`, which checks everything.
Add a part's name to PARTS_MARKED once its strings are marked (docs/translating.md).
"""

import gettext
import io
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import dates, timezone, translation

from community import notification_emails, outbox
from config import translations
from tests.e2e.test_accessibility import site as site  # noqa: F401 - the sweep's data: one of every page type
from tests.html import Element, parse
from tests.translations import compile_catalogue, translated, write_catalogue

pytestmark = pytest.mark.django_db

PSEUDO = "xx"
OPEN, CLOSE = "⟦", "⟧"

PARTS_MARKED = {"chrome"}

# Every run lists what it found, in the marked parts and outside them, in test-artifacts/.
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


def catalogue_strings(template) -> list[CatalogueString]:
    """Each msgid (and plural) as it reads on a page: tags gone, placeholders matching anything."""
    found = []
    for entry in template:
        for text in filter(None, (entry.msgid, entry.msgid_plural)):
            readable = " ".join(re.sub(r"<[^>]+>", " ", text).split())
            parts = re.split(r"%\(\w+\)[sd]|%[sd]", readable)
            pattern = re.compile(".+?".join(map(re.escape, parts)), re.DOTALL)
            found.append(CatalogueString(entry.msgid, pattern, tuple(entry.locations)))
    return found


def matching(strings: list[CatalogueString], segment: str) -> CatalogueString | None:
    return next((string for string in strings if string.pattern.fullmatch(segment)), None)


# --- What a reader sees --------------------------------------------------------------------

SKIPPED = {"script", "style", "code", "pre", "kbd", "samp", "svg", "template"}
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
        if element.tag in SKIPPED:
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

ALLOWED = {"Stepwise", "English", "Español", "Deutsch", "GitHub", "Google", "API", "RSS", "Markdown", "JSON"}
ADDRESSES = re.compile(r"https?://\S+|\S+@\S+|@[\w.-]+|/[\w/.-]*|#\w+")


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
def third_party_strings() -> frozenset[str]:
    """The strings of Django, allauth, DRF and the other packages: their own catalogues translate
    them into the languages we ship."""
    found = set()
    roots = [Path(translation.__file__).parents[2] / "conf"] + [
        Path(app.path) for app in apps.get_app_configs()
    ]
    for root in roots:
        for compiled in (root / "locale" / "es" / "LC_MESSAGES").glob("*.mo"):
            with compiled.open("rb") as file:
                catalog = gettext.GNUTranslations(file)._catalog
            for key in catalog:
                msgid = key[0] if isinstance(key, tuple) else key
                found.add(" ".join(msgid.split("\x04")[-1].split()))
    return frozenset(found)


def user_content() -> str:
    """Every text any model row holds (titles, bodies, names, tags), to tell what people wrote
    from the interface."""
    texts = []
    for model in apps.get_models():
        if model._meta.app_label not in ("accounts", "roadmap", "community"):
            continue
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if field.get_internal_type() in ("CharField", "TextField", "SlugField", "EmailField")
        ]
        if fields:
            for row in model.objects.values_list(*fields):
                texts += [" ".join(str(value).split()) for value in row if value]
    return "\n".join(texts)


def is_allowed(segment: str, content: str) -> bool:
    if segment in ALLOWED or segment in third_party_strings() or segment in content:
        return True
    words = re.findall(r"[^\W\d_][\w.']*", ADDRESSES.sub(" ", segment))
    return all(word.lower().strip(".'") in neutral_words() or word in ALLOWED for word in words)


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


def client_for(visitor: str, site, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
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
            emails.append(Rendered(part, where, texts=(message.subject, *message.body.splitlines())))
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
    stored = set(content.split("\n"))
    for part, texts in segments.items():
        for segment in dict.fromkeys(texts):
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
            elif segment in stored:
                continue  # text stored in the database (a tag's description) is not the interface's
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
    request,
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
    # The shipped languages are checked on every page and email; the pseudo-locale, which also
    # finds strings never marked, only on the parts known to be marked so far (PARTS_MARKED).
    check_all = language != PSEUDO or request.config.getoption("translation_scope") == "all"
    seen: dict[str, list[str]] = {}  # problem -> where it shows
    for rendered in everything:
        for _part, line in problems_in(
            rendered, language=language, strings=strings, shipped=shipped, content=content
        ):
            seen.setdefault(line, []).append(rendered.where)
    lines = {line: f"{line} — {where_shown(wheres)}" for line, wheres in seen.items()}
    failing = [shown for line, shown in lines.items() if check_all or line[1:].split("]")[0] in PARTS_MARKED]
    reported = [shown for shown in lines.values() if shown not in failing]
    report = REPORTS / f"untranslated-{language}.txt"
    report.parent.mkdir(exist_ok=True)
    report.write_text("\n".join(["# failing", *failing, "# outside PARTS_MARKED", *reported]) + "\n")
    assert not failing, (
        f"{len(failing)} English string(s) on {language} pages and emails "
        f"(parts checked: {'all' if check_all else ', '.join(sorted(PARTS_MARKED))}):\n" + "\n".join(failing)
    )
