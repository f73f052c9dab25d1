"""Digests through real processes: a Celery worker on the Redis broker sends into an SMTP sink
on loopback; then the same with the worker SIGKILLed mid-batch and a new one taking over."""

import re
import time
from collections import Counter
from datetime import UTC, timedelta
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from community import digest, insights, mentorship
from community.models import DigestDelivery, Thread
from roadmap.models import Progress, ProgressEvent
from tests.factories import (
    CommentFactory,
    MentorFactory,
    NotificationFactory,
    ProgressFactory,
    ThreadFactory,
    UserFactory,
    build_roadmap,
)
from tests.integration.conftest import WORKER_CLAIM_TIMEOUT, WORKER_VISIBILITY_TIMEOUT, wait_for

pytestmark = [pytest.mark.celery, pytest.mark.postgres]

ZONES = ["UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Auckland"]
TASK_RECEIVED = re.compile(r"Task community\.tasks\.send_digest_batch\[([0-9a-f-]+)\] received")
TASK_SUCCEEDED = re.compile(r"Task community\.tasks\.send_digest_batch\[([0-9a-f-]+)\] succeeded")
NOBODY_DUE = re.compile(r"digests scheduled: 0 users in 0 batches")
UNSUBSCRIBE = re.compile(r"^<https://stepwise\.example/digest/unsubscribe/(?P<token>[^/>]+)/>$")


def zone_before_23h() -> str:
    """A timezone where it is not yet 23:00, so that a digest hour of 23 has not come."""
    return min(ZONES, key=lambda name: timezone.now().astimezone(ZoneInfo(name)).hour)


# Learners whose review request a mentor verified today: their digest carries the outcome.
VERIFIED_OUTCOME = "Mira verified your work on"


def learners(count: int) -> dict[int, str]:
    """`count` due learners (daily digest, hour 0, various timezones), each with news: a topic
    finished today, and every other one a reply, every fourth one a mentor's verification of
    that topic. Returns {user id: expected subject}."""
    _, topics = build_roadmap(topics=4, sections=1, with_resources=False)
    someone = UserFactory(digest_frequency="off")
    mentor = MentorFactory(digest_frequency="off", display_name="Mira")
    thread = ThreadFactory(author=someone)
    expected = {}
    for index in range(count):
        user = UserFactory(digest_frequency="daily", digest_hour=0, timezone=ZONES[index % len(ZONES)])
        ProgressFactory(user=user, topic=topics[0], status="done")
        if index % 2:
            NotificationFactory(
                recipient=user, actor=someone, thread=thread, created_at=timezone.now() - timedelta(hours=1)
            )
            subject = f"1 reply and your next topic: {topics[1].title}"
        elif index % 4 == 0:
            review = mentorship.request_review(learner=user, topic=topics[0], explanation="My work")
            mentorship.claim(mentor=mentor, review=review)
            mentorship.decide(mentor=mentor, review=review, verdict="verified", feedback="Well done")
            subject = f"1 topic verified by a mentor and your next topic: {topics[1].title}"
        else:
            subject = f"1 topic finished and your next topic: {topics[1].title}"
        expected[user.pk] = subject
    return expected


def bystanders() -> set[int]:
    """Users who must get nothing: digests off, unverified, hour not come, nothing new."""
    quiet = UserFactory(digest_frequency="daily", digest_hour=0)  # eligible, nothing new: skipped
    someone = UserFactory(digest_frequency="off")
    for user in (
        UserFactory(verified=False, digest_hour=0),
        UserFactory(digest_hour=23, timezone=zone_before_23h()),
        UserFactory(digest_hour=0, is_active=False),
    ):
        NotificationFactory(recipient=user, actor=someone, thread=ThreadFactory(author=someone))
    return {quiet.pk}


def finished(expected: dict[int, str], also_skipped: set[int]):
    """True once every due user's delivery is settled (nothing pending or waiting to retry)."""

    def check():
        rows = DigestDelivery.objects.filter(user_id__in=[*expected, *also_skipped])
        if rows.count() < len(expected) + len(also_skipped):
            return False
        return not rows.filter(status="pending").exists() and not rows.filter(will_retry=True).exists()

    return check


def received_by_user(sink, expected):
    emails = {user.email: user.pk for user in UserFactory._meta.model.objects.filter(pk__in=expected)}
    counts = Counter()
    for message in sink.messages:
        assert len(message.recipients) == 1
        counts[emails.get(message.recipients[0], message.recipients[0])] += 1
    return emails, counts


