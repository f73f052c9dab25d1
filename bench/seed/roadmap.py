"""Roadmaps (backend.yaml and two generated ones) and learners' progress on them."""

import random
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils.text import slugify

from bench.seed import DAY, SEED, YEAR
from bench.seed.numbers import allocate, timestamp
from bench.seed.texts import LISTS, PARAGRAPHS, SNIPPETS
from bench.seed.writer import next_id
from roadmap.content_files import import_roadmap, load_roadmap_file
from roadmap.models import Progress, ProgressEvent, Roadmap, Topic

BACKEND_FILE = Path(settings.BASE_DIR) / "roadmap" / "content" / "backend.yaml"

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


def generated_roadmap(spec: dict, rng: random.Random) -> dict:
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


class RoadmapSeed:
    """The roadmaps and the progress rows. Sets `roadmap_topics`, `roadmap_ids`, `backend_id`,
    `topics` and `topic_weights`, which the community part plans threads with."""

    def load_roadmaps(self) -> None:
        """backend.yaml if it is not loaded yet, and the two generated roadmaps if missing."""
        if not Roadmap.objects.filter(slug="backend").exists():
            import_roadmap(load_roadmap_file(BACKEND_FILE))
        rng = random.Random(SEED)
        for spec in GENERATED_ROADMAPS:
            if not Roadmap.objects.filter(slug=spec["slug"]).exists():
                import_roadmap(generated_roadmap(spec, rng))
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

    def write_progress(self) -> None:
        """Each learner works down one roadmap in order (and on into another if they finish it):
        mostly done, a few skipped, the last one to three topics still being learned. A mentor
        verified about a quarter of the done topics (every third of the signed-in visitor's), so
        the map's verified marks are part of what is measured.

        Each row comes with its history, recorded as an import: a start some days before the
        row's time (a few days for most, a long tail of slow ones), then the finish, the skip or
        the verification at that time; a topic still being learned has its start only."""
        rng = random.Random(SEED + 4)
        verifying = random.Random(SEED + 14)  # its own sequence: the statuses stay as they were
        pace = random.Random(SEED + 24)  # the history's own sequence, for the same reason
        events: list[tuple] = []
        mentors = [self.user_base + number for number in self.mentor_numbers] or [None]
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
        per_user = allocate(total - len(visitor), weights, cap=topic_total)
        first = next_id(Progress)
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
                when = timestamp(min(moment, now))
                is_verified = status == "done" and (
                    position % 3 == 0 if user == 0 else verifying.random() < 0.25
                )
                verifier = verifying.choice(mentors) if is_verified else None
                is_verified = is_verified and verifier is not None
                _plan_history(events, user_base + user, topic_id, status, when, is_verified, pace)
                yield (
                    user_base + user,
                    topic_id,
                    status,
                    when,
                    verifier,
                    when if is_verified else None,
                )

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
            ("id", "user_id", "topic_id", "status", "updated_at", "verified_by_id", "verified_at"),
            ((first + index, *row) for index, row in enumerate(rows())),
            total,
        )
        first = next_id(ProgressEvent)
        self.writer.write(
            ProgressEvent,
            ("id", "user_id", "topic_id", "kind", "source", "created_at"),
            ((first + index, *event) for index, event in enumerate(events)),
            len(events),
            label="progress history",
        )


def _plan_history(events: list, user_id, topic_id, status, when, is_verified, rng) -> None:
    """Append the events that led a learner to `status` on a topic at `when`."""
    source = ProgressEvent.Source.IMPORT
    if status == Progress.Status.LEARNING:
        events.append((user_id, topic_id, ProgressEvent.Kind.LEARNING, source, when))
        return
    started = when - timedelta(seconds=min(rng.lognormvariate(1.2, 0.9), 120.0) * DAY)
    events.append((user_id, topic_id, ProgressEvent.Kind.LEARNING, source, started))
    events.append((user_id, topic_id, status, source, when))
    if is_verified:
        events.append((user_id, topic_id, ProgressEvent.Kind.VERIFIED, source, when))
