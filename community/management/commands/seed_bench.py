"""manage.py seed_bench --scale N: the benchmark data set (see bench/README.md).

Scale 1 is 10,000 users with verified emails, 3 roadmaps (backend.yaml plus two generated ones
of 80 topics), 50,000 threads over the last year, 500,000 comments, 1,000,000 reactions,
200,000 progress rows, 20,000 flags and 20,000 notifications, plus two threads with exactly 200
and 2,000 comments for the thread-page benchmarks. Follows and bookmarks come along.

Everything is planned in Python first, with a fixed random seed and with ids assigned here, so
each denormalised counter (comment and reaction counts, last activity, tag thread counts) is
counted while planning and written once, exactly. Rows then go in with COPY on PostgreSQL and
bulk_create elsewhere, all in one transaction. Post bodies come from a small pool of markdown
texts, each rendered once. The command refuses to run on a database that already holds bench
users: drop and recreate the database to seed again.
"""

import math
import random
import secrets
import time
from array import array
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import MENTORS_GROUP, User
from community.markdown import render_post
from community.models import Bookmark, Comment, Flag, Follow, Notification, Reaction, Status, Tag, Thread
from community.selectors import topic_counts_version_key
from config.cache import bump_version_tokens
from roadmap.content_files import import_roadmap, load_roadmap_file
from roadmap.models import Progress, Roadmap, Topic

PASSWORD = "bench-password-2026"
EMAIL_DOMAIN = "bench.stepwise.localhost"
SPECIAL_THREADS = ((200, "Bench: 200 comments"), (2000, "Bench: 2,000 comments"))
SPECIAL_TOPIC = "database-indexes"  # a Backend topic; the special threads hang on it
SPECIAL_TAGS = ("postgresql", "performance")
BACKEND_FILE = Path(settings.BASE_DIR) / "roadmap" / "content" / "backend.yaml"
MIN_USERS = 20
MENTOR_COUNT = 10
SEED = 2026
DAY = 86400.0
YEAR = 365 * DAY

PER_SCALE = {
    "users": 10_000,
    "threads": 50_000,
    "comments": 500_000,
    "reactions": 1_000_000,
    "progress": 200_000,
    "flags": 20_000,
    "notifications": 20_000,
}


def scaled_counts(scale: float) -> dict[str, int]:
    """Rows per table at `scale`, before the two special threads and their 2,200 comments."""
    return {name: round(count * scale) for name, count in PER_SCALE.items()}


class Command(BaseCommand):
    help = (
        "Load the benchmark data set (scale 1: 10,000 users, 50,000 threads, 500,000 comments, "
        "1,000,000 reactions, ...) with bulk inserts. Refuses to run twice on the same database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="1 = the full data set; 0.01 = a hundredth of it"
        )

    def handle(self, *args, scale, **options):
        counts = scaled_counts(scale)
        if counts["users"] < MIN_USERS:
            raise CommandError(
                f"--scale {scale} gives {counts['users']} users; use at least "
                f"{MIN_USERS / PER_SCALE['users']:g} ({MIN_USERS} users)."
            )
        existing = User.objects.filter(email__iendswith=f"@{EMAIL_DOMAIN}")
        if existing.exists():
            raise CommandError(
                f"This database already holds the bench data set ({existing.count():,} users "
                f"@{EMAIL_DOMAIN}): seed_bench runs once per database. To seed again, drop and "
                "recreate the database, migrate it, then run seed_bench (see bench/README.md)."
            )
        report = ProgressReport(self.stdout)
        started = time.monotonic()
        with transaction.atomic():
            data = BenchData(counts=counts, report=report)
            data.load()
        if connection.vendor == "postgresql":
            report.step("vacuum, analyze", lambda: _analyze(data.tables))
        self.stdout.write(
            self.style.SUCCESS(f"Seeded the bench data set at scale {scale:g} in {_duration(started)}.")
        )
        for line in data.summary():
            self.stdout.write(line)


class ProgressReport:
    """One line per table with its count and rate; on a terminal, a bar redrawn in place."""

    BAR = 24
    EVERY_ROWS = 5_000
    LINE_EVERY_SECONDS = 10

    def __init__(self, stdout):
        self.stdout = stdout
        self.is_tty = stdout.isatty()

    def step(self, label: str, work):
        started = time.monotonic()
        result = work()
        self.stdout.write(f"  {label:<22} {_duration(started)}")
        return result

    def rows(self, label: str, rows, total: int):
        """Yield `rows` unchanged while reporting on them."""
        started = last_line = time.monotonic()
        done = 0
        for done, row in enumerate(rows, 1):
            yield row
            if done % self.EVERY_ROWS == 0:
                now = time.monotonic()
                if self.is_tty:
                    self._bar(label, done, total, now - started)
                elif now - last_line >= self.LINE_EVERY_SECONDS:
                    self._line(label, done, total, now - started, ending="...")
                    last_line = now
        elapsed = time.monotonic() - started
        if self.is_tty:
            self.stdout.write("\r" + " " * 100 + "\r", ending="")
        self._line(label, done, total, elapsed)

    def _bar(self, label, done, total, elapsed):
        filled = self.BAR * done // max(total, 1)
        bar = "#" * filled + "." * (self.BAR - filled)
        rate = done / elapsed if elapsed else 0
        self.stdout.write(f"\r  {label:<22} [{bar}] {done:>10,}/{total:,} {rate:>10,.0f} rows/s", ending="")
        self.stdout.flush()

    def _line(self, label, done, total, elapsed, ending=""):
        rate = done / elapsed if elapsed else 0
        self.stdout.write(f"  {label:<22} {done:>10,} rows  {elapsed:6.1f} s  {rate:>10,.0f} rows/s{ending}")