def assert_well_formed(message, user_id, subject):
    parsed = message.parse()
    assert parsed.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert parsed["Subject"] == subject
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = UNSUBSCRIBE.match(parsed["List-Unsubscribe"].strip())["token"]  # may be folded
    assert digest.user_for_unsubscribe_token(token).pk == user_id
    html = parsed.get_body(("html",)).get_content()
    text = parsed.get_body(("plain",)).get_content()
    assert "https://stepwise.example/settings/" in html and "https://stepwise.example/settings/" in text
    assert subject.split(": ")[-1] in text
    has_outcome = subject.startswith("1 topic verified")
    assert (f"{VERIFIED_OUTCOME} " in text) == has_outcome
    assert (f"{VERIFIED_OUTCOME} " in html) == has_outcome


def test_a_real_worker_sends_each_due_learner_exactly_one_well_formed_digest(
    start_worker, smtp_sink, send_task
):
    expected = learners(55)
    skipped = bystanders()
    worker = start_worker(DIGEST_BATCH_SIZE="10")

    send_task("community.tasks.schedule_digests")
    wait_for(finished(expected, skipped), timeout=40, what="every due digest to be settled")
    wait_for(worker.is_idle, timeout=30, what="every batch to end")  # nothing can be sent after

    emails, counts = received_by_user(smtp_sink, expected)
    assert {user_id: counts[user_id] for user_id in expected} == dict.fromkeys(expected, 1)
    assert sum(counts.values()) == len(expected)  # nobody else got anything
    for message in smtp_sink.messages:
        user_id = emails[message.recipients[0]]
        assert_well_formed(message, user_id, expected[user_id])
    statuses = dict(DigestDelivery.objects.values_list("user_id", "status"))
    assert {statuses[user_id] for user_id in expected} == {"sent"}
    assert {statuses[user_id] for user_id in skipped} == {"skipped"}
    assert len(statuses) == len(expected) + len(skipped)

    send_task("community.tasks.schedule_digests")  # beat's next run finds nobody due
    worker.wait_for_output(NOBODY_DUE, timeout=20)
    assert smtp_sink.count() == len(expected)


def test_killing_the_worker_mid_batch_loses_and_doubles_nothing(start_worker, smtp_sink, send_task):
    expected = learners(60)
    skipped = bystanders()
    smtp_sink.delay = 0.1  # a slow server: the batches are still running when the worker dies
    first = start_worker(DIGEST_BATCH_SIZE="5")

    send_task("community.tasks.schedule_digests")
    wait_for(lambda: smtp_sink.count() >= 15, timeout=30, what="the first digests")
    first.kill()
    killed_at = time.monotonic()
    sent_before_kill = smtp_sink.count()
    assert sent_before_kill < len(expected), "the worker finished before it could be killed"
    in_flight = DigestDelivery.objects.filter(status="pending").count()

    # Redis hands the dead worker's unacknowledged batches to the next worker once their
    # visibility timeout has passed; the sweep settles claims older than the claim timeout.
    time.sleep(
        max(0.0, killed_at + max(WORKER_VISIBILITY_TIMEOUT, WORKER_CLAIM_TIMEOUT) + 1 - time.monotonic())
    )
    smtp_sink.delay = 0
    second = start_worker(DIGEST_BATCH_SIZE="5")
    send_task("community.tasks.sweep_digest_claims")
    wait_for(finished(expected, skipped), timeout=40, what="every due digest to be settled")
    # acks_late: the batches the dead worker had taken but not finished run again on the new one;
    # only once they have ended can nothing more be sent.
    started = set(TASK_RECEIVED.findall(first.output())) - set(TASK_SUCCEEDED.findall(first.output()))
    assert started
    wait_for(
        lambda: started <= set(TASK_RECEIVED.findall(second.output())),
        timeout=20,
        what="the new worker to run the batches the dead one had taken",
    )
    wait_for(second.is_idle, timeout=30, what="every batch to end")

    ambiguous = set(
        DigestDelivery.objects.filter(reason__startswith="ambiguous").values_list("user_id", flat=True)
    )
    _, counts = received_by_user(smtp_sink, expected)
    doubled = {user_id for user_id in expected if counts[user_id] > 1}
    lost = {user_id for user_id in expected if counts[user_id] == 0 and user_id not in ambiguous}
    assert doubled == set() and lost == set()
    assert sum(counts.values()) == sum(counts[user_id] for user_id in expected)
    assert ambiguous <= set(expected) and len(ambiguous) <= in_flight
    for delivery in DigestDelivery.objects.filter(user_id__in=ambiguous):
        second.wait_for_output(re.compile(rf"digest delivery {delivery.pk} .*is ambiguous"), timeout=20)
    statuses = Counter(
        DigestDelivery.objects.filter(user_id__in=expected)
        .exclude(user_id__in=ambiguous)
        .values_list("status", flat=True)
    )
    assert statuses == Counter({"sent": len(expected) - len(ambiguous)})
    print(
        f"\nkilled after {sent_before_kill} emails with {in_flight} claim(s) in flight; "
        f"{len(ambiguous)} ambiguous (logged, not resent), 0 lost, 0 doubled"
    )


