"""The outbox: a post records its follow-up work in its own transaction, and draining the
outbox turns it into the notifications users see, once, even when drained late or twice."""

import socket
import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from community import moderation, outbox, services, tasks
from community.models import Comment, Notification, OutboxEvent
from config.celery import app as celery_app
from tests.concurrency import run_at_once
from tests.factories import CommentFactory, FollowFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db


def notified():
    return sorted(Notification.objects.values_list("recipient__username", "verb", "event_key"))


def test_a_comment_records_one_event_and_no_notification_in_its_transaction(learner, other_learner):
    thread = ThreadFactory(author=other_learner)
    FollowFactory(user=other_learner, thread=thread)
    comment = services.create_comment(thread=thread, author=learner, body="@other have a look")
    event = OutboxEvent.objects.get()
    assert (event.kind, event.state) == (OutboxEvent.Kind.COMMENT_POSTED, "pending")
    assert event.payload == {
        "comment_id": comment.pk,
        "actor_id": learner.pk,
        "mentioned_ids": [other_learner.pk],
    }
    assert not Notification.objects.exists()


def test_a_post_that_rolls_back_leaves_no_event(learner):
    thread = ThreadFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.create_comment(thread=thread, author=learner, body="Never committed")
        raise RuntimeError("the request failed after the service")
    assert not Comment.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_after_commit_a_drain_is_asked_for_and_with_eager_tasks_it_notifies_at_once(
    learner, django_capture_on_commit_callbacks
):
    thread = ThreadFactory()
    FollowFactory(user=thread.author, thread=thread)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.create_comment(thread=thread, author=learner, body="A reply")
    assert outbox.request_drain in callbacks
    assert notified() == [(thread.author.username, "reply", f"comment:{Comment.objects.get().pk}")]
    assert OutboxEvent.objects.get().state == "processed"


def test_a_post_is_saved_and_answered_at_once_when_the_broker_refuses_connections(
    publish_to, learner, caplog, django_capture_on_commit_callbacks
):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    publish_to(f"redis://127.0.0.1:{port}/0")
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.create_comment(thread=ThreadFactory(), author=learner, body="Saved all the same")
    assert time.monotonic() - started < 1
    assert OutboxEvent.objects.pending().get().payload["comment_id"] == comment.pk
    assert "could not ask for a drain (broker unreachable" in caplog.text


def test_asking_for_a_drain_gives_up_within_the_socket_timeout_when_the_broker_hangs(
    publish_to, learner, caplog, django_capture_on_commit_callbacks
):
    with socket.socket() as silent:  # the kernel accepts connections, and nothing ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        publish_to(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            services.create_comment(thread=ThreadFactory(), author=learner, body="Saved all the same")
        elapsed = time.monotonic() - started
    assert elapsed < celery_app.conf.broker_transport_options["socket_timeout"] + 1
    assert OutboxEvent.objects.pending().exists()
    assert "could not ask for a drain (broker unreachable" in caplog.text


def test_a_reply_to_a_reply_tells_the_top_comments_author_the_replied_to_and_followers_once():
    asker, answerer, replier, follower, mentioned = (UserFactory(username=name) for name in
                                                     ("asker", "answerer", "replier", "follower", "mentioned"))  # fmt: skip
    thread = services.create_thread(author=asker, title="How do I read EXPLAIN?", body="Seq Scan everywhere.")
    services.follow_set(user=follower, thread=thread)
    top = services.create_comment(thread=thread, author=answerer, body="Look at the row estimates.")
    reply = services.create_comment(thread=thread, author=asker, body="Which ones?", parent=top)
    outbox.drain()
    Notification.objects.all().delete()
    services.create_comment(thread=thread, author=replier, body="The first, @mentioned", parent=reply)
    outbox.drain()
    key = f"comment:{Comment.objects.latest('pk').pk}"
    assert notified() == [
        ("answerer", "reply", key),  # the top comment's author
        ("asker", "reply", key),  # whom it answers, and a follower: once
        ("follower", "reply", key),
        ("mentioned", "mention", key),
    ]


def test_a_late_drain_does_not_tell_followers_about_comments_from_before_they_followed(learner):
    thread = ThreadFactory()
    FollowFactory(user=thread.author, thread=thread)
    services.create_comment(thread=thread, author=learner, body="Posted while the broker is down")
    latecomer = UserFactory(username="latecomer")
    services.follow_set(user=latecomer, thread=thread)
    outbox.drain()
    assert [row[0] for row in notified()] == [thread.author.username]


def test_an_edit_notifies_only_the_people_it_newly_mentions(learner, other_learner):
    newcomer = UserFactory(username="newcomer")
    thread = services.create_thread(author=learner, title="Caching headers", body="Thoughts, @other?")
    services.edit_thread(
        thread=thread, editor=learner, title="Caching headers", body="@other @newcomer, thoughts?"
    )
    outbox.drain()
    assert notified() == [
        (newcomer.username, "mention", f"thread:{thread.pk}"),
        ("other", "mention", f"thread:{thread.pk}"),
    ]


