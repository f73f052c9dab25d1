"""The threads' search vectors, put together in Python so that their rows go in with them.

What the search vector trigger (community migration 0002) computes for every thread is
setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B').
Running it per row, or as one UPDATE after the COPY, parses 50,000 bodies or rewrites every row
(then vacuumed away again). The threads share a few dozen bodies and a few thousand titles, so
PostgreSQL parses each distinct text once here, and each row's vector is joined from the two
parts as `||` joins them: the body's positions moved past the title's last one.
tests/bench/test_seed_bench.py checks that the trigger agrees.
"""

import re

from django.db import connection

# One entry of a tsvector's text form: a quoted lexeme ('' inside stands for a quote) and,
# from to_tsvector, its positions without a weight (D is not written).
ENTRY = re.compile(r"('(?:[^']|'')*')(?::([0-9,]+))?")


class SearchVectors:
    """Each thread's vector as the text COPY loads into a tsvector column."""

    def __init__(self, *, titles, bodies: list[str]):
        titles = list(dict.fromkeys(titles))
        parsed = _parsed(titles + bodies)
        self.titles = {}
        for title, entries in zip(titles, parsed[: len(titles)], strict=True):
            last = max((position for _, positions in entries for position in positions), default=0)
            self.titles[title] = (_weighted(entries, "A", 0), last)
        self.bodies = parsed[len(titles) :]
        self.shifted: dict[tuple[int, int], str] = {}

    def vector(self, title: str, body: int) -> str:
        """The vector of a thread with this title and the body at this index of `bodies`."""
        title_text, last = self.titles[title]
        body_text = self.shifted.get((body, last))
        if body_text is None:
            body_text = self.shifted[body, last] = _weighted(self.bodies[body], "B", last)
        return f"{title_text} {body_text}" if title_text and body_text else title_text or body_text


def _parsed(texts: list[str]) -> list[list[tuple[str, list[int]]]]:
    """Each text's to_tsvector, as (quoted lexeme, positions) pairs: one query for them all."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_tsvector('english', text)::text FROM unnest(%s::text[]) WITH ORDINALITY AS t(text, n) "
            "ORDER BY n",
            [texts],
        )
        vectors = [vector for (vector,) in cursor.fetchall()]
    return [
        [
            (lexeme, [int(position) for position in positions.split(",")] if positions else [])
            for lexeme, positions in ENTRY.findall(vector)
        ]
        for vector in vectors
    ]


def _weighted(entries, weight: str, shift: int) -> str:
    """The entries in tsvector text with every position moved by `shift` and given `weight`.
    A lexeme in both title and body is written twice; tsvector input merges the two."""
    return " ".join(
        lexeme
        + (":" + ",".join(f"{position + shift}{weight}" for position in positions) if positions else "")
        for lexeme, positions in entries
    )
