"""For mentors and admins: the flag queue, every moderation act (with its reason, written to
the audit log) and the log itself, with the role matrix of each."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from community import moderation
from community.models import Comment, Flag, ModerationAction, Notification, Status, Thread
from tests.api.helpers import ROLES, error_of, token_client
from tests.factories import ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db

LISTS = ["/api/v1/mod/flags/", "/api/v1/mod/flagged/", "/api/v1/mod/log/"]
MODERATOR_STATUS = {
    "anonymous": 401,
    "learner": 403,
    "author": 403,
    "suspended": 403,
    "mentor": 200,
    "admin": 200,
}


def flag_by_others(target, count=1, reason="spam"):
    for _ in range(count):
        moderation.flag(reporter=UserFactory(), target=target, reason=reason)


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("role", ROLES)
def test_only_moderators_see_the_queue_and_the_log(client_as, url, role):
    response = client_as(role).get(url)
    assert response.status_code == MODERATOR_STATUS[role]
    if response.status_code != 200:
        assert error_of(response)["code"] in {"not_authenticated", "permission_denied"}


def test_the_flat_queue_lists_open_flags_oldest_first(mentor, thread, comment):
    flag_by_others(thread)
    flag_by_others(comment, reason="abuse")
    results = token_client(mentor).get("/api/v1/mod/flags/").json()["results"]
    assert [(item["reason"], item["thread_id"], item["comment_id"]) for item in results] == [
        ("spam", thread.pk, None),
        ("abuse", thread.pk, comment.pk),
    ]


def test_the_grouped_queue_puts_the_post_flagged_longest_ago_first(mentor, thread, comment):
    flag_by_others(comment, reason="abuse")
    flag_by_others(thread, count=2)
    flag_by_others(comment, reason="spam")
    results = token_client(mentor).get("/api/v1/mod/flagged/").json()["results"]
    assert [(item["kind"], item["flag_count"], item["reasons"]) for item in results] == [
        ("comment", 2, {"abuse": 1, "spam": 1}),
        ("thread", 2, {"spam": 2}),
    ]
    assert results[0]["comment"]["id"] == comment.pk
    assert results[0]["thread"]["id"] == thread.pk
    assert results[0]["author"]["username"] == "author"
    assert [flag["reason"] for flag in results[0]["flags"]] == ["abuse", "spam"]
    first, second = (
        [datetime.fromisoformat(item[name]) for name in ("first_flagged_at", "last_flagged_at")]
        for item in results
    )
    assert first[0] < second[0] < second[1] < first[1]


def test_closed_flags_leave_the_queue(mentor, thread):
    flag_by_others(thread)
    moderation.resolve_flags(moderator=mentor, target=thread, decision="dismiss", reason="Fine")
    assert token_client(mentor).get("/api/v1/mod/flags/").json()["results"] == []


# --- Acts on threads --------------------------------------------------------------------

THREAD_ACTS = [
    ("hide", {}, lambda thread: thread.status == Status.HIDDEN),
    ("lock", {}, lambda thread: thread.is_locked),
    ("pin", {}, lambda thread: thread.is_pinned),
    ("retag", {"tags": ["career"]}, lambda thread: [tag.slug for tag in thread.tags.all()] == ["career"]),
    ("move", {"topic": None}, lambda thread: thread.topic is None),
]


@pytest.mark.parametrize(("act", "extra", "done"), THREAD_ACTS, ids=[act for act, *_ in THREAD_ACTS])
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("learner", 403),
        ("author", 403),
        ("suspended", 403),
        ("mentor", 201),
        ("admin", 201),
    ],
)
def test_who_may_act_on_a_thread(client_as, thread, act, extra, done, role, status):
    response = client_as(role).post(
        f"/api/v1/mod/threads/{thread.pk}/{act}/", {"reason": "Keeping things tidy", **extra}, format="json"
    )
    assert response.status_code == status
    thread.refresh_from_db()
    assert done(thread) is (status == 201)


def test_an_act_answers_its_audit_log_entry_and_tells_the_author(
    mentor, thread, author, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = token_client(mentor).post(
            f"/api/v1/mod/threads/{thread.pk}/hide/", {"reason": "Off-topic here"}, format="json"
        )
    data = response.json()
    assert (data["action"], data["reason"], data["moderator"]["username"]) == (
        "hide",
        "Off-topic here",
        "mentor",
    )
    assert (data["thread"]["id"], data["target_user"]["username"]) == (thread.pk, "author")
    assert ModerationAction.objects.get().pk == data["id"]
    assert Notification.objects.filter(recipient=author, verb="moderation").exists()


@pytest.mark.parametrize(
    "act", ["hide", "restore", "lock", "unlock", "pin", "unpin", "move", "retag", "resolve-flags"]
)
@pytest.mark.parametrize(
    "reason", [None, "", "   ", "x" * 501], ids=["missing", "empty", "blank", "too-long"]
)
def test_every_act_needs_a_reason(mentor, thread, act, reason):
    body = {"topic": None, "tags": [], "decision": "dismiss"}
    if reason is not None:
        body["reason"] = reason
    response = token_client(mentor).post(f"/api/v1/mod/threads/{thread.pk}/{act}/", body, format="json")
    assert response.status_code == 400
    assert "reason" in error_of(response)["fields"]
    assert not ModerationAction.objects.exists()


def test_the_state_rules_of_the_services_answer_409_conflict(mentor, thread):
    client = token_client(mentor)
    response = client.post(f"/api/v1/mod/threads/{thread.pk}/unlock/", {"reason": "why not"}, format="json")
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"
    assert "already unlocked" in error_of(response)["message"]
    response = client.post(f"/api/v1/mod/threads/{thread.pk}/restore/", {"reason": "why not"}, format="json")
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [({"topic": 999999}, "topic"), ({}, "topic"), ({"tags": ["nope"]}, "tags"), ({"tags": "x"}, "tags")],
    ids=["unknown-topic", "no-topic", "unknown-tag", "tags-not-a-list"],
)
def test_move_and_retag_validate_their_targets(mentor, thread, tags, body, field):
    act = "move" if "topic" in body or not body else "retag"
    response = token_client(mentor).post(
        f"/api/v1/mod/threads/{thread.pk}/{act}/", {"reason": "tidy", **body}, format="json"
    )
    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_moving_to_a_topic(mentor, thread, roadmap_topics):
    topic = roadmap_topics[1][3]
    response = token_client(mentor).post(
        f"/api/v1/mod/threads/{thread.pk}/move/",
        {"reason": "Belongs there", "topic": topic.pk},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["details"]["to_topic"] == topic.slug


def test_a_mentor_cannot_act_on_another_mentors_thread_but_an_admin_can(mentor, other_mentor, admin_user):
    theirs = ThreadFactory(author=other_mentor)
    response = token_client(mentor).post(
        f"/api/v1/mod/threads/{theirs.pk}/pin/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert "ask an admin" in error_of(response)["message"]
    response = token_client(admin_user).post(
        f"/api/v1/mod/threads/{theirs.pk}/pin/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 201


def test_moderators_restore_hidden_threads(mentor, thread):
    Thread.objects.filter(pk=thread.pk).update(status=Status.HIDDEN)
    response = token_client(mentor).post(
        f"/api/v1/mod/threads/{thread.pk}/restore/", {"reason": "OK"}, format="json"
    )
    assert response.status_code == 201
    thread.refresh_from_db()
    assert thread.status == Status.PUBLISHED


@pytest.mark.parametrize(("decision", "status"), [("resolve", Status.HIDDEN), ("dismiss", Status.PUBLISHED)])
def test_resolving_flags_decides_the_post(mentor, thread, decision, status):
    flag_by_others(thread, count=3)
    response = token_client(mentor).post(
        f"/api/v1/mod/threads/{thread.pk}/resolve-flags/",
        {"reason": "Looked", "decision": decision},
        format="json",
    )
    assert response.status_code == 201
    thread.refresh_from_db()
    assert thread.status == status
    assert not Flag.objects.filter(status=Flag.State.OPEN).exists()


def test_resolving_without_open_flags_conflicts_and_without_a_decision_is_refused(mentor, thread):
    client = token_client(mentor)
    url = f"/api/v1/mod/threads/{thread.pk}/resolve-flags/"
    assert client.post(url, {"reason": "x", "decision": "resolve"}, format="json").status_code == 409
    response = client.post(url, {"reason": "x", "decision": "maybe"}, format="json")
    assert "decision" in error_of(response)["fields"]


def test_acting_on_a_missing_or_removed_thread_answers_404(mentor, thread):
    client = token_client(mentor)
    assert client.post("/api/v1/mod/threads/999999/hide/", {"reason": "x"}, format="json").status_code == 404
    Thread.objects.filter(pk=thread.pk).update(status=Status.REMOVED)
    assert (
        client.post(f"/api/v1/mod/threads/{thread.pk}/hide/", {"reason": "x"}, format="json").status_code
        == 404
    )


# --- Acts on comments -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("learner", 403),
        ("author", 403),
        ("suspended", 403),
        ("mentor", 201),
        ("admin", 201),
    ],
)
def test_who_may_hide_a_comment(client_as, comment, role, status):
    response = client_as(role).post(
        f"/api/v1/mod/comments/{comment.pk}/hide/", {"reason": "Rude"}, format="json"
    )
    assert response.status_code == status
    comment.refresh_from_db()
    assert (comment.status == Status.HIDDEN) is (status == 201)


def test_a_hidden_comment_can_be_restored_and_its_flags_resolved(mentor, comment):
    client = token_client(mentor)
    flag_by_others(comment)
    client.post(f"/api/v1/mod/comments/{comment.pk}/hide/", {"reason": "Rude"}, format="json")
    assert (
        client.post(
            f"/api/v1/mod/comments/{comment.pk}/restore/", {"reason": "OK"}, format="json"
        ).status_code
        == 201
    )
    flag_by_others(comment)
    response = client.post(
        f"/api/v1/mod/comments/{comment.pk}/resolve-flags/",
        {"reason": "Rude", "decision": "resolve"},
        format="json",
    )
    assert response.status_code == 201
    assert Comment.objects.get(pk=comment.pk).status == Status.HIDDEN


def test_comments_cannot_be_pinned(mentor, comment):
    assert (
        token_client(mentor).post(f"/api/v1/mod/comments/{comment.pk}/pin/", {"reason": "x"}).status_code
        == 404
    )


# --- Acts on members --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("learner", 403),
        ("author", 403),
        ("suspended", 403),
        ("mentor", 201),
        ("admin", 201),
    ],
)
def test_who_may_warn_a_learner(client_as, db, role, status, django_capture_on_commit_callbacks):
    target = UserFactory(username="target")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(role).post(
            "/api/v1/mod/users/target/warn/", {"reason": "Be kind"}, format="json"
        )
    assert response.status_code == status
    assert Notification.objects.filter(recipient=target, verb="moderation").exists() is (status == 201)


def test_suspending_and_unsuspending_a_learner(mentor, learner):
    client = token_client(mentor)
    until = (timezone.now() + timedelta(days=2)).isoformat()
    response = client.post(
        f"/api/v1/mod/users/{learner.username}/suspend/", {"reason": "Spam", "until": until}, format="json"
    )
    assert response.status_code == 201
    learner.refresh_from_db()
    assert learner.is_suspended
    assert token_client(learner).post("/api/v1/threads/", {}, format="json").status_code == 403
    response = client.post(
        f"/api/v1/mod/users/{learner.username}/unsuspend/", {"reason": "Served"}, format="json"
    )
    assert response.status_code == 201
    learner.refresh_from_db()
    assert not learner.is_suspended


@pytest.mark.parametrize(
    "until",
    ["yesterday", None, "2000-01-01T00:00:00Z", "9999-12-31T23:59:59-12:00"],
    ids=["text", "null", "past", "out-of-range"],
)
def test_a_suspension_needs_an_end_in_the_future(mentor, learner, until):
    response = token_client(mentor).post(
        f"/api/v1/mod/users/{learner.username}/suspend/", {"reason": "Spam", "until": until}, format="json"
    )
    assert response.status_code == 400
    assert "until" in error_of(response)["fields"]


def test_a_mentor_cannot_suspend_another_mentor_or_themself(mentor, other_mentor):
    client = token_client(mentor)
    until = (timezone.now() + timedelta(days=2)).isoformat()
    for username in (other_mentor.username, mentor.username):
        response = client.post(
            f"/api/v1/mod/users/{username}/suspend/", {"reason": "x", "until": until}, format="json"
        )
        assert response.status_code == 403


def test_acting_on_an_unknown_member_answers_404(mentor):
    assert (
        token_client(mentor)
        .post("/api/v1/mod/users/nobody/warn/", {"reason": "x"}, format="json")
        .status_code
        == 404
    )


# --- The audit log ----------------------------------------------------------------------


def test_the_log_lists_acts_newest_first_and_filters(mentor, admin_user, thread, learner):
    moderation.lock(moderator=mentor, thread=thread, reason="Heated")
    moderation.warn(moderator=admin_user, user=learner, reason="Calm down")
    client = token_client(mentor)
    entries = client.get("/api/v1/mod/log/").json()["results"]
    assert [entry["action"] for entry in entries] == ["warn", "lock"]
    assert [e["action"] for e in client.get("/api/v1/mod/log/", {"action": "lock"}).json()["results"]] == [
        "lock"
    ]
    assert [e["action"] for e in client.get("/api/v1/mod/log/", {"moderator": "BOSS"}).json()["results"]] == [
        "warn"
    ]
    assert [e["action"] for e in client.get("/api/v1/mod/log/", {"user": "learner"}).json()["results"]] == [
        "warn"
    ]
    assert [e["action"] for e in client.get("/api/v1/mod/log/", {"thread": thread.pk}).json()["results"]] == [
        "lock"
    ]


@pytest.mark.parametrize("params", [{"action": "explode"}, {"thread": "abc"}], ids=["action", "thread"])
def test_bad_log_filters_answer_400(mentor, params):
    response = token_client(mentor).get("/api/v1/mod/log/", params)
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == set(params)


@pytest.mark.parametrize("until", ["9999-12-31T23:59:59Z", "days:366"])
def test_the_api_refuses_a_suspension_longer_than_the_form_offers(mentor, learner, until):
    if until.startswith("days:"):
        until = (timezone.now() + timedelta(days=int(until.removeprefix("days:")))).isoformat()
    response = token_client(mentor).post(
        f"/api/v1/mod/users/{learner.username}/suspend/", {"reason": "Spam", "until": until}, format="json"
    )
    assert response.status_code == 400
    assert "at most 365 days" in str(error_of(response)["fields"]["until"])
    learner.refresh_from_db()
    assert not learner.is_suspended


def test_a_suspension_of_a_year_is_accepted_through_the_api(mentor, learner):
    until = (timezone.now() + timedelta(days=364, hours=23)).isoformat()
    response = token_client(mentor).post(
        f"/api/v1/mod/users/{learner.username}/suspend/", {"reason": "Spam", "until": until}, format="json"
    )
    assert response.status_code == 201
