"""Two identical set or clear requests at once, as when a client retries while its first
request is still in flight, on PostgreSQL with a connection each: either both reach the rows
they change at the same moment, or one runs from start to end between the other's first
read of those rows and what it does next. Each pair must end in the state it asked for, with
the counts exact, and both must answer that state; never a 500 or a leaked IntegrityError."""

import threading
from dataclasses import dataclass

import pytest

from community.models import Bookmark, Follow, Reaction, Thread
from tests.api.helpers import token_client
from tests.concurrency import meeting_at_first_use_of, run_at_once, run_one_inside_the_other
from tests.factories import ThreadFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Requests that meet run a few rounds, each with a fresh member and thread: which one goes on
# first from the meeting point is up to the scheduler. The interleaved order is exact.
ROUNDS = {"together": 5, "interleaved": 1}

NO_REACTIONS = {"reaction_count": 0, "like_count": 0, "helpful_count": 0, "insightful_count": 0}
ONE_LIKE = {"reaction_count": 1, "like_count": 1, "helpful_count": 0, "insightful_count": 0}


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # under /api/v1/threads/<id>/
    model: type
    was_on: bool
    answer: dict
    counts: dict  # the thread's counters afterwards

    @property
    def is_on(self) -> bool:
        return self.method == "post"


CASES = {
    "reaction-add": Case("post", "reactions/like/", Reaction, False, {"kind": "like", "reacted": True, **ONE_LIKE}, ONE_LIKE),
    "reaction-remove": Case("delete", "reactions/like/", Reaction, True, {"kind": "like", "reacted": False, **NO_REACTIONS}, NO_REACTIONS),
    "follow": Case("post", "follow/", Follow, False, {"is_following": True}, NO_REACTIONS),
    "unfollow": Case("delete", "follow/", Follow, True, {"is_following": False}, NO_REACTIONS),
    "bookmark": Case("post", "bookmark/", Bookmark, False, {"is_bookmarked": True}, NO_REACTIONS),
    "unbookmark": Case("delete", "bookmark/", Bookmark, True, {"is_bookmarked": False}, NO_REACTIONS),
}  # fmt: skip


def rows_of(case: Case, user, thread):
    extra = {"kind": "like"} if case.model is Reaction else {}
    return case.model.objects.filter(user=user, thread=thread, **extra)


def given(case: Case, user, thread) -> None:
    """The state before the requests, written directly so as not to depend on the services."""
    if not case.was_on:
        return
    if case.model is Reaction:
        Reaction.objects.create(user=user, thread=thread, kind="like")
        Thread.objects.filter(pk=thread.pk).update(like_count=1, reaction_count=1)
    else:
        case.model.objects.create(user=user, thread=thread)


def two_requests(case: Case, user, thread, order: str):
    url = f"/api/v1/threads/{thread.pk}/{case.path}"
    clients = iter([token_client(user), token_client(user)])
    table = case.model._meta.db_table

    def send(client):
        response = getattr(client, case.method)(url)
        return response.status_code, response.json()

    if order == "interleaved":
        return run_one_inside_the_other(lambda: send(next(clients)), table=table)
    barrier = threading.Barrier(2, timeout=10)

    def meet_then_send():
        client = next(clients)
        with meeting_at_first_use_of(table, barrier):
            return send(client)

    return run_at_once(meet_then_send)


@pytest.mark.parametrize("order", ROUNDS)
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_two_identical_requests_at_once_end_in_the_state_asked_for(case, order):
    for _ in range(ROUNDS[order]):
        user, thread = UserFactory(), ThreadFactory()
        given(case, user, thread)

        answers, errors = two_requests(case, user, thread, order)

        assert errors == []
        assert answers == [(200, case.answer)] * 2
        assert rows_of(case, user, thread).count() == (1 if case.is_on else 0)
        counts = Thread.objects.filter(pk=thread.pk).values(*case.counts).get()
        assert counts == case.counts
