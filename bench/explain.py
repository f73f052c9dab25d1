"""EXPLAIN every query the list, filter and ordering pages run, on the bench data set, and
fail if any of them reads a big table from end to end (a Seq Scan) instead of using an index.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stepwise_bench .venv/bin/python bench/explain.py [--summary]

Each case requests a real page through Django's test client, with every cache replaced by a
dummy one so that the page runs all of its queries, captures them, and runs
EXPLAIN (ANALYZE, BUFFERS) on each SELECT: the plans are those of the code as it is, not of
a copy of its queries. Everything happens in one transaction that is rolled back, so the
database is left as it was. Needs PostgreSQL with the bench data set loaded (`bash bench/run`
seeds it, or `BENCH_ENDPOINTS=true manage.py seed_bench`).

A Seq Scan fails when its table grows with the community and holds 1,000 rows or more here.
One kind is only reported: the whole table hashed to join it on its primary key. That index
exists; the planner hashes instead when the other side has many rows, and turns to the index
as the table grows.
"""

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.seed import SPECIAL_THREADS  # noqa: E402
from community.models import Tag, Thread  # noqa: E402

# Tables that grow with the community: reading one of them whole is what this script forbids.
BIG_TABLES = {
    "accounts_user",
    "account_emailaddress",
    "community_thread",
    "community_thread_tags",
    "community_comment",
    "community_reaction",
    "community_follow",
    "community_bookmark",
    "community_notification",
    "community_flag",
    "community_moderationaction",
    "roadmap_progress",
    "roadmap_note",
    "django_session",
}
MIN_ROWS = 1_000
SLOW_MS = 50
DUMMY_CACHES = {
    alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"} for alias in ("default", "sessions")
}


@dataclass
class Case:
    name: str
    path: str
    user: str = ""  # a username, or anonymous


@dataclass
class Plan:
    sql: str
    text: str
    milliseconds: float
    seq_scans: list[str] = field(default_factory=list)
    hashed: list[str] = field(default_factory=list)


class Rollback(Exception):
    pass


def cases() -> list[Case]:
    thread_200 = Thread.objects.get(title=SPECIAL_THREADS[0][1])
    thread_2000 = Thread.objects.get(title=SPECIAL_THREADS[1][1])
    topic = thread_200.topic
    tag = Tag.objects.order_by("-thread_count").first()
    rare_tag = Tag.objects.filter(thread_count__gt=0).order_by("thread_count").first()
    return [
        Case("home", "/"),
        Case("home, signed in (continue learning)", "/", "bench0"),
        Case("thread list: latest (pinned first)", "/discussions/"),
        Case("thread list: latest, page 50", "/discussions/?page=50"),
        Case("thread list: top this week", "/discussions/?tab=top&period=week"),
        Case("thread list: top of all time", "/discussions/?tab=top&period=all"),
        Case("thread list: unanswered", "/discussions/?tab=unanswered"),
        Case("thread list: one topic", f"/discussions/?topic={topic.pk}"),
        Case(f"tag page: {tag.slug} (biggest)", tag.get_absolute_url()),
        Case(
            f"tag page: {rare_tag.slug} (smallest), unanswered",
            f"{rare_tag.get_absolute_url()}?tab=unanswered",
        ),
        Case("roadmap map, signed in (progress of a user on a roadmap)", "/roadmaps/backend/", "bench0"),
        Case("roadmap list, signed in", "/roadmaps/", "bench0"),
        Case("topic page: its threads", topic.get_absolute_url()),
        Case("topic page, signed in", topic.get_absolute_url(), "bench0"),
        Case("thread page: 200 comments", thread_200.get_absolute_url()),
        Case("thread page: 200 comments, signed in", thread_200.get_absolute_url(), "bench0"),
        Case("thread page: 2,000 comments, last page", f"{thread_2000.get_absolute_url()}?page=10"),
        Case("search", "/search/?q=index"),
        Case("notifications of a user", "/notifications/", "bench0"),
        Case("saved threads of a user", "/discussions/saved/", "bench0"),
        Case("profile of a user", "/u/bench1/"),
        Case("moderation queue (open flags, hidden posts)", "/mod/", "bench1"),
        Case("moderation: one user's history", "/mod/users/bench2/", "bench1"),
        Case("Atom feed: latest", "/feeds/latest/"),
        Case(f"Atom feed: tag {tag.slug}", f"/feeds/tags/{tag.slug}/"),
        Case("API: thread list", "/api/v1/threads/"),
    ]


def big_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'")
        return {name for name, rows in cursor.fetchall() if name in BIG_TABLES and rows >= MIN_ROWS}


