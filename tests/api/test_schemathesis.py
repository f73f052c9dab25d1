"""schemathesis fuzzes the live API from its own schema, on PostgreSQL, signed in with a token.

Every operation gets up to 50 examples of schema-valid data (hypothesis runs fewer when an
operation's inputs have fewer distinct values, as GET /me/ has one), 20 of invalid data, and,
when its path names a roadmap, topic or member, 30 more with real ones so that the fuzzing
reaches past the 404s. In the same way, the schema-valid bodies name real tags, topics and
sections (each section once) and end a suspension in the future (name_existing_things): the
API refuses an unknown tag, topic or section, a section given twice and a past end with 400,
rules the schema states in words, as no JSON Schema can. Every check
schemathesis has runs on every response (CHECKS, read from
its registry, so that one added by an upgrade runs too): no server error; a documented status,
content type, headers and body; invalid data refused (negative_data_rejection) and valid data
accepted (positive_data_acceptance); a missing required header refused; an unsupported method
answered 405 with `Allow`; no use after DELETE; created resources available; auth enforced
(ignored_auth); and objects of one identity not readable by another. The checks that need a
phase or scenario this test does not run (coverage, stateful links) pass trivially here.

The operations are dealt out to SHARDS tests, each with its own live server and data, so that
pytest-xdist runs them side by side (`-n SHARDS`); together they fuzz every operation. Each
shard's figures are printed at the end of the run (tests/conftest.py), from any worker.
"""

import logging
import socket
import time
import unicodedata
from collections import Counter
from datetime import timedelta

import pytest
import requests
import schemathesis
from django.core.cache import cache
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import CHECKS as BUILT_IN_CHECKS
from schemathesis.checks import is_check_class, load_all_checks

from accounts import services as account_services
from accounts.models import ApiToken
from community import mentorship, moderation, services
from roadmap import services as roadmap_services
from tests.factories import (
    AdminFactory,
    CommentFactory,
    TagFactory,
    ThreadFactory,
    UserFactory,
    build_roadmap,
)

MAX_EXAMPLES = 50  # schema-valid data, per operation
NEGATIVE_EXAMPLES = 20  # invalid data, per operation
REAL_PATH_EXAMPLES = 30  # schema-valid data with real path parameters
SHARDS = 2


def every_built_in_check() -> list:
    """Every check schemathesis registers, so that one added by an upgrade runs here too."""
    load_all_checks()
    return [check for check in BUILT_IN_CHECKS.get_all() if not is_check_class(check)]


CHECKS = every_built_in_check()


def seed():
    """A small world with ids from 1, so that generated ids find real objects; returns the
    fuzzing admin, the path parameters that name real things, and the tags and topics that
    bodies can name."""
    roadmap, topics = build_roadmap(topics=6, sections=2)
    tags = [TagFactory(slug=slug, name=slug.title()) for slug in ("http", "python", "databases")]
    long_ago = timezone.now() - timedelta(days=90)
    learner = UserFactory(username="learner", date_joined=long_ago)
    admin = AdminFactory(username="fuzzer", date_joined=long_ago)
    for number in range(3):
        account_services.create_api_token(user=admin, name=f"decoy {number}")
    for number in range(12):
        thread = ThreadFactory(
            author=learner if number % 2 else admin, topic=topics[number % 6], tags=tags[:2]
        )
        comment = CommentFactory(thread=thread, author=learner)
        CommentFactory(thread=thread, author=admin, parent=comment)
        moderation.flag(reporter=UserFactory(), target=thread, reason="spam")
    services.follow_set(user=admin, thread=thread)
    services.create_comment(thread=thread, author=learner, body="A reply that notifies the fuzzer")
    roadmap_services.set_progress(user=admin, topic=topics[0], status="done")
    roadmap_services.save_note(user=admin, topic=topics[0], body="A note")
    roadmap_services.set_progress(user=learner, topic=topics[1], status="done")
    mentorship.request_review(learner=learner, topic=topics[1], explanation="My work", shares_note=True)
    real = {"slug": roadmap.slug, "topic": topics[1].slug, "username": learner.username}
    existing = {
        "tags": [tag.slug for tag in tags],
        "topics": [topic.pk for topic in topics],
        "sections": list(roadmap.sections.order_by("pk").values_list("pk", flat=True)),
    }
    return admin, real, existing


