"""The progress history: every change of status is appended, whoever makes it, and leaves with the account."""

import importlib
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import mentorship
from roadmap import services
from roadmap.history import SourceMiddleware, source
from roadmap.models import Progress, ProgressEvent
from tests.api.helpers import token_client
from tests.factories import (
    MentorFactory,
    ProgressFactory,
    ReviewRequestFactory,
    RoadmapFactory,
    SectionFactory,
    TopicFactory,
    build_roadmap,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def topics():
    return build_roadmap(topics=4, sections=1)[1]


def history(user) -> list[tuple[str, str, str]]:
    return list(ProgressEvent.objects.filter(user=user).values_list("topic__slug", "kind", "source"))


def progress_url(topic):
    return reverse("roadmap:topic-progress", args=[topic.roadmap.slug, topic.slug])


def test_each_change_on_the_page_is_appended_once(learner_client, learner, topics):
    topic = topics[0]
    for status in ["learning", "learning", "done", "none"]:
        learner_client.post(progress_url(topic), {"status": status})
    assert history(learner) == [
        (topic.slug, "learning", "page"),
        (topic.slug, "done", "page"),
        (topic.slug, "reset", "page"),
    ]


def test_changes_through_the_api_record_the_api(learner, topics):
    api = token_client(learner)
    topic = topics[0]
    api.post(
        "/api/v1/me/progress/", {"roadmap": topic.roadmap.slug, "topic": topic.slug, "status": "learning"}
    )
    api.put(f"/api/v1/me/progress/{topic.roadmap.slug}/{topic.slug}/", {"status": "skipped"}, format="json")
    api.delete(f"/api/v1/me/progress/{topic.roadmap.slug}/{topic.slug}/")
    assert history(learner) == [
        (topic.slug, "learning", "api"),
        (topic.slug, "skipped", "api"),
        (topic.slug, "reset", "api"),
    ]


def test_an_admin_edit_and_deletion_record_the_admin(client, admin_user, learner, topics):
    progress = ProgressFactory(user=learner, topic=topics[0], status="learning")
    ProgressEvent.objects.all().delete()
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:roadmap_progress_change", args=[progress.pk]),
        {
            "user": learner.pk,
            "topic": topics[0].pk,
            "status": "done",
            "verified_by": "",
            "verified_at_0": "",
            "verified_at_1": "",
        },
    )
    assert response.status_code == 302
    client.post(reverse("admin:roadmap_progress_delete", args=[progress.pk]), {"post": "yes"})
    assert history(learner) == [(topics[0].slug, "done", "admin"), (topics[0].slug, "reset", "admin")]


def test_a_mentor_verifying_from_the_desk_is_appended(client, learner):
    review = ReviewRequestFactory(learner=learner)
    mentor = MentorFactory()
    mentorship.claim(mentor=mentor, review=review)
    client.force_login(mentor)
    client.post(
        reverse("community:review-decide", args=[review.pk]),
        {"verdict": "verified", "feedback": "Well done."},
    )
    assert [kind for _, kind, _ in history(learner)] == ["done", "verified"]
    assert history(learner)[-1] == (review.topic.slug, "verified", "page")


def test_a_verified_topic_set_back_to_learning_is_appended_as_learning(learner, learner_client):
    review = ReviewRequestFactory(learner=learner)
    mentor = MentorFactory()
    mentorship.claim(mentor=mentor, review=review)
    mentorship.decide(mentor=mentor, review=review, verdict="verified", feedback="Good.")
    learner_client.post(progress_url(review.topic), {"status": "learning"})
    assert [kind for _, kind, _ in history(learner)] == ["done", "verified", "learning"]


def test_a_reset_appends_one_event_per_topic_in_one_insert(learner_client, learner, topics):
    for topic in topics:
        ProgressFactory(user=learner, topic=topic, status="done")
    ProgressEvent.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        learner_client.post(reverse("roadmap:roadmap-reset", args=[topics[0].roadmap.slug]))
    inserts = [query for query in queries if query["sql"].startswith('INSERT INTO "roadmap_progressevent"')]
    assert len(inserts) == 1
    assert sorted(history(learner)) == sorted((topic.slug, "reset", "page") for topic in topics)


