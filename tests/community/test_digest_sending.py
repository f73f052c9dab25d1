"""Sending digests: claimed once per period, retried on SMTP trouble, recovered after a dead
worker, scheduled by beat; plus the operator's command, the admin and the account export."""

import json
import logging
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.services import delete_account
from community import digest, mail_delivery, tasks
from community.models import DigestDelivery
from config.celery import app as celery_app
from roadmap import selectors as roadmap_selectors
from tests.factories import (
    DigestDeliveryFactory,
    FollowFactory,
    NotificationFactory,
    ProgressFactory,
    TagFactory,
    ThreadFactory,
    UserFactory,
    build_roadmap,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager_celery():
    """With REDIS_URL set (CI) tasks would go to the real broker; here they run in-process."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def learner_with_news(**fields):
    """A learner whose digest hour has come (hour 0) and who has a reply to read."""
    user = UserFactory(digest_hour=0, **fields)
    someone = UserFactory(digest_frequency="off")  # the replier: not due themselves
    NotificationFactory(
        recipient=user,
        actor=someone,
        thread=ThreadFactory(author=someone),
        created_at=timezone.now() - timedelta(hours=1),
    )
    return user


def deliveries(user):
    return list(DigestDelivery.objects.filter(user=user).values_list("status", flat=True))


class FlakyBackend(EmailBackend):
    """The local-memory backend, refusing the first `refusals` connections and failing the
    first `failures` sends with `error`."""

    refusals = 0
    failures = 0
    error: Exception = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    connections = 0

    def open(self):
        if FlakyBackend.refusals:
            FlakyBackend.refusals -= 1
            raise ConnectionRefusedError(111, "Connection refused")
        FlakyBackend.connections += 1
        return super().open()

    def send_messages(self, messages):
        if FlakyBackend.failures:
            FlakyBackend.failures -= 1
            raise FlakyBackend.error
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = "tests.community.test_digest_sending.FlakyBackend"
    FlakyBackend.refusals, FlakyBackend.failures, FlakyBackend.connections = 0, 0, 0
    FlakyBackend.error = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    return FlakyBackend


def test_a_due_learner_gets_one_digest_recorded_as_sent():
    user = learner_with_news()
    tasks.send_digest_batch([user.pk])
    [message] = mail.outbox
    assert message.to == [user.email]
    delivery = DigestDelivery.objects.get(user=user)
    assert delivery.status == "sent"
    assert delivery.period_key == digest.period_key(user, timezone.now())
    assert delivery.subject == message.subject
    assert delivery.sent_at is not None and delivery.sending_at is not None


def test_running_the_same_task_twice_sends_one_email():
    user = learner_with_news()
    tasks.send_digest_batch([user.pk])
    tasks.send_digest_batch([user.pk])
    assert len(mail.outbox) == 1
    assert deliveries(user) == ["sent"]


def test_nothing_new_is_recorded_as_skipped_with_the_reason():
    user = UserFactory(digest_hour=0)
    tasks.send_digest_batch([user.pk])
    assert mail.outbox == []
    delivery = DigestDelivery.objects.get(user=user)
    assert delivery.status == "skipped"
    assert delivery.reason.startswith("nothing new since ")


def test_a_learner_whose_hour_has_not_come_is_left_for_later():
    zone = "UTC" if timezone.now().hour < 22 else "Asia/Kolkata"  # where it is not 23:00 yet
    user = learner_with_news(timezone=zone)
    user.digest_hour = 23
    user.save()
    tasks.send_digest_batch([user.pk])
    assert mail.outbox == [] and deliveries(user) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"digest_frequency": "off"},
        {"is_active": False},
        {"verified": False},
        {"suspended_until": timezone.now() + timedelta(days=3)},
    ],
    ids=["digests-off", "inactive", "unverified", "suspended"],
)
def test_ineligible_learners_get_nothing(fields):
    user = learner_with_news(**fields)
    tasks.send_digest_batch([user.pk])
    assert mail.outbox == [] and deliveries(user) == []


def test_a_deleted_account_gets_no_digest_and_its_deliveries_go():
    user = learner_with_news()
    tasks.send_digest_batch([user.pk])
    user_id = user.pk
    delete_account(user=user)
    assert not DigestDelivery.objects.filter(user_id=user_id).exists()
    tasks.send_digest_batch([user_id])
    assert len(mail.outbox) == 1


def test_a_batch_reads_and_claims_in_a_fixed_number_of_queries_and_writes_two_per_digest():
    _, topics = build_roadmap(topics=6, sections=2, with_resources=False)
    tag = TagFactory()

    def learners(count):
        users = [learner_with_news() for _ in range(count)]
        for user in users:
            for topic in topics[:3]:
                ProgressFactory(user=user, topic=topic, status="done")
            FollowFactory(user=user, tag=tag)
            ThreadFactory(topic=topics[0], tags=[tag])
        return [user.pk for user in users]

    small, large = learners(2), learners(8)
    roadmap_selectors.roadmap_structure(topics[0].roadmap)  # cached, as in a running site
    selects = []
    for user_ids in (small, large):
        with CaptureQueriesContext(connection) as queries:
            result = digest.send_digests(user_ids=user_ids)
        assert result.counts == {"sent": len(user_ids)}
        statements = [query["sql"].split(" ", 1)[0] for query in queries.captured_queries]
        assert statements.count("INSERT") == 1  # the claims, all at once
        assert statements.count("UPDATE") == 2 * len(user_ids)  # send started, sent
        selects.append(statements.count("SELECT"))
    assert selects[0] == selects[1] <= 9  # with the review outcomes and the mentors' sections


def test_a_batch_uses_one_smtp_connection(flaky):
    users = [learner_with_news() for _ in range(5)]
    tasks.send_digest_batch([user.pk for user in users])
    assert len(mail.outbox) == 5
    assert flaky.connections == 1


def test_an_smtp_error_is_retried_and_the_digest_still_goes_out_once(flaky):
    flaky.failures = 1
    user = learner_with_news()
    result = tasks.send_digest_batch.apply(args=[[user.pk]], throw=False)  # eager: retried at once
    assert result.successful()
    assert len(mail.outbox) == 1
    delivery = DigestDelivery.objects.get(user=user)
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_an_smtp_error_marks_the_delivery_failed_for_a_retry_and_stops_the_batch(flaky):
    flaky.failures = 1
    first, second = learner_with_news(), learner_with_news()
    with pytest.raises(digest.DigestSendError):
        digest.send_digests(user_ids=[first.pk, second.pk])
    delivery = DigestDelivery.objects.get(user=first)
    assert (delivery.status, delivery.will_retry, delivery.sending_at) == ("failed", True, None)
    assert "unexpectedly closed" in delivery.reason
    assert deliveries(second) == []  # untouched: the retry serves it

    digest.send_digests(user_ids=[first.pk, second.pk])
    assert sorted(message.to[0] for message in mail.outbox) == sorted([first.email, second.email])
    assert deliveries(first) == ["sent"] and deliveries(second) == ["sent"]


def test_an_unreachable_smtp_server_is_retried_past_the_attempt_limit(flaky, settings):
    """An outage outlasting the task's retries must not cost the learner their digest."""
    flaky.refusals = settings.DIGEST_MAX_ATTEMPTS + 2
    user = learner_with_news()
    for _ in range(flaky.refusals):
        with pytest.raises(digest.DigestSendError):
            digest.send_digests(user_ids=[user.pk])
    delivery = DigestDelivery.objects.get(user=user)
    assert (delivery.status, delivery.will_retry, delivery.sending_at) == ("failed", True, None)
    assert delivery.reason == "SMTP server unreachable: [Errno 111] Connection refused"
    digest.send_digests(user_ids=[user.pk])
    assert [message.to for message in mail.outbox] == [[user.email]]
    assert deliveries(user) == ["sent"]


def test_the_task_retries_with_exponential_backoff(settings):
    task = tasks.send_digest_batch
    assert task.autoretry_for == (digest.DigestSendError,)
    assert task.retry_backoff == settings.DIGEST_RETRY_DELAY == 60 and task.retry_backoff_max == 900
    assert task.retry_jitter and task.max_retries == 5


def test_a_recipient_refused_for_good_fails_without_retry_and_the_batch_goes_on(flaky):
    flaky.failures = 1
    flaky.error = smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"No such user")})
    refused, other = learner_with_news(), learner_with_news()
    digest.send_digests(user_ids=[refused.pk, other.pk])
    delivery = DigestDelivery.objects.get(user=refused)
    assert (delivery.status, delivery.will_retry) == ("failed", False)
    assert [message.to for message in mail.outbox] == [[other.email]]
    digest.send_digests(user_ids=[refused.pk])
    assert len(mail.outbox) == 1


