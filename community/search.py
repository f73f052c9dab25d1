"""Search over published threads and roadmap topics, for the /search/ page.

On PostgreSQL it is full-text search: ranked, stemmed, with web-search syntax ("a phrase",
-excluded, or). Thread vectors are kept by a trigger and GIN-indexed (migration 0002); the few
hundred topics are vectorised at query time. Other databases (SQLite in development) fall back
to a contains-match on every word.

Headlines are the only HTML this module produces: they are cut from the text of the rendered
body (body_html without its tags, so no Markdown or HTML syntax shows), the text is always
escaped, and only the highlight markers become <mark> elements, so templates may render them
with |safe.
"""

import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import reduce

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, Func, IntegerField, Q, TextField, Value, When
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from community import caches
from community.models import Thread
from roadmap.models import Topic

MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 200
# A query that clean_query keeps at least MIN_QUERY_LENGTH characters of: that many characters
# that are neither whitespace nor control characters (the API's schema states it as a pattern).
SEARCHABLE_QUERY = rf"^(?:[\s\S]*[^\s\x00-\x1f\x7f-\x9f]){{{MIN_QUERY_LENGTH}}}"
EXCERPT_LENGTH = 200

# Control characters: cleaning removes them from every query, so a query can never forge one.
MARK_START, MARK_STOP = "\u0002", "\u0003"
MARKERS = re.compile(f"({MARK_START}|{MARK_STOP})")

# The text of rendered (sanitised) HTML: block elements part words, inline ones do not (a
# highlighted `create_order(` stays one word). Written for both Python's and PostgreSQL's
# regular expressions. The text between tags stays entity-encoded, as ts_headline needs it.
BLOCK_TAG = r"</?(?:p|div|pre|li|ul|ol|h[1-6]|blockquote|br|hr|table|thead|tbody|tr|td|th)(?=[\s/>])[^>]*>"
ANY_TAG = r"<[^>]*>"


def plain_text(body_html: str) -> str:
    """The text a reader sees of rendered HTML, decoded."""
    return html.unescape(re.sub(ANY_TAG, "", re.sub(BLOCK_TAG, " ", body_html)))


class _RegexpReplace(Func):
    function = "regexp_replace"
    output_field = TextField()


@dataclass
class SearchResults:
    query: str
    threads: list[Thread] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    message: str = ""
    searched: bool = False

    @property
    def has_results(self) -> bool:
        return bool(self.threads or self.topics)


def search(*, query: str, viewer, limit: int = 20) -> SearchResults:
    """Published threads and published topics matching `query`, best first, each with a
    `.headline` (safe HTML). Everyone, `viewer` included, searches published content only:
    hidden threads stay out of search even for their authors and mentors."""
    cleaned, notes = clean_query(query)
    if len(cleaned) < MIN_QUERY_LENGTH:
        notes.append(
            "Type a word or two to search discussions and roadmap topics."
            if not cleaned
            else f"Type at least {MIN_QUERY_LENGTH} characters to search."
        )
        return SearchResults(query=cleaned, message=" ".join(notes))
    threads, topics = caches.SEARCH_RESULTS.get(query=cleaned, limit=limit)
    return SearchResults(
        query=cleaned, threads=threads, topics=topics, message=" ".join(notes), searched=True
    )


def run_search(*, query: str, limit: int) -> tuple[list[Thread], list[Topic]]:
    """The matches for a cleaned query, shared by everyone (only published content is
    searched) and cached as caches.SEARCH_RESULTS until any thread or roadmap changes:
    popular queries cost one search per change, not one per visitor."""
    if connection.vendor == "postgresql":
        return _full_text_search(query, limit)
    return _contains_search(query, limit)


def clean_query(raw: str) -> tuple[str, list[str]]:
    """The query as searched (control characters dropped, whitespace collapsed, capped) and
    the notes that tell the user what changed."""
    raw = raw or ""
    notes = []
    kept = "".join(
        character
        for character in raw
        if character.isspace() or unicodedata.category(character) not in {"Cc", "Cs"}
    )
    if len(kept) != len(raw):
        notes.append("We left out characters that cannot be searched for.")
    cleaned = " ".join(kept.split())
    if len(cleaned) > MAX_QUERY_LENGTH:
        cleaned = cleaned[:MAX_QUERY_LENGTH].rstrip()
        notes.append(f"Your search was long; we used its first {MAX_QUERY_LENGTH} characters.")
    return cleaned, notes


def _published_threads():
    return Thread.objects.published().select_related("author", "topic__roadmap").prefetch_related("tags")