def test_the_demo_seed_records_an_import(settings):
    settings.DEBUG = True
    roadmap = RoadmapFactory(slug="backend")
    section = SectionFactory(roadmap=roadmap)
    TopicFactory(section=section, slug="http")
    TopicFactory(section=section, slug="dns")
    call_command("seed_demo", stdout=io.StringIO())
    events = ProgressEvent.objects.values_list("topic__slug", "kind", "source")
    assert sorted(events) == [("dns", "learning", "import"), ("http", "done", "import")]


def test_changes_made_inside_an_import_record_import_even_during_a_request(learner, topics, rf):
    def view(request):
        with source(ProgressEvent.Source.IMPORT):
            Progress.objects.create(user=learner, topic=topics[0], status="learning")
            services.set_progress(user=learner, topic=topics[0], status="done")
            services.reset_progress(user=learner, roadmap=topics[0].roadmap)
        Progress.objects.create(user=learner, topic=topics[1], status="learning")

    request = rf.get("/")
    SourceMiddleware(view)(request)
    assert history(learner) == [
        (topics[0].slug, "learning", "import"),
        (topics[0].slug, "done", "import"),
        (topics[0].slug, "reset", "import"),
        (topics[1].slug, "learning", "page"),
    ]


def test_a_save_from_the_shell_records_other(learner, topics):
    progress = Progress.objects.create(user=learner, topic=topics[0], status="learning")
    progress.status = "learning"
    progress.save()
    progress.status = "done"
    progress.save()
    assert history(learner) == [(topics[0].slug, "learning", "other"), (topics[0].slug, "done", "other")]


def test_deleting_a_topic_takes_its_history_without_a_reset(learner, topics):
    ProgressFactory(user=learner, topic=topics[0])
    topics[0].delete()
    assert not ProgressEvent.objects.exists()


def test_the_account_export_has_the_history_in_order(learner_client, learner, topics):
    learner_client.post(progress_url(topics[0]), {"status": "learning"})
    learner_client.post(progress_url(topics[0]), {"status": "done"})
    exported = json.loads(learner_client.get(reverse("accounts:export")).content)["roadmap"][
        "progress_history"
    ]
    assert [(row["topic"], row["event"], row["source"]) for row in exported] == [
        (topics[0].slug, "learning", "page"),
        (topics[0].slug, "done", "page"),
    ]
    assert exported[0]["roadmap"] == topics[0].roadmap.slug and exported[0]["at"]


def test_deleting_the_account_deletes_its_history(learner_client, learner, other_learner, topics, password):
    learner_client.post(progress_url(topics[0]), {"status": "done"})
    ProgressFactory(user=other_learner, topic=topics[0])
    learner_client.post(reverse("accounts:delete"), {"password": password})
    assert list(ProgressEvent.objects.values_list("user", flat=True)) == [other_learner.pk]


def test_the_migration_carries_existing_progress_over_with_its_times(learner, topics):
    done = ProgressFactory(user=learner, topic=topics[0], status="done")
    mentorship.decide(
        mentor=(mentor := MentorFactory()),
        review=mentorship.claim(mentor=mentor, review=ReviewRequestFactory(learner=learner, topic=topics[1])),
        verdict="verified",
        feedback="Good.",
    )
    ProgressFactory(user=learner, topic=topics[2], status="skipped")
    ProgressEvent.objects.all().delete()
    migration = importlib.import_module("roadmap.migrations.0003_progress_history").Migration
    with connection.cursor() as cursor:
        for statement in migration.operations[-1].sql:
            cursor.execute(statement)
    assert sorted(history(learner)) == sorted(
        [
            (topics[0].slug, "done", "import"),
            (topics[1].slug, "done", "import"),
            (topics[1].slug, "verified", "import"),
            (topics[2].slug, "skipped", "import"),
        ]
    )
    done.refresh_from_db()
    assert ProgressEvent.objects.get(topic=topics[0]).created_at == done.updated_at