class Writer:
    """Inserts rows given as tuples of column values: COPY on PostgreSQL, bulk_create elsewhere.

    Every row carries its primary key, assigned by the caller; the table's sequence is moved
    past them at the end. Columns a row does not name get their field's default.

    PostgreSQL checks each foreign key of each row with a trigger, which for two million rows
    takes longer than loading them. As a superuser, tables without triggers of their own are
    loaded with those checks off (session_replication_role, as pg_restore does) and their
    foreign keys are then checked in one anti-join each (check_foreign_keys)."""

    BATCH = 2_000

    def __init__(self, report: ProgressReport):
        self.report = report
        self.models = []
        self.unchecked = []
        self.is_postgres = connection.vendor == "postgresql"
        self.may_skip_triggers = self.is_postgres and _is_superuser()

    def write(self, model, columns: tuple[str, ...], rows, total: int, label: str = "") -> None:
        label = label or model._meta.db_table
        fields = {field.attname: field for field in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise CommandError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
        defaulted = [field for name, field in fields.items() if name not in columns]
        rows = self.report.rows(label, rows, total)
        if self.is_postgres:
            self._copy(model, columns, defaulted, rows)
        else:
            self._bulk_create(model, columns, rows)
        if model not in self.models:
            self.models.append(model)

    def _copy(self, model, columns, defaulted, rows):
        quote = connection.ops.quote_name
        table = model._meta.db_table
        defaults = tuple(field.get_db_prep_save(field.get_default(), connection) for field in defaulted)
        names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
        names += "".join(f", {quote(field.column)}" for field in defaulted)
        skips_triggers = self.may_skip_triggers and not _has_own_triggers(table)
        with connection.cursor() as cursor:
            if skips_triggers:
                cursor.execute("SET LOCAL session_replication_role = replica")
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                if defaults:
                    for row in rows:
                        copy.write_row(row + defaults)
                else:
                    for row in rows:
                        copy.write_row(row)
            if skips_triggers:
                cursor.execute("SET LOCAL session_replication_role = origin")
        if skips_triggers and model not in self.unchecked:
            self.unchecked.append(model)

    def _bulk_create(self, model, columns, rows):
        batch = []
        for row in rows:
            batch.append(model(**dict(zip(columns, row, strict=True))))
            if len(batch) == self.BATCH:
                model.objects.bulk_create(batch)
                batch = []
        model.objects.bulk_create(batch)

    def check_foreign_keys(self) -> None:
        """Every foreign key of the tables loaded without triggers points to a row; the rows
        loaded with triggers are checked now too, rather than at commit."""
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for model in self.unchecked:
                for field in model._meta.concrete_fields:
                    if not (field.is_relation and field.db_constraint):
                        continue
                    target = field.target_field
                    cursor.execute(
                        f"SELECT count(*) FROM {quote(model._meta.db_table)} AS child "
                        f"WHERE child.{quote(field.column)} IS NOT NULL AND NOT EXISTS ("
                        f"SELECT 1 FROM {quote(target.model._meta.db_table)} AS parent "
                        f"WHERE parent.{quote(target.column)} = child.{quote(field.column)})"
                    )
                    (missing,) = cursor.fetchone()
                    if missing:
                        raise CommandError(
                            f"{missing} rows of {model._meta.db_table}.{field.column} point to no "
                            f"{target.model._meta.db_table} row."
                        )
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def reset_sequences(self) -> None:
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), self.models):
                cursor.execute(statement)


def _next_id(model) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


def _is_superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0])