def name_existing_things(schema, existing) -> None:
    r"""In schema-valid cases of this schema, `tags`, `topic` and `sections` name existing ones
    (the sections each once, so at most as many as there are), `until` is a month ahead, and
    `display_name` loses the other (`\p{C}`) characters its pattern refuses, which
    schemathesis's generator cannot all tell apart; invalid cases keep whatever they were
    generated with."""

    @schema.hook
    def map_case(context, case):
        if not case.meta.generation.mode.is_positive or not isinstance(case.body, dict):
            return case
        body = dict(case.body)
        if isinstance(body.get("tags"), list):
            body["tags"] = [
                existing["tags"][index % len(existing["tags"])] for index in range(len(body["tags"]))
            ]
        if type(body.get("topic")) is int:
            body["topic"] = existing["topics"][body["topic"] % len(existing["topics"])]
        if isinstance(body.get("sections"), list):
            body["sections"] = [
                {**row, "section": section_id}
                for row, section_id in zip(body["sections"], existing["sections"], strict=False)
            ]
        if "until" in body:
            body["until"] = (timezone.now() + timedelta(days=30)).isoformat()
        if isinstance(body.get("display_name"), str):  # the generator reads `\p{C}` only in part
            body["display_name"] = "".join(
                character for character in body["display_name"] if unicodedata.category(character)[0] != "C"
            )
        case.body = body
        return case


def fuzzing_token(admin) -> str:
    """The fuzzer's own token, with an id far from the others so that DELETE /me/tokens/{id}/
    revokes decoys, not the token the run depends on."""
    token, key = account_services.create_api_token(user=admin, name="schemathesis")
    ApiToken.objects.filter(pk=token.pk).update(id=987_654_321)
    return key


def fuzz(operation, mode, path_parameters, *, examples, session, headers) -> tuple[int, Exception | None]:
    """Run up to `examples` generated requests against one operation; answers how many ran
    and the first failure, if any."""
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
    count = 0

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        nonlocal count
        count += 1
        case.call_and_validate(session=session, headers=headers, checks=CHECKS)

    try:
        call()
    except Unsatisfiable:
        if mode is schemathesis.GenerationMode.POSITIVE:
            raise
        return count, None  # nothing about this operation's inputs can be made invalid
    except (Exception, BaseExceptionGroup) as error:  # the caller reports every operation's failure
        return count, error
    return count, None


def fuzz_all(schema, real, *, shard, session, headers) -> tuple[int, Counter, dict]:
    """Fuzz every operation of this shard: generated data, invalid data, and real path
    parameters where the path names things `real` knows. Answers the operations, examples per
    operation, failures."""
    examples, failures, operations = Counter(), {}, 0
    for index, result in enumerate(schema.get_all_operations()):
        if index % SHARDS != shard:
            continue
        operation = result.ok()
        operations += 1
        named = {parameter.name for parameter in operation.path_parameters} & set(real)
        runs = [
            (schemathesis.GenerationMode.POSITIVE, None, MAX_EXAMPLES),
            (schemathesis.GenerationMode.NEGATIVE, None, NEGATIVE_EXAMPLES),
        ]
        if named:
            real_path = {name: real[name] for name in named}
            runs.append((schemathesis.GenerationMode.POSITIVE, real_path, REAL_PATH_EXAMPLES))
        for mode, path_parameters, limit in runs:
            count, error = fuzz(
                operation, mode, path_parameters, examples=limit, session=session, headers=headers
            )
            examples[operation.label] += count
            if error is not None:
                failures[f"{operation.label} ({mode.value}{', real path' if path_parameters else ''})"] = (
                    error
                )
    return operations, examples, failures


@pytest.fixture
def quiet_client_errors():
    """Thousands of 4xx answers are expected here: log server errors only."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, reset_sequences=True)
@pytest.mark.usefixtures("quiet_client_errors")
@pytest.mark.parametrize("shard", range(SHARDS), ids=lambda shard: f"shard-{shard + 1}-of-{SHARDS}")
def test_the_live_api_conforms_to_its_schema_under_fuzzing(
    shard, live_server, settings, monkeypatch, record_property
):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min", "write": "100000/min"},
    }
    unlimited = services.Limit(threads_per_hour=100_000, comments_per_hour=100_000)
    monkeypatch.setattr(services, "LIMITS", unlimited)
    monkeypatch.setattr(services, "NEW_ACCOUNT_LIMITS", unlimited)
    cache.clear()
    # The test server writes headers and body in two sends; without TCP_NODELAY every answer
    # waits out the client's delayed ACK (about 40 ms). Accepted sockets inherit the option.
    live_server.thread.httpd.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    admin, real, existing = seed()
    headers = {"Authorization": f"Bearer {fuzzing_token(admin)}"}
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/schema/", headers={"Accept": "application/json"}
    )
    name_existing_things(schema, existing)
    started = time.monotonic()
    with requests.Session() as session:
        operations, examples, failures = fuzz_all(schema, real, shard=shard, session=session, headers=headers)
    elapsed = time.monotonic() - started
    record_property(
        "figures",
        f"schemathesis shard {shard + 1} of {SHARDS}: {operations} operations, {sum(examples.values())} examples "
        f"(fewest {min(examples.values())}, most {max(examples.values())} per operation), "
        f"{len(failures)} failing runs, {elapsed:.0f}s",
    )
    assert not failures, "\n\n".join(f"{label}:\n{error}" for label, error in failures.items())