def _published_topics():
    return Topic.objects.published().select_related("roadmap")


# PostgreSQL -------------------------------------------------------------------------------


def _full_text_search(query: str, limit: int) -> tuple[list[Thread], list[Topic]]:
    search_query = SearchQuery(query, search_type="websearch", config="english")
    threads = (
        _published_threads()
        .filter(search_vector=search_query)
        .annotate(
            rank=SearchRank(F("search_vector"), search_query),
            headline=_headline("body_html", search_query),
        )
        .defer("body", "body_html", "search_vector")
        .order_by("-rank", "-last_activity_at")[:limit]
    )
    document = SearchVector("title", weight="A", config="english") + SearchVector(
        "body", weight="B", config="english"
    )
    topics = (
        _published_topics()
        .alias(document=document)
        .filter(document=search_query)
        .annotate(rank=SearchRank(F("document"), search_query), headline=_headline("body_html", search_query))
        .defer("body", "body_html")
        .order_by("-rank", "roadmap__position", "position")[:limit]
    )
    threads, topics = list(threads), list(topics)
    for result in (*threads, *topics):
        result.headline = _marked_headline(result.headline)
    return threads, topics


def _headline(field_name: str, search_query: SearchQuery) -> SearchHeadline:
    """ts_headline of the rendered body's text. That text is still entity-encoded (ts_headline
    drops whatever looks like an HTML tag, so a question about `<form>` keeps it), and
    _marked_headline decodes it."""
    without_blocks = _RegexpReplace(F(field_name), Value(BLOCK_TAG), Value(" "), Value("g"))
    encoded = _RegexpReplace(without_blocks, Value(ANY_TAG), Value(""), Value("g"))
    return SearchHeadline(
        encoded,
        search_query,
        config="english",
        start_sel=MARK_START,
        stop_sel=MARK_STOP,
        max_words=35,
        min_words=15,
    )


def _marked_headline(text: str) -> SafeString:
    """Escape the headline and turn its markers into <mark> elements, always balanced (a body
    may itself hold a stray marker character)."""
    parts, is_open = [], False
    for piece in MARKERS.split(text or ""):
        if piece == MARK_START:
            if not is_open:
                parts.append("<mark>")
            is_open = True
        elif piece == MARK_STOP:
            if is_open:
                parts.append("</mark>")
            is_open = False
        else:
            parts.append(escape(html.unescape(piece)))
    if is_open:
        parts.append("</mark>")
    return mark_safe("".join(parts))


# Other databases --------------------------------------------------------------------------


def _contains_search(query: str, limit: int) -> tuple[list[Thread], list[Topic]]:
    words = list(dict.fromkeys(query.split()))
    matches_every_word = reduce(
        lambda condition, word: condition & (Q(title__icontains=word) | Q(body__icontains=word)),
        words,
        Q(),
    )
    title_hits = reduce(
        lambda total, word: (
            total
            + Case(When(title__icontains=word, then=Value(1)), default=Value(0), output_field=IntegerField())
        ),
        words,
        Value(0, output_field=IntegerField()),
    )
    threads = list(
        _published_threads()
        .filter(matches_every_word)
        .annotate(title_hits=title_hits)
        .order_by("-title_hits", "-last_activity_at")[:limit]
    )
    topics = list(
        _published_topics()
        .filter(matches_every_word)
        .annotate(title_hits=title_hits)
        .order_by("-title_hits", "roadmap__position", "position")[:limit]
    )
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    pattern = re.compile(f"({alternatives})", re.IGNORECASE)
    for result in (*threads, *topics):
        result.headline = _excerpt(plain_text(result.body_html), pattern)
    return threads, topics


def _excerpt(text: str, pattern: re.Pattern) -> SafeString:
    """About EXCERPT_LENGTH characters of `text` around the first match of `pattern` (one
    capturing group), escaped, with every match wrapped in <mark>."""
    first = pattern.search(text)
    start = max(0, first.start() - EXCERPT_LENGTH // 3) if first else 0
    end = min(len(text), start + EXCERPT_LENGTH)
    if start > 0:
        space = text.find(" ", start, first.start())
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", first.end() if first else start, end)
        end = space if space != -1 else end
    window = " ".join(text[start:end].split())
    parts = ["…"] if start > 0 else []
    for index, piece in enumerate(pattern.split(window)):
        parts.append(f"<mark>{escape(piece)}</mark>" if index % 2 else escape(piece))
    if end < len(text):
        parts.append("…")
    return mark_safe("".join(parts))