def _has_own_triggers(table: str) -> bool:
    """Whether the table has triggers besides those of its foreign keys (e.g. a search vector)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal)",
            [connection.ops.quote_name(table)],
        )
        return cursor.fetchone()[0]


def _analyze(tables) -> None:
    """Fresh statistics (and, outside a transaction, a vacuum so that index-only scans work)."""
    statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{statement} {connection.ops.quote_name(table)}")


def _duration(started: float) -> str:
    return f"{time.monotonic() - started:.1f} s"


def _allocate(total: int, weights, cap: int) -> list[int]:
    """Split `total` into whole numbers proportional to `weights` (largest remainders), none
    above `cap`; what a capped share cannot take goes to the others."""
    counts = [0] * len(weights)
    open_indexes = [index for index, weight in enumerate(weights) if weight > 0]
    left = total
    while left > 0:
        if not open_indexes:
            raise CommandError("The data set is too small for this scale; use a larger --scale.")
        weight_sum = sum(weights[index] for index in open_indexes)
        exact = [left * weights[index] / weight_sum for index in open_indexes]
        shares = [int(value) for value in exact]
        shortfall = left - sum(shares)
        by_remainder = sorted(range(len(exact)), key=lambda i: shares[i] - exact[i])
        for position in by_remainder[:shortfall]:
            shares[position] += 1
        left = 0
        for index, share in zip(open_indexes, shares, strict=True):
            given = min(share, cap - counts[index])
            counts[index] += given
            left += share - given
        open_indexes = [index for index in open_indexes if counts[index] < cap]
    return counts


def _timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


# --- What the posts say ----------------------------------------------------------------------

SUBJECTS = [
    "database indexes", "composite indexes", "N+1 queries", "SQL joins", "PostgreSQL transactions",
    "isolation levels", "database migrations", "connection pooling", "read replicas", "query plans",
    "Redis caching", "cache invalidation", "HTTP caching headers", "CDNs", "REST pagination",
    "API versioning", "idempotency keys", "rate limiting", "JWT authentication", "session cookies",
    "OAuth 2 flows", "password hashing", "CSRF protection", "CORS errors", "TLS certificates",
    "DNS records", "load balancing", "nginx as a reverse proxy", "gunicorn workers", "async views",
    "WebSockets", "message queues", "Celery retries", "background jobs", "cron jobs",
    "Docker volumes", "Docker Compose", "Kubernetes deployments", "CI pipelines", "blue-green deploys",
    "environment variables", "secrets management", "structured logging", "distributed tracing",
    "metrics and alerts", "unit tests with pytest", "integration tests", "test fixtures", "mocking",
    "Git rebase", "code review", "type hints", "Python packaging", "virtual environments",
    "GraphQL resolvers", "gRPC", "event sourcing", "optimistic locking", "database sharding",
    "full-text search",
]  # fmt: skip

TITLES = [
    "How do I get started with {subject}?",
    "What is the best way to learn {subject}?",
    "Why is {subject} so slow in my project?",
    "Struggling to understand {subject}",
    "Good resources for {subject}?",
    "Is it worth learning {subject} before my first job?",
    "Common mistakes with {subject}",
    "Can someone explain {subject} in simple terms?",
    "My notes on {subject} (feedback welcome)",
    "How do you test {subject}?",
    "Debugging {subject} in production",
    "{Subject}: what finally made it click for me",
    "{Subject} vs {other}: which one first?",
    "When do {subject} start to matter?",
    "Stuck on {subject} for two days",
    "Real-world examples of {subject}?",
    "Interview question about {subject}",
    "Best practices for {subject} in a small team",
    "How much {subject} does a junior backend developer need?",
    "Weekly study log: {subject}",
]

PARAGRAPHS = [
    "I have been following the roadmap for a few weeks now and most of it makes sense, but this part "
    "keeps tripping me up. The docs explain *what* it does, not *when* I should reach for it.",
    "Here is what I tried so far. I read the official documentation twice, watched a conference talk "
    "and built a tiny example, and it works locally. In staging it behaves differently and I cannot "
    "tell why.",
    "For context: a Django app with PostgreSQL, about 200,000 rows in the biggest table, deployed "
    "with gunicorn behind nginx. Nothing fancy, but the list page takes almost two seconds.",
    "The tutorial I followed stops right before the interesting part. It shows the happy path and "
    "never what to do when the network is slow or the other service answers with an error.",
    "What helped me most was drawing the request path on paper: browser, DNS, load balancer, app "
    "server, database, and back. Every time something is slow, one of those arrows is the culprit.",
    "Short answer: measure first. Turn on query logging, count the queries per page, and look for "
    "the ones that repeat inside a loop. That is usually an N+1 and `select_related` fixes it.",
    "I would not worry about this yet. Get something working end to end, write a test for it, then "
    "come back and make it fast. Premature optimisation really is the root of a lot of wasted weekends.",
    "One thing nobody told me: **read the error message to the end**. The useful line is often the "
    "last one, after forty lines of framework internals.",
    "We hit exactly this at work last month. The fix was boring: a query inside a loop and a timeout "
    "that was far too generous, so slow requests piled up until the workers ran out.",
    "Keep the transaction short. Do the slow work (emails, HTTP calls to other services) after the "
    "commit, in a background job, and make that job safe to run twice.",
    "Caching helps, but only once you know what to invalidate and when. Start with a short TTL and "
    "a version number in the key; deleting keys one by one gets messy quickly.",
    "I keep a small notes file per topic with the commands I ran and what surprised me. Rereading it "
    "a week later is the best revision I know.",
    "Thanks, that explanation finally made it click. I rewrote the view with one query instead of a "
    "loop and the page went from 1.8 s to 40 ms.",
    "Does anyone have a checklist for deploying this safely? I am nervous about running migrations "
    "on a table that big while the site is up.",
    "Try to reproduce it with the smallest possible example. Half the time the bug disappears while "
    "you strip things out, and then you know which part caused it.",
    "Pair programming with someone more experienced for an hour taught me more than a week of "
    "tutorials. Ask around, most people are happy to help.",
    "Write the test first when you fix a bug: it proves the bug exists, proves the fix works and "
    "keeps the bug from coming back when someone refactors the code next year.",
    "I think the roadmap order is right: without the HTTP basics the framework feels like magic, "
    "and magic is hard to debug.",
    "Security is easy to postpone and painful to add later. Hash passwords with a slow hash, keep "
    "secrets out of the repository and validate every input at the edge.",
    "Logs saved me here. A request id in every log line, passed along to the background jobs, made "
    "it possible to follow one user's request across three services.",
]

SNIPPETS = [
    '```python\nthreads = (\n    Thread.objects.filter(status="published")\n'
    '    .select_related("author")\n    .order_by("-last_activity_at")[:30]\n)\n```',
    "```sql\nEXPLAIN ANALYZE\nSELECT id, title FROM thread\nWHERE status = 'published'\n"
    "ORDER BY last_activity_at DESC\nLIMIT 30;\n```",
    "```bash\ndocker compose up -d db redis\npython manage.py migrate\n"
    "gunicorn config.wsgi --workers 3 --bind 127.0.0.1:8000\n```",
    "```python\n@shared_task(bind=True, max_retries=5)\ndef send_welcome(self, user_id):\n"
    '    user = User.objects.get(pk=user_id)\n    send_mail("Welcome", render(user), None, [user.email])\n```',
    "```yaml\nservices:\n  web:\n    build: .\n    environment:\n      DATABASE_URL: postgres://app@db/app\n"
    "    depends_on: [db]\n```",
    '```json\n{"error": {"code": "conflict", "message": "That email is already taken."}}\n```',
]

# Index talk is kept rare (two thread bodies in forty, plus a few titles) so that searching for
# "index" matches a few percent of threads, as a common technical word would.
INDEX_PARAGRAPHS = [
    "The query plan shows a sequential scan on the big table even though I created an index on the "
    "column I filter by. Does the order of the columns in a composite index matter here?",
    "If the table is mostly read, an index on the filter column plus the sort column lets the "
    "database read the first page straight from the index without sorting anything.",
]

LISTS = [
    "What I checked:\n\n1. The migration ran (`showmigrations`)\n2. Statistics are fresh (`ANALYZE`)\n"
    "3. The setting is really read from the environment",
    "- read the docs\n- build a tiny example\n- break it on purpose\n- write down what happened",
    "Pros:\n\n- simple to run\n- well documented\n\nCons:\n\n- one more service to operate\n- memory hungry",
]

FIRST_NAMES = [
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Guido",
    "Radia", "Tim", "Hedy", "Edsger", "Katherine", "Donald", "Sophie", "Yukihiro", "Anita", "Brian",
    "Jean", "Niklaus", "Karen", "Rob", "Lynn", "Bjarne", "Mary", "James", "Adele", "John",
]  # fmt: skip
LAST_NAMES = [
    "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Allen",
    "van Rossum", "Perlman", "Berners-Lee", "Lamarr", "Dijkstra", "Johnson", "Knuth", "Wilson",
    "Matsumoto", "Borg", "Kernighan", "Bartik", "Wirth", "Spärck Jones", "Pike", "Conway",
    "Stroustrup", "Keller", "Gosling", "Goldberg", "McCarthy",
]  # fmt: skip
TIMEZONES = [
    "UTC", "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "America/New_York",
    "America/Chicago", "America/Los_Angeles", "America/Sao_Paulo", "Asia/Kolkata", "Asia/Tokyo",
    "Asia/Singapore", "Australia/Sydney", "Africa/Lagos", "Africa/Nairobi",
]  # fmt: skip
TAGS = [
    ("python", "Python"), ("django", "Django"), ("postgresql", "PostgreSQL"), ("databases", "Databases"),
    ("http", "HTTP"), ("apis", "APIs"), ("security", "Security"), ("testing", "Testing"),
    ("devops", "DevOps"), ("docker", "Docker"), ("linux", "Linux"), ("git", "Git"),
    ("performance", "Performance"), ("caching", "Caching"), ("career", "Career"),
    ("architecture", "Architecture"), ("async", "Async"), ("redis", "Redis"), ("celery", "Celery"),
    ("beginners", "Beginners"),
]  # fmt: skip

GENERATED_ROADMAPS = [
    {
        "slug": "devops",
        "title": "DevOps Engineer",
        "summary": "From the Linux shell to running services in production: containers, CI/CD, "
        "infrastructure as code, observability and incident response.",
        "position": 2,
        "sections": [
            "Operating systems", "Networking", "Containers", "Continuous integration", "Infrastructure as code",
            "Cloud platforms", "Observability", "Reliability",
        ],
        "subjects": [
            "processes", "file systems", "shell scripting", "package managers", "systemd", "permissions",
            "SSH", "firewalls", "DNS", "load balancers", "reverse proxies", "VPNs", "Docker images",
            "container registries", "Docker networking", "Compose", "Kubernetes pods", "Helm charts",
            "build pipelines", "artifact storage", "release tagging", "feature flags", "canary releases",
            "rollbacks", "Terraform", "Ansible", "state files", "drift detection", "IAM", "object storage",
            "managed databases", "autoscaling", "logs", "metrics", "traces", "dashboards", "alerting",
            "SLOs", "on-call", "postmortems",
        ],
    },
    {
        "slug": "data-engineer",
        "title": "Data Engineer",
        "summary": "Pipelines that move and shape data reliably: SQL in depth, batch and stream "
        "processing, warehouses, orchestration and data quality.",
        "position": 3,
        "sections": [
            "SQL in depth", "Data modelling", "Batch processing", "Streaming", "Warehouses",
            "Orchestration", "Data quality", "Governance",
        ],
        "subjects": [
            "window functions", "CTEs", "query plans", "partitioning", "materialised views", "indexes",
            "star schemas", "slowly changing dimensions", "normal forms", "event tables", "Parquet",
            "Spark jobs", "incremental loads", "backfills", "idempotent pipelines", "Kafka topics",
            "consumer groups", "exactly-once delivery", "stream joins", "watermarks", "column stores",
            "clustering keys", "cost control", "access control", "Airflow DAGs", "retries and SLAs",
            "sensors", "dbt models", "tests on data", "freshness checks", "anomaly detection",
            "lineage", "data contracts", "PII handling", "retention", "catalogues",
            "schema evolution", "CDC", "data lakes", "lakehouses",
        ],
    },
]  # fmt: skip

TOPICS_PER_SECTION = 10


def _generated_roadmap(spec: dict, rng: random.Random) -> dict:
    """A roadmap in the content-file format: 8 sections of 10 topics, each topic requiring the
    one before it, with a few optional and any-order topics."""
    subjects = spec["subjects"]
    previous = None
    sections = []
    for section_index, section_title in enumerate(spec["sections"]):
        topics = []
        for index in range(TOPICS_PER_SECTION):
            number = section_index * TOPICS_PER_SECTION + index
            subject = subjects[number % len(subjects)]
            part = number // len(subjects)
            title = f"{subject[0].upper()}{subject[1:]}" + (" in practice" if part else "")
            slug = slugify(title)
            body = "\n\n".join(
                [
                    f"**{title}** is part of {section_title.lower()}. "
                    + PARAGRAPHS[number % len(PARAGRAPHS)],
                    PARAGRAPHS[(number * 7 + 3) % len(PARAGRAPHS)],
                    SNIPPETS[number % len(SNIPPETS)] if number % 3 == 0 else LISTS[number % len(LISTS)],
                ]
            )
            topics.append(
                {
                    "slug": slug,
                    "title": title,
                    "kind": "optional" if rng.random() < 0.15 else "core",
                    "any_order": index > 0 and rng.random() < 0.2,
                    "prerequisites": [previous] if previous else [],
                    "body": body,
                    "resources": [
                        {
                            "title": f"{title}: {kind} {position + 1}",
                            "url": f"https://example.com/{spec['slug']}/{slug}/{kind}-{position + 1}",
                            "kind": kind,
                        }
                        for position, kind in enumerate(rng.sample(["docs", "article", "video", "book"], 3))
                    ],
                }
            )
            previous = slug
        sections.append(
            {"title": section_title, "description": f"The {section_title.lower()} stage.", "topics": topics}
        )
    return {key: spec[key] for key in ("slug", "title", "summary", "position")} | {"sections": sections}


def _post_bodies(rng: random.Random, count: int, *, long: bool) -> list[str]:
    bodies = []
    for _ in range(count):
        parts = rng.sample(PARAGRAPHS, rng.randint(2, 3) if long else rng.randint(1, 2))
        if rng.random() < (0.5 if long else 0.2):
            parts.insert(rng.randint(1, len(parts)), rng.choice(SNIPPETS))
        if rng.random() < (0.3 if long else 0.1):
            parts.append(rng.choice(LISTS))
        bodies.append("\n\n".join(parts))
    return bodies


# --- The data set ----------------------------------------------------------------------------


@dataclass
class Pool:
    """Post bodies with their HTML, rendered once each."""

    bodies: list[str]
    html: list[str]

    @classmethod
    def render(cls, bodies: list[str]) -> "Pool":
        return cls(bodies=bodies, html=[render_post(body).html for body in bodies])


class BenchData:
    """Plans the whole data set in memory (compact arrays of ids and timestamps), then writes it.

    Users, threads and comments are numbered from 0 while planning; `*_base` turns a number into
    the row's id."""

    def __init__(self, *, counts: dict[str, int], report: ProgressReport):
        self.counts = counts
        self.report = report
        self.writer = Writer(report)
        self.rng = random.Random(SEED)
        self.now = timezone.now().replace(microsecond=0).timestamp()
        self.user_count = counts["users"]
        self.thread_count = counts["threads"] + len(SPECIAL_THREADS)
        self.special_numbers = list(range(counts["threads"], self.thread_count))

    @property
    def tables(self) -> list[str]:
        """Every table this command filled, bulk or not."""
        loaded_by_orm = [Roadmap, Topic, Topic.prerequisites.through, Tag]
        return [model._meta.db_table for model in [*self.writer.models, *loaded_by_orm]]

    def load(self) -> None:
        step = self.report.step
        step("roadmaps", self.load_roadmaps)
        step("post bodies", self.render_bodies)
        self.write_users()
        step("tags", self.load_tags)
        step("plan threads", self.plan_threads)
        step("plan comments", self.plan_comments)
        step("plan reactions", self.plan_reactions)
        self.write_threads()
        self.write_comments()
        self.write_reactions()
        self.write_progress()
        self.write_follows_and_bookmarks()
        self.write_flags()
        self.write_notifications()
        step("sequences", self.writer.reset_sequences)
        if connection.vendor == "postgresql":
            step("foreign key checks", self.writer.check_foreign_keys)
        self.bump_caches()

    # Content ------------------------------------------------------------------------------

    def load_roadmaps(self) -> None:
        """backend.yaml if it is not loaded yet, and the two generated roadmaps if missing."""
        if not Roadmap.objects.filter(slug="backend").exists():
            import_roadmap(load_roadmap_file(BACKEND_FILE))
        rng = random.Random(SEED)
        for spec in GENERATED_ROADMAPS:
            if not Roadmap.objects.filter(slug=spec["slug"]).exists():
                import_roadmap(_generated_roadmap(spec, rng))
        topics = Topic.objects.filter(is_published=True, roadmap__is_published=True).order_by(
            "roadmap__position", "roadmap_id", "position", "pk"
        )
        self.roadmap_topics: dict[int, list[tuple[int, str]]] = {}
        for topic_id, roadmap_id, title in topics.values_list("pk", "roadmap_id", "title"):
            self.roadmap_topics.setdefault(roadmap_id, []).append((topic_id, title))
        self.roadmap_ids = list(self.roadmap_topics)
        self.backend_id = Roadmap.objects.get(slug="backend").pk
        self.topics = [topic for topics in self.roadmap_topics.values() for topic in topics]
        # Early topics of a roadmap get more threads: more learners are there.
        self.topic_weights = [
            1 / (1 + position / 15)
            for topics in self.roadmap_topics.values()
            for position in range(len(topics))
        ]

    def render_bodies(self) -> None:
        rng = random.Random(SEED + 1)
        thread_bodies = _post_bodies(rng, 40, long=True)
        for index, paragraph in enumerate(INDEX_PARAGRAPHS):
            thread_bodies[index] += "\n\n" + paragraph
        self.thread_pool = Pool.render(thread_bodies)
        self.comment_pool = Pool.render(_post_bodies(rng, 60, long=False))

    def load_tags(self) -> None:
        existing = {tag.slug: tag for tag in Tag.objects.filter(slug__in=[slug for slug, _ in TAGS])}
        taken_names = set(Tag.objects.values_list("name", flat=True))
        for slug, name in TAGS:
            if slug not in existing:
                name = name if name not in taken_names else f"{name} ({slug})"
                existing[slug] = Tag.objects.create(slug=slug, name=name)
        self.tag_id_by_slug = {slug: existing[slug].pk for slug, _ in TAGS}
        self.tag_ids = list(self.tag_id_by_slug.values())
        # Popular tags first: a tag's weight falls with its position in TAGS.
        self.tag_weights = [1 / (1 + index / 4) for index in range(len(TAGS))]

    # Users --------------------------------------------------------------------------------

    def write_users(self) -> None:
        rng = self.rng
        self.user_base = _next_id(User)
        count = self.user_count
        # Activity follows a long tail: a few people write much of what is posted.
        weights = [min(rng.paretovariate(1.2), 200.0) for _ in range(count)]
        self.author_cumulative = list(_cumulative(weights))
        self.mentor_numbers = range(1, min(MENTOR_COUNT, count - 1) + 1)
        password = make_password(PASSWORD)
        base = self.user_base
        now = self.now

        def users():
            for number in range(count):
                yield (
                    base + number,
                    password,
                    f"bench{number}@{EMAIL_DOMAIN}",
                    f"bench{number}",
                    f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    rng.choice(TIMEZONES),
                    rng.choices(["weekly", "daily", "off"], weights=[6, 2, 2])[0],
                    rng.randint(6, 21),
                    secrets.token_hex(8),
                    _timestamp(now - 2 * YEAR + rng.random() * (2 * YEAR - 30 * DAY)),
                )

        columns = (
            "id", "password", "email", "username", "display_name", "timezone", "digest_frequency",
            "digest_hour", "unsubscribe_salt", "date_joined",
        )  # fmt: skip
        self.writer.write(User, columns, users(), count)
        first = _next_id(EmailAddress)
        self.writer.write(
            EmailAddress,
            ("id", "user_id", "email", "verified", "primary"),
            (
                (first + number, base + number, f"bench{number}@{EMAIL_DOMAIN}", True, True)
                for number in range(count)
            ),
            count,
        )
        group = Group.objects.filter(name=MENTORS_GROUP).first()
        if group is not None:
            Membership = User.groups.through
            first = _next_id(Membership)
            self.writer.write(
                Membership,
                ("id", "user_id", "group_id"),
                ((first + i, base + number, group.pk) for i, number in enumerate(self.mentor_numbers)),
                len(self.mentor_numbers),
                label="mentors",
            )

    def authors(self, count: int) -> list[int]:
        return self.rng.choices(range(self.user_count), cum_weights=self.author_cumulative, k=count)

    # Threads ------------------------------------------------------------------------------

    def plan_threads(self) -> None:
        rng = self.rng
        count = self.thread_count
        self.thread_base = _next_id(Thread)
        self.t_author = array("l", self.authors(count))
        self.t_created = array("d")
        self.t_topic = array("l")
        self.t_title: list[str] = []
        self.t_tags: list[tuple[int, ...]] = []
        topic_cumulative = list(_cumulative(self.topic_weights))
        tag_cumulative = list(_cumulative(self.tag_weights))
        topic_indexes = range(len(self.topics))
        for _ in range(self.counts["threads"]):
            # More threads recently: the community grew over the year.
            self.t_created.append(self.now - YEAR * (1 - math.sqrt(rng.random())))
            subject, other = rng.sample(SUBJECTS, 2)
            topic_id = 0
            if rng.random() < 0.5:
                topic_id, topic_title = self.topics[
                    rng.choices(topic_indexes, cum_weights=topic_cumulative)[0]
                ]
                if rng.random() < 0.7:
                    subject = topic_title
            self.t_topic.append(topic_id)
            template = rng.choice(TITLES)
            title = template.format(subject=subject, Subject=subject[0].upper() + subject[1:], other=other)
            self.t_title.append(title[: Thread.TITLE_MAX])
            tag_count = rng.choices(range(5), weights=[15, 35, 30, 15, 5])[0]
            picked = rng.choices(self.tag_ids, cum_weights=tag_cumulative, k=tag_count * 2)
            self.t_tags.append(tuple(dict.fromkeys(picked))[:tag_count])
        special_topic = (
            Topic.objects.filter(roadmap_id=self.backend_id, slug=SPECIAL_TOPIC)
            .values_list("pk", flat=True)
            .first()
            or self.roadmap_topics[self.backend_id][0][0]
        )
        special_tags = tuple(self.tag_id_by_slug[slug] for slug in SPECIAL_TAGS)
        for number, (_, title) in zip(self.special_numbers, SPECIAL_THREADS, strict=True):
            self.t_author[number] = 1  # bench1: bench0 is the signed-in visitor, who reacts to it
            self.t_created.append(self.now - 30 * DAY)
            self.t_topic.append(special_topic)
            self.t_title.append(title)
            self.t_tags.append(special_tags)
        self.t_body = array("l", (rng.randrange(len(self.thread_pool.bodies)) for _ in range(count)))
        self.pinned = set(rng.sample(range(self.counts["threads"]), min(3, self.counts["threads"])))
        self.locked = {number for number in range(self.counts["threads"]) if rng.random() < 0.005}

    def write_threads(self) -> None:
        pool, base, user_base = self.thread_pool, self.thread_base, self.user_base
        slugs: dict[str, str] = {}
        comment_base = self.comment_base
        rng = random.Random(SEED + 2)

        def threads():
            for number in range(self.thread_count):
                title = self.t_title[number]
                slug = slugs.get(title)
                if slug is None:
                    slug = slugs[title] = slugify(title)[:80] or "thread"
                created = self.t_created[number]
                edited = _timestamp(created + rng.random() * DAY) if rng.random() < 0.05 else None
                accepted = self.t_accepted[number]
                body = self.t_body[number]
                yield (
                    base + number,
                    user_base + self.t_author[number],
                    title,
                    slug,
                    pool.bodies[body],
                    pool.html[body],
                    self.t_topic[number] or None,
                    Status.PUBLISHED,
                    number in self.pinned,
                    number in self.locked,
                    comment_base + accepted if accepted >= 0 else None,
                    self.t_comments[number],
                    self.t_likes[number] + self.t_helpful[number] + self.t_insightful[number],
                    self.t_likes[number],
                    self.t_helpful[number],
                    self.t_insightful[number],
                    _timestamp(self.t_last_activity[number]),
                    _timestamp(created),
                    edited,
                )

        columns = (
            "id", "author_id", "title", "slug", "body", "body_html", "topic_id", "status", "is_pinned",
            "is_locked", "accepted_comment_id", "comment_count", "reaction_count", "like_count",
            "helpful_count", "insightful_count", "last_activity_at", "created_at", "edited_at",
        )  # fmt: skip
        self.writer.write(Thread, columns, threads(), self.thread_count)

        Tagging = Thread.tags.through
        first = _next_id(Tagging)
        taggings = [
            (base + number, tag_id) for number, tag_ids in enumerate(self.t_tags) for tag_id in tag_ids
        ]
        self.writer.write(
            Tagging,
            ("id", "thread_id", "tag_id"),
            ((first + index, *row) for index, row in enumerate(taggings)),
            len(taggings),
        )
        per_tag: dict[int, int] = {}
        for _, tag_id in taggings:
            per_tag[tag_id] = per_tag.get(tag_id, 0) + 1
        for tag_id, added in per_tag.items():
            Tag.objects.filter(pk=tag_id).update(thread_count=F("thread_count") + added)

    # Comments -----------------------------------------------------------------------------

    def plan_comments(self) -> None:
        """Comments per thread follow a long tail (some threads have none); each comes after its
        thread, most soon after; a quarter are replies to an earlier top-level comment."""
        rng = self.rng
        regular = self.counts["threads"]
        weights = [0.0 if rng.random() < 0.12 else min(rng.paretovariate(1.5), 100.0) for _ in range(regular)]
        per_thread = _allocate(self.counts["comments"], weights, cap=400)
        per_thread += [size for size, _ in SPECIAL_THREADS]
        self.comment_total = sum(per_thread)
        self.comment_base = _next_id(Comment)
        authors = iter(self.authors(self.comment_total))

        self.c_thread = array("l")
        self.c_author = array("l")
        self.c_parent = array("l")  # comment number, or -1 for a top-level comment
        self.c_reply_to = array("l")  # user number, or -1
        self.c_created = array("d")
        self.c_hidden = bytearray(self.comment_total)
        self.t_comments = array("l", [0] * self.thread_count)
        self.t_last_activity = array("d", self.t_created)
        self.t_accepted = array("l", [-1] * self.thread_count)

        for thread, size in enumerate(per_thread):
            if not size:
                continue
            is_special = thread >= regular
            start = self.t_created[thread]
            span = self.now - start
            if is_special:
                times = [start + span * (index + 1) / (size + 1) for index in range(size)]
            else:
                mean = max(min(span / 4, 5 * DAY), 60.0)
                times = sorted(
                    start + (offset if offset < span else span * rng.random())
                    for offset in (rng.expovariate(1 / mean) for _ in range(size))
                )
            top_level: list[int] = []
            last_reply_author: dict[int, int] = {}
            published = 0
            for index, created in enumerate(times):
                number = len(self.c_thread)
                author = next(authors)
                is_reply = top_level and ((index % 2 == 1) if is_special else rng.random() < 0.25)
                parent = rng.choice(top_level) if is_reply else -1
                reply_to = -1
                if is_reply and parent in last_reply_author and rng.random() < 0.3:
                    reply_to = last_reply_author[parent]
                if is_reply:
                    last_reply_author[parent] = author
                else:
                    top_level.append(number)
                hidden = not is_special and rng.random() < 0.01
                self.c_thread.append(thread)
                self.c_author.append(author)
                self.c_parent.append(parent)
                self.c_reply_to.append(reply_to)
                self.c_created.append(created)
                if hidden:
                    self.c_hidden[number] = 1
                else:
                    published += 1
            self.t_comments[thread] = published
            self.t_last_activity[thread] = times[-1]
            thread_author = self.t_author[thread]
            answers = [
                number
                for number in top_level[:5]
                if not self.c_hidden[number] and self.c_author[number] != thread_author
            ]
            if answers and (is_special or rng.random() < 0.35):
                self.t_accepted[thread] = answers[0] if is_special else rng.choice(answers)
        self.c_body = array(
            "l", (rng.randrange(len(self.comment_pool.bodies)) for _ in range(self.comment_total))
        )

    def write_comments(self) -> None:
        pool, base, thread_base, user_base = (
            self.comment_pool,
            self.comment_base,
            self.thread_base,
            self.user_base,
        )
        rng = random.Random(SEED + 3)

        def comments():
            for number in range(self.comment_total):
                body = self.c_body[number]
                parent = self.c_parent[number]
                reply_to = self.c_reply_to[number]
                created = self.c_created[number]
                likes, helpful, insightful = (
                    self.c_likes[number],
                    self.c_helpful[number],
                    self.c_insightful[number],
                )
                yield (
                    base + number,
                    thread_base + self.c_thread[number],
                    user_base + self.c_author[number],
                    base + parent if parent >= 0 else None,
                    user_base + reply_to if reply_to >= 0 else None,
                    pool.bodies[body],
                    pool.html[body],
                    Status.HIDDEN if self.c_hidden[number] else Status.PUBLISHED,
                    likes + helpful + insightful,
                    likes,
                    helpful,
                    insightful,
                    _timestamp(created),
                    _timestamp(created + rng.random() * 3600) if rng.random() < 0.03 else None,
                )

        columns = (
            "id", "thread_id", "author_id", "parent_id", "reply_to_id", "body", "body_html", "status",
            "reaction_count", "like_count", "helpful_count", "insightful_count", "created_at", "edited_at",
        )  # fmt: skip
        self.writer.write(Comment, columns, comments(), self.comment_total)

    # Reactions ----------------------------------------------------------------------------

    KINDS = ("like", "helpful", "insightful")
    KIND_WEIGHTS = (0.6, 0.3, 0.1)

    def plan_reactions(self) -> None:
        """Reactions on popular threads and comments, never by a post's author, unique per user,
        target and kind. bench0 (the signed-in visitor) reacts only on the 200-comment thread,
        explicitly, so that its page shows the visitor's own reactions."""
        rng = self.rng
        self.t_likes = array("l", [0] * self.thread_count)
        self.t_helpful = array("l", [0] * self.thread_count)
        self.t_insightful = array("l", [0] * self.thread_count)
        self.c_likes = array("l", [0] * self.comment_total)
        self.c_helpful = array("l", [0] * self.comment_total)
        self.c_insightful = array("l", [0] * self.comment_total)
        self.r_user = array("l")
        self.r_target = array("l")  # thread number, or -1 - comment number
        self.r_kind = array("b")
        self.r_created = array("d")

        special = self.special_numbers[0]
        special_comments = [
            number
            for number in range(self.comment_total)
            if self.c_thread[number] == special and self.c_author[number] != 0
        ][:20]
        if self.t_author[special] != 0:
            self._react(0, special, 0)
        for number in special_comments:
            self._react(0, -1 - number, 1)
        total = self.counts["reactions"] - len(self.r_user)
        on_threads = round(total * 0.3)
        # A user reacts to a post at most once per kind: a post takes at most this many reactions.
        cap = (self.user_count - 2) * len(self.KINDS)

        thread_weights = [
            (1 + self.t_comments[number]) ** 0.7 * min(rng.paretovariate(2.0), 20.0)
            for number in range(self.thread_count)
        ]
        for thread, count in enumerate(_allocate(on_threads, thread_weights, cap)):
            if count:
                self._react_many(thread, self.t_author[thread], count)
        comment_weights = [
            0.0 if self.c_hidden[number] or rng.random() < 0.4 else min(rng.paretovariate(1.8), 50.0)
            for number in range(self.comment_total)
        ]
        for comment, count in enumerate(_allocate(total - on_threads, comment_weights, cap)):
            if count:
                self._react_many(-1 - comment, self.c_author[comment], count)

    def _react_many(self, target: int, author: int, count: int) -> None:
        """`count` reactions on one post by users other than its author and bench0."""
        rng = self.rng
        users = self.user_count
        if count < users - 2:
            reactors = [user for user in rng.sample(range(1, users), count + 1) if user != author][:count]
            kinds = rng.choices(range(3), weights=self.KIND_WEIGHTS, k=count)
        else:
            slots = [slot for slot in rng.sample(range(3, users * 3), count + 3) if slot // 3 != author][
                :count
            ]
            reactors = [slot // 3 for slot in slots]
            kinds = [slot % 3 for slot in slots]
        for user, kind in zip(reactors, kinds, strict=True):
            self._react(user, target, kind)

    def _react(self, user: int, target: int, kind: int) -> None:
        if target >= 0:
            counters = (self.t_likes, self.t_helpful, self.t_insightful)[kind]
            counters[target] += 1
            created = self.t_created[target]
        else:
            counters = (self.c_likes, self.c_helpful, self.c_insightful)[kind]
            counters[-1 - target] += 1
            created = self.c_created[-1 - target]
        self.r_user.append(user)
        self.r_target.append(target)
        self.r_kind.append(kind)
        self.r_created.append(created + (self.now - created) * self.rng.random() ** 4)

    def write_reactions(self) -> None:
        first = _next_id(Reaction)
        user_base, thread_base, comment_base = self.user_base, self.thread_base, self.comment_base
        kinds = self.KINDS

        def reactions():
            for index in range(len(self.r_user)):
                target = self.r_target[index]
                yield (
                    first + index,
                    user_base + self.r_user[index],
                    thread_base + target if target >= 0 else None,
                    comment_base - 1 - target if target < 0 else None,
                    kinds[self.r_kind[index]],
                    _timestamp(self.r_created[index]),
                )

        self.writer.write(
            Reaction,
            ("id", "user_id", "thread_id", "comment_id", "kind", "created_at"),
            reactions(),
            len(self.r_user),
        )
        del self.r_user, self.r_target, self.r_kind, self.r_created

    # Progress -----------------------------------------------------------------------------

    def write_progress(self) -> None:
        """Each learner works down one roadmap in order (and on into another if they finish it):
        mostly done, a few skipped, the last one to three topics still being learned."""
        rng = random.Random(SEED + 4)
        roadmap_topics = {
            roadmap_id: [topic_id for topic_id, _ in topics]
            for roadmap_id, topics in self.roadmap_topics.items()
        }
        topic_total = sum(len(topics) for topics in roadmap_topics.values())
        others = [roadmap_id for roadmap_id in self.roadmap_ids if roadmap_id != self.backend_id]
        visitor = roadmap_topics[self.backend_id][:40]
        total = self.counts["progress"]
        visitor = visitor[: min(len(visitor), total)]
        weights = [0.0] + [min(rng.paretovariate(1.3), 60.0) for _ in range(self.user_count - 1)]
        per_user = _allocate(total - len(visitor), weights, cap=topic_total)
        first = _next_id(Progress)
        user_base, now = self.user_base, self.now

        def user_rows(user: int, topic_ids: list[int]):
            learning = min(len(topic_ids), rng.randint(1, 3))
            moment = now - YEAR * rng.random()
            step = (now - moment) / (len(topic_ids) + 1)
            for position, topic_id in enumerate(topic_ids):
                if position >= len(topic_ids) - learning:
                    status = "learning"
                else:
                    status = "skipped" if rng.random() < 0.07 else "done"
                moment += step * rng.random() * 2
                yield user_base + user, topic_id, status, _timestamp(min(moment, now))

        def rows():
            yield from user_rows(0, visitor)
            for user in range(1, self.user_count):
                count = per_user[user]
                if not count:
                    continue
                primary = self.backend_id if rng.random() < 0.6 else rng.choice(others or [self.backend_id])
                order = roadmap_topics[primary] + [
                    topic_id
                    for roadmap_id in self.roadmap_ids
                    if roadmap_id != primary
                    for topic_id in roadmap_topics[roadmap_id]
                ]
                yield from user_rows(user, order[:count])

        self.writer.write(
            Progress,
            ("id", "user_id", "topic_id", "status", "updated_at"),
            ((first + index, *row) for index, row in enumerate(rows())),
            total,
        )

    # Follows and bookmarks ----------------------------------------------------------------

    def write_follows_and_bookmarks(self) -> None:
        """Authors follow their threads (as posting does); some learners follow tags and topics
        (what digests are built from) and save a few threads."""
        rng = random.Random(SEED + 5)
        user_base, thread_base = self.user_base, self.thread_base
        topic_ids = [topic_id for topic_id, _ in self.topics]
        follows = [
            (user_base + self.t_author[number], thread_base + number, None, None)
            for number in range(self.thread_count)
        ]
        for user in range(self.user_count):
            if user == 0 or rng.random() < 0.3:
                for tag_id in rng.sample(self.tag_ids, rng.randint(1, 3) if user else 2):
                    follows.append((user_base + user, None, tag_id, None))
            if user == 0 or rng.random() < 0.2:
                for topic_id in rng.sample(topic_ids, rng.randint(1, 3) if user else 2):
                    follows.append((user_base + user, None, None, topic_id))
        first = _next_id(Follow)
        self.writer.write(
            Follow,
            ("id", "user_id", "thread_id", "tag_id", "topic_id", "created_at"),
            (
                (first + index, *row, _timestamp(self.now - YEAR * rng.random()))
                for index, row in enumerate(follows)
            ),
            len(follows),
        )

        bookmarks = [
            (0, number) for number in [*self.special_numbers, *rng.sample(range(self.counts["threads"]), 3)]
        ]
        for user in range(1, self.user_count):
            if rng.random() < 0.1:
                bookmarks += [
                    (user, number) for number in rng.sample(range(self.thread_count), rng.randint(1, 5))
                ]
        first = _next_id(Bookmark)
        self.writer.write(
            Bookmark,
            ("id", "user_id", "thread_id", "created_at"),
            (
                (
                    first + index,
                    user_base + user,
                    thread_base + number,
                    _timestamp(self.now - YEAR * rng.random()),
                )
                for index, (user, number) in enumerate(bookmarks)
            ),
            len(bookmarks),
        )

    # Moderation and notifications ---------------------------------------------------------

    def write_flags(self) -> None:
        """Flags on threads and comments, one per reporter and post; most already handled by a
        mentor, the open ones recent (they fill /mod/)."""
        rng = random.Random(SEED + 6)
        total = self.counts["flags"]
        seen: set[tuple[int, int]] = set()
        rows = []
        mentors = list(self.mentor_numbers) or [0]
        while len(rows) < total:
            if rng.random() < 0.3:
                target = rng.randrange(self.thread_count)
                author, created = self.t_author[target], self.t_created[target]
            else:
                comment = rng.randrange(self.comment_total)
                target, author, created = -1 - comment, self.c_author[comment], self.c_created[comment]
            reporter = rng.randrange(1, self.user_count)
            if reporter == author or (reporter, target) in seen:
                continue
            seen.add((reporter, target))
            state = rng.choices(["open", "resolved", "dismissed"], weights=[15, 35, 50])[0]
            if state == "open":
                flagged = max(created, self.now - 30 * DAY) + rng.random() * min(30 * DAY, self.now - created)
            else:
                flagged = created + (self.now - created) * rng.random()
            flagged = min(flagged, self.now)
            resolved_at = min(flagged + rng.random() * 2 * DAY, self.now)
            rows.append(
                (
                    self.user_base + reporter,
                    self.thread_base + target if target >= 0 else None,
                    self.comment_base - 1 - target if target < 0 else None,
                    rng.choices(["spam", "abuse", "off_topic", "other"], weights=[50, 15, 25, 10])[0],
                    state,
                    None if state == "open" else self.user_base + rng.choice(mentors),
                    None if state == "open" else _timestamp(resolved_at),
                    _timestamp(flagged),
                )
            )
        first = _next_id(Flag)
        self.writer.write(
            Flag,
            (
                "id",
                "reporter_id",
                "thread_id",
                "comment_id",
                "reason",
                "status",
                "resolved_by_id",
                "resolved_at",
                "created_at",
            ),
            ((first + index, *row) for index, row in enumerate(rows)),
            total,
        )

    def write_notifications(self) -> None:
        """Reply and mention notifications, one per comment: to the thread's author, or to bench0
        for the first thirty so that the signed-in visitor has some (a third of those unread)."""
        rng = random.Random(SEED + 7)
        total = self.counts["notifications"]
        comments = rng.sample(range(self.comment_total), min(total * 2, self.comment_total))
        rows = []
        for comment in comments:
            if len(rows) == total:
                break
            actor = self.c_author[comment]
            recipient = 0 if len(rows) < 30 else self.t_author[self.c_thread[comment]]
            if recipient == actor:
                continue
            created = self.c_created[comment]
            is_read = rng.random() < (0.66 if recipient == 0 else 0.7)
            rows.append(
                (
                    self.user_base + recipient,
                    self.user_base + actor,
                    "mention" if rng.random() < 0.15 else "reply",
                    self.thread_base + self.c_thread[comment],
                    self.comment_base + comment,
                    f"comment:{self.comment_base + comment}",
                    _timestamp(created),
                    _timestamp(min(created + rng.random() * 3 * DAY, self.now)) if is_read else None,
                )
            )
        if len(rows) < total:
            raise CommandError("The data set is too small for this many notifications; use a larger --scale.")
        first = _next_id(Notification)
        self.writer.write(
            Notification,
            (
                "id",
                "recipient_id",
                "actor_id",
                "verb",
                "thread_id",
                "comment_id",
                "event_key",
                "created_at",
                "read_at",
            ),
            ((first + index, *row) for index, row in enumerate(rows)),
            total,
        )

    # After --------------------------------------------------------------------------------

    def bump_caches(self) -> None:
        """Cached per-roadmap thread counts are stale now; roadmap imports bumped their own keys."""

        def bump():
            bump_version_tokens(*(topic_counts_version_key(roadmap_id) for roadmap_id in self.roadmap_ids))

        transaction.on_commit(bump)

    def summary(self) -> list[str]:
        special = Thread.objects.filter(
            pk__in=[self.thread_base + number for number in self.special_numbers]
        ).order_by("pk")
        site = settings.SITE_URL
        lines = [
            f"  users:          bench0 .. bench{self.user_count - 1} (email bench<N>@{EMAIL_DOMAIN}), "
            f"password {PASSWORD!r}",
            f"  signed-in runs: bench0@{EMAIL_DOMAIN} (a learner); mentors: "
            + (f"bench1 .. bench{self.mentor_numbers[-1]}" if self.mentor_numbers else "none"),
        ]
        lines += [f"  {thread.title}: {site}{thread.get_absolute_url()}" for thread in special]
        return lines


def _cumulative(weights):
    total = 0.0
    for weight in weights:
        total += weight
        yield total