def test_a_failed_delivery_out_of_attempts_is_not_retried(flaky, settings):
    flaky.failures = 10
    user = learner_with_news()
    for _ in range(settings.DIGEST_MAX_ATTEMPTS):
        with pytest.raises(digest.DigestSendError):
            digest.send_digests(user_ids=[user.pk])
    delivery = DigestDelivery.objects.get(user=user)
    assert (delivery.attempts, delivery.will_retry) == (settings.DIGEST_MAX_ATTEMPTS, False)
    flaky.failures = 0
    digest.send_digests(user_ids=[user.pk])
    assert mail.outbox == []


def claim_and_die(user, *, send_started: bool, minutes_ago: int = 60):
    """What a worker killed mid-batch leaves behind: a pending claim, maybe a send started."""
    claimed_at = timezone.now() - timedelta(minutes=minutes_ago)
    return DigestDeliveryFactory(
        user=user,
        period_key=digest.period_key(user, timezone.now()),
        status="pending",
        claimed_at=claimed_at,
        sending_at=claimed_at if send_started else None,
    )


def test_sweep_retries_a_claim_whose_worker_died_before_sending(django_capture_on_commit_callbacks):
    user = learner_with_news()
    claim_and_die(user, send_started=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_digest_claims() == 1
    assert len(mail.outbox) == 1
    delivery = DigestDelivery.objects.get(user=user)
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_sweep_logs_a_claim_whose_worker_died_mid_send_as_ambiguous_and_does_not_resend(
    caplog, django_capture_on_commit_callbacks
):
    user = learner_with_news()
    claimed = claim_and_die(user, send_started=True)
    with caplog.at_level(logging.WARNING, logger="community.digest"):
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.sweep_digest_claims() == 0
    delivery = DigestDelivery.objects.get(user=user)
    assert (delivery.status, delivery.will_retry) == ("failed", False)
    assert delivery.reason.startswith("ambiguous")
    assert f"digest delivery {claimed.pk} " in caplog.text and "ambiguous" in caplog.text
    tasks.send_digest_batch([user.pk])
    assert mail.outbox == []


def test_sweep_leaves_fresh_claims_alone():
    user = learner_with_news()
    claim_and_die(user, send_started=True, minutes_ago=1)
    assert tasks.sweep_digest_claims() == 0
    assert deliveries(user) == ["pending"]


def test_sweep_gives_up_on_a_failed_delivery_whose_period_is_over():
    user = learner_with_news(digest_frequency="daily")
    DigestDeliveryFactory(
        user=user,
        period_key="daily:2020-01-01",
        status="failed",
        will_retry=True,
        claimed_at=timezone.now() - timedelta(days=1),
    )
    assert tasks.sweep_digest_claims() == 0
    delivery = DigestDelivery.objects.get(user=user)
    assert not delivery.will_retry and "period is over" in delivery.reason


def test_the_worker_holding_a_claim_cannot_send_once_the_sweep_took_it_over():
    user = learner_with_news()
    now = timezone.now()
    delivery = digest.claim_delivery(user=user, key=digest.period_key(user, now))
    DigestDelivery.objects.filter(pk=delivery.pk).update(claimed_at=now - timedelta(hours=1))
    digest.sweep_stale_claims()
    retried = digest.claim_delivery(user=user, key=delivery.period_key)
    assert retried.attempts == 2
    old_claim = mail_delivery.Claim(
        model=DigestDelivery,
        pk=delivery.pk,
        attempts=delivery.attempts,
        label="",
        logger=digest.delivery.logger,
    )
    assert not old_claim.still_ours().update(sending_at=now)  # the old worker is fenced out


def test_schedule_digests_queues_batches_of_due_users_once_committed(
    settings, django_capture_on_commit_callbacks
):
    settings.DIGEST_BATCH_SIZE = 2
    due = [learner_with_news() for _ in range(5)]
    quiet = UserFactory(digest_hour=0)
    learner_with_news(digest_frequency="off")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert tasks.schedule_digests() == 6
    assert len(callbacks) == 3 and mail.outbox == []
    for callback in callbacks:
        callback()
    assert sorted(message.to[0] for message in mail.outbox) == sorted(user.email for user in due)
    assert deliveries(quiet) == ["skipped"]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.schedule_digests() == 0
    assert len(mail.outbox) == 5


def test_beat_schedules_digests_every_15_minutes_and_the_sweep_every_5(settings):
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["community.tasks.schedule_digests"].minute == set(range(0, 60, 15))
    assert schedule["community.tasks.sweep_digest_claims"].minute == set(range(0, 60, 5))
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST


# --- Operators -------------------------------------------------------------------------


def test_send_digests_dry_run_prints_who_would_get_what_and_sends_nothing(capsys):
    user = learner_with_news()
    quiet = UserFactory(digest_hour=0)
    call_command("send_digests", "--dry-run")
    out = capsys.readouterr().out
    assert "2 due digest(s) (dry run" in out
    assert f"{user.email}  {digest.period_key(user, timezone.now())}  “1 reply" in out
    assert f"{quiet.email}" in out and "skip: nothing new" in out
    assert mail.outbox == [] and not DigestDelivery.objects.exists()


def test_send_digests_for_one_user_now_ignores_the_local_hour(capsys):
    user = learner_with_news()
    other = learner_with_news()
    user.digest_hour, user.timezone = 23, "Pacific/Kiritimati"
    user.save()
    call_command("send_digests", "--user", user.email, "--now")
    assert [message.to for message in mail.outbox] == [[user.email]]
    out = capsys.readouterr().out
    assert "1/1 (1 sent)" in out and "Done: 1 sent" in out
    call_command("send_digests", "--user", str(user.pk), "--now")
    assert len(mail.outbox) == 1
    assert deliveries(other) == []


def test_deliveries_are_read_only_in_the_admin(admin_client):
    delivery = DigestDeliveryFactory()
    changelist = admin_client.get(reverse("admin:community_digestdelivery_changelist"))
    assert changelist.status_code == 200
    assert reverse("admin:community_digestdelivery_preview", args=[delivery.user_id]) in changelist.text
    assert admin_client.get(reverse("admin:community_digestdelivery_add")).status_code == 403
    change = admin_client.get(reverse("admin:community_digestdelivery_change", args=[delivery.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.text
    assert (
        admin_client.post(reverse("admin:community_digestdelivery_delete", args=[delivery.pk])).status_code
        == 403
    )


def test_digest_delivery_list_has_no_inline_style_for_the_csp_to_block(admin_client):
    DigestDeliveryFactory()

    page = admin_client.get(reverse("admin:community_digestdelivery_changelist"))

    assert "'unsafe-inline'" not in page["Content-Security-Policy"]
    assert " style=" not in page.text
    assert '<link rel="stylesheet" href="/static/css/admin.css">' in page.text


def test_an_admin_previews_any_users_digest_without_sending_it(admin_client):
    user = learner_with_news()
    lookup = admin_client.get(
        reverse("admin:community_digestdelivery_preview_lookup"), {"user": user.username}
    )
    url = reverse("admin:community_digestdelivery_preview", args=[user.pk])
    assert lookup.status_code == 302 and lookup.url == url
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "Subject: 1 reply" in response.text
    assert "srcdoc=" in response.text and "List-Unsubscribe" not in response.text
    assert "'unsafe-inline'" in response["Content-Security-Policy"]
    assert mail.outbox == [] and not DigestDelivery.objects.exists()


def test_preview_is_for_staff_only(client, learner):
    client.force_login(learner)
    response = client.get(reverse("admin:community_digestdelivery_preview", args=[learner.pk]))
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_the_account_export_includes_digest_deliveries(client):
    user = learner_with_news()
    tasks.send_digest_batch([user.pk])
    client.force_login(user)
    data = json.loads(client.get(reverse("accounts:export")).content)
    [delivery] = data["digests"]
    assert delivery["status"] == "sent" and delivery["subject"] == mail.outbox[0].subject
    assert delivery["period"] == digest.period_key(user, timezone.now())
