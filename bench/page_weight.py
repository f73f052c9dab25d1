"""What each page type weighs in HTML (before compression), and what a thread page's bytes are
spent on, on a seeded bench data set.

    BENCH_ENDPOINTS=true DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/python bench/page_weight.py [--detail] [--top 15]

Each page of PAGES is requested through Django's test client, anonymously and signed in as
`bench0` (a learner), and its size is printed beside its budget (the "Page weight" section of
BENCHMARKS.md, which tests/bench/test_page_weight.py checks). With `--detail` the 200-comment
thread is broken down, anonymous and signed in: its comments (their own text, the markup of
their bodies such as code highlighting, and the markup around them), the page around them,
and the bytes each attribute and element takes over the whole page.

Any seeded database will do: `seed_bench --scale 0.002` (what the tests use, seconds to load)
makes the same 200-comment thread as `--scale 1`.
"""

import argparse
import os
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "bench" / "BENCHMARKS.md"
SIGNED_IN_USER = "bench0"
THREAD = "thread, 200 comments"


def pages() -> dict[str, str]:
    """{page type: path} on the bench data set (the database must be seeded)."""
    from bench.seed import SPECIAL_THREADS
    from community.models import Thread

    thread = Thread.objects.get(title=SPECIAL_THREADS[0][1])
    return {
        "home": "/",
        "roadmap map": "/roadmaps/backend/",
        "topic": thread.topic.get_absolute_url(),
        "thread list": "/discussions/",
        THREAD: thread.get_absolute_url(),
        "profile": "/u/bench1/",
        "search": "/search/?q=index",
    }


def budgets() -> dict[tuple[str, str], int]:
    """{(page type, "anonymous"|"signed in"): bytes} from the "Page weight" table of BENCHMARKS.md."""
    text = BENCHMARKS.read_text()
    if "## Page weight" not in text:
        return {}
    section = text.split("## Page weight", 1)[1].split("\n## ", 1)[0]
    found = {}
    for row in re.findall(r"^\| (.+?) \| (anonymous|signed in) \| ([\d,]+) \|", section, re.M):
        found[row[0], row[1]] = int(row[2].replace(",", ""))
    return found


def weigh(client_factory) -> dict[tuple[str, str], bytes]:
    """{(page type, visitor): HTML} of every page, anonymous and signed in."""
    from accounts.models import User

    member = User.objects.get(username=SIGNED_IN_USER)
    found = {}
    for visitor in ("anonymous", "signed in"):
        client = client_factory()
        if visitor == "signed in":
            client.force_login(member)
        for name, path in pages().items():
            response = client.get(path)
            assert response.status_code == 200, f"{path}: {response.status_code}"
            found[name, visitor] = response.content
    return found


@dataclass
class Tally:
    attributes: Counter = field(default_factory=Counter)  # name: bytes of ` name="value"`
    elements: Counter = field(default_factory=Counter)  # tag: bytes of its start and end tags
    comments: list = field(default_factory=list)  # (whole article, body text, body markup) bytes


class _Reader(HTMLParser):
    """Counts the bytes of every attribute and tag, and of each comment (<article id="c…">)."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.tally = Tally()
        self.article_depth = self.body_depth = 0
        self.depth = 0
        self.article = self.body_text = self.body_markup = 0

    def _count(self, size: int, *, text: bool = False) -> None:
        if self.article_depth:
            self.article += size
        if self.body_depth:
            if text:
                self.body_text += size
            else:
                self.body_markup += size

    def handle_starttag(self, tag, attrs):
        raw = self.get_starttag_text()
        size = len(raw.encode())
        values = dict(attrs)
        if tag == "article" and re.fullmatch(r"c\d+", values.get("id") or ""):
            self.article_depth, self.article = self.depth + 1, 0
            self.body_text = self.body_markup = 0
        if tag not in {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}:
            self.depth += 1
        self._count(size)
        if self.article_depth and not self.body_depth and "prose" in (values.get("class") or "").split():
            self.body_depth = self.depth
        self.tally.elements[tag] += size
        for name, value in attrs:
            self.tally.attributes[name] += len(f' {name}="{value or ""}"'.encode())

    def handle_endtag(self, tag):
        size = len(f"</{tag}>".encode())
        self.tally.elements[tag] += size
        if self.body_depth and self.depth == self.body_depth:
            self.body_depth = 0
        self._count(size)
        if self.article_depth and self.depth == self.article_depth and tag == "article":
            self.tally.comments.append((self.article, self.body_text, self.body_markup))
            self.article_depth = 0
        self.depth -= 1

    def handle_data(self, data):
        self._count(len(data.encode()), text=True)

    def handle_entityref(self, name):
        self._count(len(name) + 2, text=True)

    def handle_charref(self, name):
        self._count(len(name) + 3, text=True)


def breakdown(html: bytes) -> Tally:
    reader = _Reader()
    reader.feed(html.decode())
    reader.close()
    return reader.tally


def _kb(size: int) -> str:
    return f"{size / 1000:,.1f} kB"


def report(found: dict, *, detail: bool, top: int) -> int:
    limits = budgets()
    over = 0
    print(f"{'page':<24} {'visitor':<10} {'HTML':>10} {'budget':>10}")
    for (name, visitor), html in found.items():
        limit = limits.get((name, visitor))
        mark = "" if limit is None or len(html) <= limit else "  OVER"
        over += bool(mark)
        shown = f"{limit:,}" if limit else "-"
        print(f"{name:<24} {visitor:<10} {len(html):>10,} {shown:>10}{mark}")
    if detail:
        for visitor in ("anonymous", "signed in"):
            html = found[THREAD, visitor]
            tally = breakdown(html)
            count = len(tally.comments) or 1
            articles = sum(whole for whole, _, _ in tally.comments)
            text = sum(text for _, text, _ in tally.comments)
            body_markup = sum(markup for _, _, markup in tally.comments)
            print(f"\n{THREAD}, {visitor}: {len(html):,} bytes, {len(tally.comments)} comments")
            print(f"  comments:            {_kb(articles)} ({articles // count:,} a comment)")
            print(f"    their text:        {_kb(text)} ({text // count:,} a comment)")
            print(f"    their body markup: {_kb(body_markup)} ({body_markup // count:,} a comment)")
            around = articles - text - body_markup
            print(f"    markup around:     {_kb(around)} ({around // count:,} a comment)")
            print(f"  the rest of the page: {_kb(len(html) - articles)}")
            print(f"  attributes (bytes over the page, top {top}):")
            for name, size in tally.attributes.most_common(top):
                print(f"    {name:<22} {size:>9,}")
            print(f"  elements, their tags only (top {top}):")
            for name, size in tally.elements.most_common(top):
                print(f"    {name:<22} {size:>9,}")
    return over


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--detail", action="store_true", help="break the 200-comment thread down")
    parser.add_argument("--top", type=int, default=15, help="attributes and elements shown (default 15)")
    arguments = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("BENCH_ENDPOINTS", "true")
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's "testserver" host is allowed
    over = report(weigh(Client), detail=arguments.detail, top=arguments.top)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
