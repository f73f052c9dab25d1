"""The shipped Backend roadmap states its facts correctly and as they stand in late 2026.

Each corrected or updated fact is pinned twice: the sentence a learner now reads is in the topic's body,
and the sentence it replaced, which was wrong or out of date, is gone from the whole roadmap.
"""

import re
from pathlib import Path

import pytest
import yaml

from roadmap.content_files import load_roadmap_file

BACKEND_FILE = Path(__file__).resolve().parents[2] / "roadmap" / "content" / "backend.yaml"

# (topic slug, text now in its body, text that must be gone everywhere)
FACTS = [
    (
        "n-plus-one-queries",
        "# 1 query: posts JOINed with their authors",
        "# 2 queries at most",
    ),
    (
        "n-plus-one-queries",
        "`eager_load` in Rails",
        "`joinedload` in SQLAlchemy, `includes` in Rails)",
    ),
    (
        "n-plus-one-queries",
        "`preload` in Rails (whose `includes` picks one of the two for you)",
        "a second batched `IN (...)` query (`prefetch_related`)",
    ),
    (
        "cdn",
        "`CDN-Cache-Control` (RFC 9213) or the older `Surrogate-Control`",
        "plus CDN-specific ones such as `s-maxage`",
    ),
    (
        "cdn",
        "`s-maxage` directive, part of the HTTP caching standard",
        "which applies only to shared caches.",
    ),
    (
        "openid-connect",
        "among them a `jwks_uri`: the address of the provider's current public signing keys",
        "listing their endpoints and signing keys",
    ),
    (
        "forms-and-fetch",
        '`<form method="post" enctype="multipart/form-data">`: without the `enctype` the browser sends only the '
        "file's name",
        "or as `multipart/form-data` when it includes file uploads",
    ),
    (
        "rest",
        "Most APIs called REST leave out hypermedia and are really HTTP APIs built on REST's ideas.",
        "REST is an architectural style for APIs built on plain HTTP.",
    ),
    (
        "rest",
        "Roy Fielding described in 2000",
        "it is the default choice for a new backend service.",
    ),
    (
        "serverless-concurrency-limits",
        "In AWS Lambda's default model each execution environment serves one request at a time",
        "Each function instance usually handles one request at a time",
    ),
    (
        "serverless-concurrency-limits",
        "Azure Functions instances run many executions at once",
        "set reserved concurrency to cap a single function",
    ),
    (
        "meilisearch-typesense",
        "Meilisearch stores it on disk in memory-mapped files",
        "where the dataset fits comfortably in one server's memory",
    ),
    (
        "mysql-mariadb",
        "even in MySQL 8.0 and 8.4 it is a deprecated alias for `utf8mb3`",
        "The character set called `utf8` in older MySQL versions",
    ),
    (
        "transactions",
        "so a read-then-write can still lose an update",
        "REPEATABLE READ gives a stable snapshot. SERIALIZABLE",
    ),
    (
        "cassandra",
        "two of the three replicas must respond",
        "means two replicas must agree",
    ),
    (
        "cassandra",
        "the newest timestamp wins",
        "means two replicas must agree",
    ),
    (
        "go",
        "Build with `CGO_ENABLED=0` when you want a fully static binary",
        "It compiles to a single static binary",
    ),
    (
        "writing-docker-images",
        "`RUN`, `COPY` and `ADD` each add a filesystem layer",
        "each instruction produces a cached layer",
    ),
    (
        "browsers",
        "fails in the browser is very often CORS",
        "fails in the browser is almost always CORS",
    ),
    (
        "processes-and-threads",
        "the free-threaded build, officially supported since Python 3.14, removes the GIL",
        "In CPython the global interpreter lock (GIL) lets only one thread run Python bytecode at a time, so "
        "CPU-heavy work needs processes rather than threads.",
    ),
    (
        "python",
        "The free-threaded build (`python3.14t`), officially supported since Python 3.14",
        "and the GIL limits multithreaded CPU parallelism",
    ),
    (
        "owasp-top-10",
        "In the 2025 edition broken access control still ranks first, now including server-side request "
        "forgery, followed by security misconfiguration and software supply chain failures",
        "In the 2021 edition broken access control ranked first",
    ),
    (
        "owasp-top-10",
        "mishandling of exceptional conditions",
        "followed by cryptographic failures and injection",
    ),
    (
        "github-actions",
        "uses: actions/checkout@1af3b93b6815bc44a9784bd300feb67ff0d1eeb3 # v6.0.0",
        "uses: actions/checkout@v4",
    ),
    (
        "github-actions",
        "uses: actions/setup-python@e797f83bcb11b83ae66e0230d6156d7c80228e7c # v6.0.0",
        "uses: actions/setup-python@v5",
    ),
    (
        "github-actions",
        "when GitHub moved its runners from Node 20 to Node 24 in 2026",
        'python-version: "3.12"',
    ),
    (
        "cold-starts",
        "supports Java, Python and .NET",
        "SnapStart for Java)",
    ),
    (
        "rabbitmq",
        "since version 4.0, speaks AMQP 1.0 natively as well",
        "RabbitMQ is a widely used open-source broker built around AMQP 0-9-1.",
    ),
    (
        "rabbitmq",
        "streams, an append-only structure added in 3.9, keep messages after they are read",
        "Messages are removed once a consumer acknowledges them.",
    ),
    (
        "rabbitmq",
        "they replace the classic mirrored queues, which RabbitMQ 4.0 removed",
        "Quorum queues replicate data across nodes for high availability.",
    ),
    (
        "apache-kafka",
        "Share groups, production-ready since Kafka 4.2",
        "Consumer groups share partitions among workers",
    ),
    (
        "openapi",
        "Since version 3.1 it uses standard JSON Schema for data models",
        "Version 3.1 uses JSON Schema for data models",
    ),
    (
        "openapi",
        "3.2, released in 2025",
        "Version 3.1 uses JSON Schema for data models",
    ),
    (
        "redis",
        "Since Redis 8 (2025) Redis itself is open source again, under the AGPLv3",
        "Valkey, a Linux Foundation fork created after Redis changed its license in 2024, speaks the same "
        "protocol, as do several managed cloud services.",
    ),
    (
        "database-indexes",
        "but usually not those filtering only by date",
        "helps queries filtering by customer, but not those filtering only by date.",
    ),
    (
        "database-indexes",
        "PostgreSQL since 18) can skip-scan such an index",
        "helps queries filtering by customer, but not those filtering only by date.",
    ),
    (
        "elasticsearch-opensearch",
        "Elasticsearch 9 and OpenSearch 3 have drifted apart",
        "is now largely compatible with it for everyday use",
    ),
    (
        "elasticsearch-opensearch",
        "has offered an open-source AGPLv3 licence again since 2024",
        "is now largely compatible with it for everyday use",
    ),
    (
        "docker-compose",
        "image: postgres:18",
        "image: postgres:16",
    ),
    (
        "kubernetes",
        "the Gateway API or the older, feature-frozen Ingress",
        "and Ingress or Gateway (HTTP routing from outside)",
    ),
    (
        "distributed-tracing",
        "auto-instrumentation for frameworks such as Django, Spring, Express and ASP.NET Core",
        "auto-instrumentation for Django, Flask, requests and database drivers",
    ),
    (
        "multi-factor-authentication",
        "Passkeys synced by the platform's password manager",
        "so they resist phishing entirely. The backend work",
    ),
    (
        "unit-testing",
        "JUnit in Java, xUnit or NUnit in .NET",
        "In Python, learn `pytest`",
    ),
]