def test_draining_an_event_again_writes_nothing_new(learner):
    thread = ThreadFactory()
    for user in UserFactory.create_batch(3):
        FollowFactory(user=user, thread=thread)
    services.create_comment(thread=thread, author=learner, body="A reply")
    assert outbox.drain().processed == 1
    assert outbox.drain().processed == 0
    before = notified()
    OutboxEvent.objects.update(processed_at=None)  # as if the drain had died after its writes
    assert outbox.drain().processed == 1
    assert notified() == before and len(before) == 3


def test_events_whose_post_or_people_are_gone_are_done_without_notifying_them(learner, other_learner):
    thread = ThreadFactory()
    comment = services.create_comment(thread=thread, author=learner, body="@other soon deleted")
    services.accept_answer(thread=thread, comment=comment, user=thread.author)
    comment.delete()
    gone = UserFactory(username="gone")
    kept = services.create_comment(thread=thread, author=learner, body="@other @gone hello")
    gone.delete()  # the account is deleted before the drain
    result = outbox.drain()
    assert (result.processed, result.failed) == (3, 0)
    assert notified() == [("other", "mention", f"comment:{kept.pk}")]


def test_a_failing_event_backs_off_and_does_not_hold_up_the_others(learner, caplog):
    broken = OutboxEvent.objects.create(kind=OutboxEvent.Kind.COMMENT_POSTED, payload={})  # first in line
    thread = ThreadFactory()
    FollowFactory(user=thread.author, thread=thread)
    services.create_comment(thread=thread, author=learner, body="A reply")
    before = timezone.now()

    result = outbox.drain()

    assert (result.processed, result.failed, result.given_up) == (1, 1, 0)
    assert [row[0] for row in notified()] == [thread.author.username]
    broken.refresh_from_db()
    assert (broken.state, broken.attempts) == ("retrying", 1)
    assert "KeyError: 'comment_id'" in broken.last_error
    assert before + timedelta(seconds=29) < broken.next_attempt_at < timezone.now() + timedelta(seconds=31)
    assert f"outbox event {broken.pk} (comment_posted) failed (attempt 1)" in caplog.text
    assert outbox.drain().failed == 0  # not due again yet