def test_a_real_worker_sends_a_stalled_learner_the_answers_on_their_topic_and_a_link_to_ask(
    start_worker, smtp_sink, send_task
):
    _, topics = build_roadmap(topics=2, sections=1, with_resources=False)
    topic = topics[0]
    now = timezone.now()
    for _ in range(insights.MIN_LEARNERS):  # finished in two days: a stall after four
        finisher = UserFactory(digest_frequency="off")
        ProgressEvent.objects.create(
            user=finisher, topic=topic, kind="learning", created_at=now - timedelta(days=9)
        )
        ProgressEvent.objects.create(
            user=finisher, topic=topic, kind="done", created_at=now - timedelta(days=7)
        )
    thread = ThreadFactory(topic=topic, title="The answer that unblocked me")
    thread.accepted_comment = CommentFactory(thread=thread)
    thread.save()
    old = now - timedelta(days=20)  # not news: the stall alone makes this digest
    Thread.objects.filter(pk=thread.pk).update(created_at=old, last_activity_at=old)
    insights.refresh_topic_insights()
    stuck = UserFactory(digest_frequency="daily", digest_hour=0)
    progress = ProgressFactory(user=stuck, topic=topic, status="learning")
    # Learning for four days and two hours: a stall for two hours, so told in no digest yet.
    started = now - timedelta(days=4, hours=2)
    Progress.objects.filter(pk=progress.pk).update(updated_at=started)
    ProgressEvent.objects.filter(user=stuck, topic=topic).update(created_at=started)
    start_worker()

    send_task("community.tasks.schedule_digests")
    wait_for(finished({stuck.pk: ""}, set()), timeout=40, what="the digest to be settled")

    [message] = smtp_sink.messages
    parsed = message.parse()
    assert parsed["Subject"].startswith(f"Help with {topic.title}")
    text = parsed.get_body(("plain",)).get_content()
    assert f"STUCK ON {topic.title.upper()}?" in text
    assert f"https://stepwise.example{thread.get_absolute_url()}" in text
    assert f"https://stepwise.example/discussions/new/?topic={topic.pk}" in text


# What each learner's digest must say, in the language saved on their account: the catalogue's
# words written out, so that a digest worded in the worker's language (English) fails.
IN_LANGUAGE = {
    "es": {
        "subject": "1 respuesta y tu siguiente tema: {next}",
        "text": [
            "Hola, {name}:",
            "Aquí tienes tu resumen diario de Stepwise.",
            "{roadmap}: 1 de 3 temas hechos (33%)",
            "Terminados: {done}",
            "A continuación: {next}",
            "RESPUESTAS Y MENCIONES",
            'Lena respondió en "{thread}"',
            "Cambia cada cuánto y cuándo llega: https://stepwise.example/settings/",
            "Date de baja con un clic: https://stepwise.example/digest/unsubscribe/",
        ],
        "html": [
            "Hola, {name}: aquí tienes tu resumen diario.",
            "Respuestas y menciones",
            "Lena respondió en <a",
            "Todas tus notificaciones",
            "Abrir {next}",
        ],
    },
    "de": {
        "subject": "1 Antwort und dein nächstes Thema: {next}",
        "text": [
            "Hallo {name},",
            "hier ist deine tägliche Stepwise-Zusammenfassung.",
            "{roadmap}: 1 von 3 Themen erledigt (33%)",
            "Abgeschlossen: {done}",
            "Als Nächstes: {next}",
            "ANTWORTEN UND ERWÄHNUNGEN",
            "Lena hat in „{thread}“ geantwortet",
            "Ändere, wie oft und wann sie kommt: https://stepwise.example/settings/",
            "Mit einem Klick abbestellen: https://stepwise.example/digest/unsubscribe/",
        ],
        "html": [
            "Hallo {name}, hier ist deine tägliche Zusammenfassung.",
            "Antworten und Erwähnungen",
            "Lena hat in <a",
            "Alle deine Benachrichtigungen",
            "{next} öffnen",
        ],
    },
    "en": {
        "subject": "1 reply and your next topic: {next}",
        "text": [
            "Hi {name},",
            "Here is your daily Stepwise digest.",
            "{roadmap}: 1 of 3 topics done (33%)",
            "Finished: {done}",
            "Next up: {next}",
            "REPLIES AND MENTIONS",
            'Lena replied in "{thread}"',
            "Change how often and when it arrives: https://stepwise.example/settings/",
            "Unsubscribe with one click: https://stepwise.example/digest/unsubscribe/",
        ],
        "html": [
            "Hi {name}, here is your daily digest.",
            "Replies and mentions",
            "Lena replied in <a",
            "All your notifications",
            "Open {next}",
        ],
    },
}