@pytest.fixture(scope="module")
def backend():
    return load_roadmap_file(BACKEND_FILE)


@pytest.fixture(scope="module")
def bodies(backend):
    """Topic bodies by slug, with hard line wraps folded so a sentence matches however it is wrapped."""
    return {
        topic["slug"]: " ".join(topic["body"].split())
        for section in backend["sections"]
        for topic in section["topics"]
    }


def fact_id(fact):
    slug, new, _old = fact
    return f"{slug}: {new[:40]}"


@pytest.mark.parametrize("fact", FACTS, ids=[fact_id(fact) for fact in FACTS])
def test_corrected_fact_is_in_the_topic(bodies, fact):
    slug, new, _old = fact
    assert new in bodies[slug]


@pytest.mark.parametrize("fact", FACTS, ids=[fact_id(fact) for fact in FACTS])
def test_replaced_sentence_is_gone_from_the_roadmap(bodies, fact):
    _slug, _new, old = fact
    assert [slug for slug, body in bodies.items() if old in body] == []


@pytest.mark.parametrize(
    "idea",
    [
        "client and server are separate",
        "stateless",
        "cached",
        "layers such as proxies",
        "code for the client to run",
        "uniform interface",
        "representations",
        "content negotiation (`Accept: application/json`",
        "`406 Not Acceptable`",
        "hypermedia",
        "follows links instead of assembling URLs",
        "Plural nouns for collections",
        "`/customers/7/orders`",
        "`GET /orders?status=paid&sort=-created_at&limit=20`",
        "`POST /orders/42/refunds`",
        "`201 Created` and a `Location` header",
    ],
)
def test_rest_topic_teaches_fieldings_style_and_practical_resource_design(bodies, idea):
    assert idea in bodies["rest"]


def test_github_actions_example_follows_its_own_advice(backend):
    """The workflow shown parses, pins every action to a full commit SHA and keeps the token read-only."""
    topic = next(t for s in backend["sections"] for t in s["topics"] if t["slug"] == "github-actions")
    example = re.search(r"```yaml\n(.*?)```", topic["body"], re.DOTALL).group(1)
    workflow = yaml.safe_load(example)

    steps = workflow["jobs"]["test"]["steps"]
    actions = [step["uses"] for step in steps if "uses" in step]
    assert actions
    assert all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action) for action in actions)
    assert workflow["permissions"] == {"contents": "read"}


def test_every_code_block_in_every_body_is_closed(backend):
    unclosed = [
        topic["slug"]
        for section in backend["sections"]
        for topic in section["topics"]
        if len(re.findall(r"^```", topic["body"], re.MULTILINE)) % 2
    ]
    assert unclosed == []


def test_professional_networking_is_not_titled_like_computer_networking(backend):
    topic = next(
        t for s in backend["sections"] for t in s["topics"] if t["slug"] == "professional-networking"
    )
    assert topic["title"] == "Professional networking"