def test_an_event_that_keeps_failing_is_given_up_and_stays_visible(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 4
    broken = OutboxEvent.objects.create(kind=OutboxEvent.Kind.ANSWER_ACCEPTED, payload={})
    delays = []
    for _ in range(settings.OUTBOX_MAX_ATTEMPTS):
        now = timezone.now()
        outbox.drain()
        broken.refresh_from_db()
        delays.append(round((broken.next_attempt_at - now).total_seconds() / 30))
        OutboxEvent.objects.filter(pk=broken.pk).update(next_attempt_at=timezone.now())  # time passes
    broken.refresh_from_db()
    assert delays[:3] == [1, 2, 4]  # 30 s, then doubling
    assert (broken.state, broken.attempts) == ("failed", 4)
    assert list(OutboxEvent.objects.failed()) == [broken]
    assert not OutboxEvent.objects.pending().exists()
    assert outbox.drain().failed == 0


def test_retry_delays_double_up_to_an_hour():
    assert [outbox.retry_delay(attempts).total_seconds() for attempts in (1, 2, 3, 8, 9, 30)] == [
        30,
        60,
        120,
        3600,
        3600,
        3600,
    ]


def test_pruning_deletes_only_events_processed_longer_ago_than_the_retention():
    long_ago = timezone.now() - timedelta(days=8)
    old = OutboxEvent.objects.create(kind="thread_posted", created_at=long_ago, processed_at=long_ago)
    recent = OutboxEvent.objects.create(kind="thread_posted", processed_at=timezone.now() - timedelta(days=6))
    failed = OutboxEvent.objects.create(kind="thread_posted", created_at=long_ago, failed_at=long_ago)
    waiting = OutboxEvent.objects.create(kind="thread_posted", created_at=long_ago)
    assert tasks.prune_outbox.delay().get() == 1
    assert set(OutboxEvent.objects.all()) == {recent, failed, waiting}
    assert not OutboxEvent.objects.filter(pk=old.pk).exists()


def test_the_drain_task_reports_what_it_did(learner):
    services.create_comment(thread=ThreadFactory(), author=learner, body="A reply")
    assert tasks.drain_outbox.delay().get() == "1 processed, 0 failed (will retry), 0 given up"


def test_moderation_notices_go_through_the_outbox_and_a_long_worded_one_is_shortened_to_fit(mentor):
    thread = ThreadFactory(title="T" * 150)
    moderation.hide(moderator=mentor, target=thread, reason="R" * 500)
    assert OutboxEvent.objects.get().kind == OutboxEvent.Kind.MODERATION_NOTICE
    assert not Notification.objects.exists()
    outbox.drain()
    notice = Notification.objects.get(recipient=thread.author)
    assert notice.verb == "moderation" and notice.actor == mentor
    # A code and its parameters: worded when read, with the reason whole.
    assert (notice.notice, notice.message) == ("mod-hid-thread", "")
    assert notice.text.startswith("A mentor hid your thread") and notice.text.endswith("R" * 500)
    moderation.warn(moderator=mentor, user=thread.author, reason="W" * 500)  # worded when given
    outbox.drain()
    warning = Notification.objects.get(recipient=thread.author, notice="")
    assert len(warning.message) == 500 and warning.message.endswith("W…")


def test_the_drain_command_shows_progress_and_can_retry_events_that_were_given_up(learner):
    broken = OutboxEvent.objects.create(
        kind=OutboxEvent.Kind.COMMENT_POSTED, payload={}, attempts=10, failed_at=timezone.now()
    )
    services.create_comment(thread=ThreadFactory(), author=learner, body="A reply")
    out = StringIO()
    call_command("drain_outbox", stdout=out)
    assert out.getvalue().splitlines()[0] == "1 due event(s); 1 given up (see the admin, or --retry-failed)"
    assert "1/1 (1 processed, 0 failed (will retry), 0 given up)" in out.getvalue()
    assert "Done: 1 processed" in out.getvalue()

    out = StringIO()
    call_command("drain_outbox", "--retry-failed", stdout=out)
    assert "1 failed or waiting event(s) made due again" in out.getvalue()
    assert "Done: 0 processed, 1 failed (will retry), 0 given up" in out.getvalue()
    assert "1 event(s) still pending" in out.getvalue()
    broken.refresh_from_db()
    assert (broken.state, broken.attempts) == ("retrying", 1)


def test_the_admin_lists_events_read_only_by_state(admin_client, learner):
    now = timezone.now()
    processed = OutboxEvent.objects.create(kind="thread_posted", processed_at=now, attempts=1)
    waiting = OutboxEvent.objects.create(kind="thread_posted")
    retrying = OutboxEvent.objects.create(
        kind="thread_posted", attempts=2, last_error="Traceback…\nKeyError: 'x'"
    )
    failed = OutboxEvent.objects.create(
        kind="thread_posted", attempts=10, failed_at=now, last_error="KeyError: 'y'"
    )
    changelist = reverse("admin:community_outboxevent_changelist")

    def listed(state):
        page = admin_client.get(changelist, {"state": state} if state else {})
        assert page.status_code == 200
        events = (processed, waiting, retrying, failed)
        return {
            event
            for event in events
            if reverse("admin:community_outboxevent_change", args=[event.pk]) in page.text
        }

    assert listed(None) == {processed, waiting, retrying, failed}
    assert listed("pending") == {waiting, retrying}
    assert listed("retrying") == {retrying}
    assert listed("failed") == {failed}
    assert listed("processed") == {processed}
    assert "KeyError: &#x27;y&#x27;" in admin_client.get(changelist, {"state": "failed"}).text
    assert admin_client.get(reverse("admin:community_outboxevent_add")).status_code == 403
    change = admin_client.get(reverse("admin:community_outboxevent_change", args=[failed.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.text
    assert (
        admin_client.post(reverse("admin:community_outboxevent_delete", args=[failed.pk])).status_code == 403
    )


def test_beat_drains_the_outbox_every_30_seconds_and_prunes_it(settings):
    schedule = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["community.tasks.drain_outbox"]["schedule"] == 30
    assert "community.tasks.prune_outbox" in schedule


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_carry_out_each_event_once(monkeypatch):
    """Both drains hold a batch at the same moment (SKIP LOCKED hands them different events);
    without it the second would wait for the first's locks and the barrier would break."""
    thread = ThreadFactory()
    followers = UserFactory.create_batch(3)
    for user in followers:
        FollowFactory(user=user, thread=thread)
    comments = CommentFactory.create_batch(12, thread=thread)
    OutboxEvent.objects.bulk_create(
        OutboxEvent(
            kind=OutboxEvent.Kind.COMMENT_POSTED,
            payload={"comment_id": comment.pk, "actor_id": comment.author_id, "mentioned_ids": []},
        )
        for comment in comments
    )
    barrier = threading.Barrier(2, timeout=10)
    deliver, waited, broken = outbox.deliver, threading.local(), []

    def deliver_together(events):
        if not getattr(waited, "done", False):
            waited.done = True
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                broken.append(True)
                raise
        deliver(events)

    monkeypatch.setattr(outbox, "deliver", deliver_together)
    results, errors = run_at_once(lambda: outbox.drain(batch_size=4))

    assert errors == [] and broken == []
    assert sorted(result.processed for result in results)[0] > 0  # both took part
    assert sum(result.processed for result in results) == 12
    assert set(OutboxEvent.objects.values_list("attempts", flat=True)) == {1}
    assert Notification.objects.filter(recipient__in=followers).count() == 3 * 12