def test_a_real_worker_sends_each_learner_the_digest_in_their_saved_language(
    start_worker, smtp_sink, send_task
):
    roadmap, topics = build_roadmap(topics=3, sections=1, with_resources=False)
    lena = UserFactory(digest_frequency="off", display_name="Lena")
    thread = ThreadFactory(author=lena, title="Connection pools in practice")
    learners = {}
    for language, name in (("es", "Ana"), ("de", "Jonas"), ("en", "Sam")):  # one batch, English last
        learner = UserFactory(
            language=language, display_name=name, digest_frequency="daily", digest_hour=0, timezone="UTC"
        )
        ProgressFactory(user=learner, topic=topics[0], status="done")
        notification = NotificationFactory(
            recipient=learner, actor=lena, thread=thread, created_at=timezone.now() - timedelta(hours=1)
        )
        learners[learner.email] = (learner, language, notification.comment)
    start_worker()
    sent_from = timezone.now()

    send_task("community.tasks.schedule_digests")
    wait_for(
        finished({learner.pk: "" for learner, *_ in learners.values()}, set()),
        timeout=40,
        what="the three digests to be settled",
    )

    assert sorted(message.recipients[0] for message in smtp_sink.messages) == sorted(learners)
    next_url = f"https://stepwise.example{topics[1].get_absolute_url()}"
    for message in smtp_sink.messages:
        learner, language, reply = learners[message.recipients[0]]
        reply_url = f"https://stepwise.example{reverse('community:comment-link', kwargs={'pk': reply.pk})}"
        words = {
            "name": learner.display_name,
            "roadmap": roadmap.title.upper(),
            "done": topics[0].title,
            "next": topics[1].title,
            "thread": thread.title,
        }
        expected = IN_LANGUAGE[language]
        parsed = message.parse()
        text = parsed.get_body(("plain",)).get_content()
        html = parsed.get_body(("html",)).get_content()
        assert parsed["Subject"] == expected["subject"].format(**words)
        assert parsed["Content-Language"] == language
        assert f'<html lang="{language}"' in html
        assert [line.format(**words) for line in expected["text"] if line.format(**words) not in text] == []
        assert [line.format(**words) for line in expected["html"] if line.format(**words) not in html] == []
        for other in IN_LANGUAGE.keys() - {language}:  # nothing of another language's interface
            assert IN_LANGUAGE[other]["text"][5] not in text
            assert IN_LANGUAGE[other]["html"][1] not in html
        # Links are absolute and the same in every language; the unsubscribe link is the learner's own.
        for part in (text, html):
            assert reply_url in part and next_url in part
            assert "https://stepwise.example/settings/" in part
        token = UNSUBSCRIBE.match(parsed["List-Unsubscribe"].strip())["token"]
        assert digest.user_for_unsubscribe_token(token).pk == learner.pk
        assert f"https://stepwise.example/digest/unsubscribe/{token}/" in text
        # The Date header is RFC 5322 (English day and month names whatever the language) and now.
        sent_at = parsedate_to_datetime(parsed["Date"]).replace(tzinfo=UTC)  # "-0000": in UTC
        assert sent_from - timedelta(seconds=5) <= sent_at <= timezone.now() + timedelta(seconds=5)
