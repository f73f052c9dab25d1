"""Emails are written in the recipient's language, whatever language the request or worker
that sends them happens to be in."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from community import notification_emails, outbox, services, tasks
from config.celery import app as celery_app
from tests.community.notification_mail import DELAY
from tests.factories import (
    NotificationFactory,
    ProgressFactory,
    RoadmapFactory,
    SectionFactory,
    ThreadFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager_celery():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def html_language(message) -> str:
    [(html, _)] = message.alternatives
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def learner_with_news(**fields):
    """A learner whose digest hour has come (hour 0) and who has a reply to read."""
    user = UserFactory(digest_hour=0, **fields)
    someone = UserFactory(digest_frequency="off")
    NotificationFactory(
        recipient=user,
        actor=someone,
        thread=ThreadFactory(author=someone),
        created_at=timezone.now() - timedelta(hours=1),
    )
    return user


def test_a_spanish_speaking_learner_gets_their_digest_in_spanish_from_an_english_worker():
    learner = learner_with_news(language="es")
    with translation.override("en"):
        tasks.send_digest_batch([learner.pk])
    [message] = mail.outbox
    assert message.extra_headers["Content-Language"] == "es"
    assert html_language(message) == "es"
    assert translation.get_language() != "es"  # the worker's own language is left as it was


def test_a_learner_with_no_saved_language_gets_the_site_language_from_a_german_request():
    learner = learner_with_news(language="")
    with translation.override("de"):
        tasks.send_digest_batch([learner.pk])
    [message] = mail.outbox
    assert message.extra_headers["Content-Language"] == "en"
    assert html_language(message) == "en"


@pytest.mark.usefixtures("notification_mail")
def test_a_notification_email_is_in_the_recipients_language_not_the_repliers(learner):
    german = UserFactory(language="de")
    thread = ThreadFactory(author=german)
    services.follow_set(user=german, thread=thread)
    with translation.override("es"):  # the replier browses in Spanish
        services.create_comment(thread=thread, author=learner, body="Have you tried select_related?")
        outbox.drain()
        notification_emails.send_due(now=timezone.now() + timedelta(seconds=DELAY + 1))
    [message] = [message for message in mail.outbox if message.to == [german.email]]
    assert message.extra_headers["Content-Language"] == "de"
    assert html_language(message) == "de"


def test_one_batch_names_each_learners_topics_and_roadmap_in_their_language():
    """The batch reads the roadmaps once for all its learners; each digest still names the
    topics and the roadmap in its reader's language (English where there is no translation)."""
    roadmap = RoadmapFactory(title="Backend path", title_es="Ruta de backend")
    section = SectionFactory(roadmap=roadmap)
    finished = TopicFactory(section=section, title="Database indexes", title_es="Índices de bases de datos")
    TopicFactory(section=section, title="Caching layers", title_es="Capas de caché")
    spanish, english = learner_with_news(language="es"), learner_with_news(language="en")
    for learner in (spanish, english):
        ProgressFactory(user=learner, topic=finished, status="done")
    with translation.override("en"):
        tasks.send_digest_batch([spanish.pk, english.pk])
    bodies = {message.to[0]: message.body for message in mail.outbox}
    assert "Índices de bases de datos" in bodies[spanish.email]
    assert "Capas de caché" in bodies[spanish.email]
    assert "RUTA DE BACKEND" in bodies[spanish.email]  # the plain text's heading
    assert "Caching layers" not in bodies[spanish.email]
    assert "Database indexes" in bodies[english.email]
    assert "Caching layers" in bodies[english.email]
    assert "BACKEND PATH" in bodies[english.email]