def explain(sql: str, big: set[str], *, with_text: bool) -> Plan:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
        document = cursor.fetchone()[0]
        text = ""
        if with_text:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            text = "\n".join(row[0] for row in cursor.fetchall())
    document = json.loads(document) if isinstance(document, str) else document
    plan = Plan(sql=sql, text=text, milliseconds=document[0]["Execution Time"])
    for node, parents in walk(document[0]["Plan"], []):
        table = node.get("Relation Name")
        if node["Node Type"] != "Seq Scan" or table not in big:
            continue
        if hashed_on_primary_key(node, parents):
            plan.hashed.append(table)
        else:
            plan.seq_scans.append(table)
    return plan


def walk(node: dict, parents: list[dict]):
    yield node, parents
    for child in node.get("Plans", []):
        yield from walk(child, [*parents, node])


def hashed_on_primary_key(node: dict, parents: list[dict]) -> bool:
    """Whether this scan builds the hash table of a hash join whose condition is on its id."""
    if len(parents) < 2 or parents[-1]["Node Type"] != "Hash":
        return False
    alias = re.escape(node.get("Alias", node["Relation Name"]))
    return re.search(rf"\b{alias}\.id\b", parents[-2].get("Hash Cond", "")) is not None


def run_case(case: Case, big: set[str], *, with_text: bool) -> tuple[int, list[Plan]]:
    client = Client()
    if case.user:
        client.force_login(User.objects.get(username=case.user))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(case.path)
    statements = [query["sql"] for query in captured.captured_queries]
    selects = [sql for sql in statements if sql.lstrip().upper().startswith(("SELECT", "WITH"))]
    return response.status_code, [explain(sql, big, with_text=with_text) for sql in selects]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", action="store_true", help="print the summary only, not every plan")
    options = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        sys.exit("bench/explain.py needs PostgreSQL (DATABASE_URL) with the bench data set.")
    if not Thread.objects.filter(title=SPECIAL_THREADS[0][1]).exists():
        sys.exit("No bench data here: run `BENCH_ENDPOINTS=true manage.py seed_bench` first.")

    results = []
    big = big_tables()
    with override_settings(CACHES=DUMMY_CACHES):
        try:
            with transaction.atomic():
                for case in cases():
                    status, plans = run_case(case, big, with_text=not options.summary)
                    results.append((case, status, plans))
                    if not options.summary:
                        print_case(case, status, plans)
                raise Rollback
        except Rollback:
            pass

    failures = print_summary(results)
    return 1 if failures else 0


def print_case(case: Case, status: int, plans: list[Plan]) -> None:
    who = f"signed in as {case.user}" if case.user else "anonymous"
    print(f"\n{'=' * 100}\n{case.name}: GET {case.path} ({who}) -> {status}, {len(plans)} queries")
    for number, plan in enumerate(plans, 1):
        print(f"\n--- query {number} ({plan.milliseconds:.1f} ms)")
        print(plan.sql if len(plan.sql) < 1200 else plan.sql[:1200] + " ...")
        print(plan.text)


def print_summary(results) -> list[str]:
    failures = []
    print(f"\n{'=' * 100}\nSummary (a Seq Scan on a table that grows with the community fails)\n")
    print(f"Tables counted as big here: {', '.join(sorted(big_tables()))}\n")
    print(f"{'case':<62} {'HTTP':>4} {'queries':>7} {'slowest':>9} {'total':>9}  seq scans")
    for case, status, plans in results:
        slowest = max((plan.milliseconds for plan in plans), default=0.0)
        total = sum(plan.milliseconds for plan in plans)
        scans = sorted({table for plan in plans for table in plan.seq_scans})
        hashed = sorted({table for plan in plans for table in plan.hashed} - set(scans))
        flag = ", ".join(scans) if scans else "-"
        if hashed:
            flag += f"  (hashed by id: {', '.join(hashed)})"
        if slowest > SLOW_MS:
            flag += f"  (slow: > {SLOW_MS} ms)"
        print(f"{case.name[:62]:<62} {status:>4} {len(plans):>7} {slowest:>7.1f}ms {total:>7.1f}ms  {flag}")
        if scans:
            failures.append(case.name)
        if status >= 500:
            failures.append(f"{case.name} (HTTP {status})")
    print()
    if failures:
        print("FAILED: sequential scans of big tables (or errors) in: " + "; ".join(failures))
    else:
        print("OK: every query of these pages uses an index on the big tables.")
    return failures


if __name__ == "__main__":
    sys.exit(main())
