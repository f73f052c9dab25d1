"""Where learners get stuck: the per-topic summary the hourly task recomputes from the history."""

from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community import insights, mentorship, tasks
from community.models import SectionWeek, TopicInsight
from roadmap.models import Progress, ProgressEvent
from tests.factories import (
    CommentFactory,
    MentorFactory,
    ProgressFactory,
    ReviewRequestFactory,
    ThreadFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now()


def event(user, topic, kind, at):
    ProgressEvent.objects.create(user=user, topic=topic, kind=kind, source="page", created_at=at)


def status(user, topic, value, *, changed):
    progress = ProgressFactory(user=user, topic=topic, status=value)
    Progress.objects.filter(pk=progress.pk).update(updated_at=changed)


def insight(topic) -> TopicInsight:
    return TopicInsight.objects.get(topic=topic)


def test_days_from_learning_to_done_give_the_median_and_90th_percentile(now):
    topic = TopicFactory()
    for days in [1, 2, 3, 4, 10]:
        learner = UserFactory()
        event(learner, topic, "learning", now - timedelta(days=20))
        event(learner, topic, "done", now - timedelta(days=20 - days))
    unfinished = UserFactory()
    event(unfinished, topic, "learning", now - timedelta(days=3))
    done_without_learning = UserFactory()
    event(done_without_learning, topic, "done", now - timedelta(days=1))
    insights.refresh_topic_insights(now=now)
    row = insight(topic)
    assert row.finished == 5
    assert row.median_days == pytest.approx(3)
    assert row.p90_days == pytest.approx(7.6)  # between 4 and 10, as percentile_cont


def test_days_to_done_count_from_the_start_of_the_run_that_finished(now):
    topic = TopicFactory()
    returner = UserFactory()  # started, reset, came back months later and finished in 2 days
    event(returner, topic, "learning", now - timedelta(days=200))
    event(returner, topic, "reset", now - timedelta(days=150))
    event(returner, topic, "learning", now - timedelta(days=4))
    event(returner, topic, "done", now - timedelta(days=2))
    event(returner, topic, "verified", now - timedelta(days=1))
    again = UserFactory()  # finished in 3 days, then went back to it and finished again in 6
    event(again, topic, "learning", now - timedelta(days=40))
    event(again, topic, "done", now - timedelta(days=37))
    event(again, topic, "learning", now - timedelta(days=10))
    event(again, topic, "done", now - timedelta(days=4))
    skipped_then_done = UserFactory()  # no start in the run that finished: no duration
    event(skipped_then_done, topic, "learning", now - timedelta(days=30))
    event(skipped_then_done, topic, "skipped", now - timedelta(days=20))
    event(skipped_then_done, topic, "done", now - timedelta(days=1))
    insights.refresh_topic_insights(now=now)
    row = insight(topic)
    assert (row.started, row.finished) == (3, 2)
    assert (row.p25_days, row.p75_days) == (pytest.approx(3), pytest.approx(5))


def test_learners_on_it_now_and_those_who_gave_up(now):
    topic = TopicFactory()
    status(UserFactory(), topic, "learning", changed=now - timedelta(days=2))
    status(UserFactory(), topic, "learning", changed=now - timedelta(days=31))  # stalled
    quitter = UserFactory()
    event(quitter, topic, "learning", now - timedelta(days=9))
    status(quitter, topic, "skipped", changed=now - timedelta(days=5))
    status(UserFactory(), topic, "skipped", changed=now - timedelta(days=5))  # skipped it outright
    status(UserFactory(), topic, "done", changed=now - timedelta(days=1))
    insights.refresh_topic_insights(now=now)
    row = insight(topic)
    assert (row.learners_now, row.gave_up) == (1, 2)


def test_questions_unanswered_and_reviews_waiting(now):
    topic = TopicFactory()
    answered = ThreadFactory(topic=topic)
    answered.accepted_comment = CommentFactory(thread=answered)
    answered.save()
    ThreadFactory(topic=topic)
    ThreadFactory(topic=topic, status="hidden")
    ReviewRequestFactory(topic=topic)
    mentor = MentorFactory()
    mentorship.claim(mentor=mentor, review=ReviewRequestFactory(topic=topic))  # a mentor holds it
    insights.refresh_topic_insights(now=now)
    row = insight(topic)
    assert (row.questions, row.unanswered, row.reviews_waiting) == (2, 1, 1)


def test_the_task_recomputes_the_same_rows_and_drops_unpublished_topics(now):
    kept, unpublished = TopicFactory(), TopicFactory()
    status(UserFactory(), kept, "learning", changed=now)
    assert tasks.refresh_topic_insights.delay().get() == 2
    first = list(TopicInsight.objects.values_list("topic_id", "learners_now"))
    unpublished.is_published = False
    unpublished.save()
    assert tasks.refresh_topic_insights.delay().get() == 1
    assert list(TopicInsight.objects.values_list("topic_id", "learners_now")) == [(kept.pk, 1)]
    assert (kept.pk, 1) in first


def test_a_recompute_runs_the_same_queries_however_many_learners(now):
    topics = [TopicFactory() for _ in range(3)]

    def learners(count):
        for _ in range(count):
            learner = UserFactory()
            for topic in topics:
                event(learner, topic, "learning", now - timedelta(days=4))
                event(learner, topic, "done", now - timedelta(days=1))
                status(learner, topic, "done", changed=now)

    insights.refresh_topic_insights(now=now)  # the first run ever writes the checkpoint
    counts = []
    for count in (2, 20):
        learners(count)
        with CaptureQueriesContext(connection) as queries:
            insights.refresh_topic_insights(now=now)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert insight(topics[0]).finished == 22


def test_admins_read_the_summary_sorted_by_who_gave_up(client, admin_user, now):
    stuck, easy = TopicFactory(title="Concurrency"), TopicFactory(title="HTTP basics")
    for _ in range(2):
        status(UserFactory(), stuck, "learning", changed=now - timedelta(days=40))
    insights.refresh_topic_insights(now=now)
    client.force_login(admin_user)
    page = client.get(reverse("admin:community_topicinsight_changelist")).text
    assert page.index("Concurrency") < page.index("HTTP basics")
    assert client.get(reverse("admin:community_topicinsight_change", args=[easy.pk])).status_code == 200
    assert client.get(reverse("admin:community_topicinsight_add")).status_code == 403


# --- Incremental runs -------------------------------------------------------------------


def test_an_incremental_run_recomputes_only_the_topics_whose_history_moved(now):
    moved, still = TopicFactory(), TopicFactory()
    insights.refresh_topic_insights(now=now)
    learner = UserFactory()
    event(learner, moved, "learning", now - timedelta(days=3))
    event(learner, moved, "done", now - timedelta(days=1))
    ThreadFactory(topic=still)  # no history: waits for the next full run
    assert insights.refresh_changed_topic_insights(now=now) == 1
    assert (insight(moved).finished, insight(moved).median_days) == (1, pytest.approx(2))
    assert insight(still).questions == 0
    assert insights.refresh_changed_topic_insights(now=now) == 0  # nothing moved since
    insights.refresh_topic_insights(now=now)
    assert insight(still).questions == 1


def test_an_incremental_run_with_no_run_before_it_recomputes_everything(now):
    topics = [TopicFactory() for _ in range(3)]
    assert insights.refresh_changed_topic_insights(now=now) == 3
    assert TopicInsight.objects.filter(topic__in=topics).count() == 3


def test_an_incremental_run_keeps_the_weeks_of_the_sections_it_did_not_touch(now):
    moved, still = TopicFactory(), TopicFactory()
    event(UserFactory(), still, "learning", now)
    insights.refresh_topic_insights(now=now)
    event(UserFactory(), moved, "learning", now)
    insights.refresh_changed_topic_insights(now=now)
    started = dict(SectionWeek.objects.values_list("section_id", "started"))
    assert started == {still.section_id: 1, moved.section_id: 1}


def test_an_incremental_run_after_a_mix_of_changes_gives_the_rows_a_full_run_gives(now):
    topics = [TopicFactory() for _ in range(3)]
    steady, returner, quitter, newcomer = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    for topic in topics:
        event(steady, topic, "learning", now - timedelta(days=20))
        event(steady, topic, "done", now - timedelta(days=17))
    event(returner, topics[0], "learning", now - timedelta(days=30))
    event(quitter, topics[1], "learning", now - timedelta(days=12))
    insights.refresh_topic_insights(now=now)
    event(returner, topics[0], "reset", now - timedelta(days=9))  # came back: the new run counts
    event(returner, topics[0], "learning", now - timedelta(days=8))
    event(returner, topics[0], "done", now - timedelta(days=2))
    event(quitter, topics[1], "skipped", now - timedelta(days=1))
    event(newcomer, topics[1], "learning", now - timedelta(days=6))
    event(newcomer, topics[1], "done", now - timedelta(days=5))
    event(steady, topics[2], "learning", now - timedelta(days=4))  # started again, not finished
    insights.refresh_changed_topic_insights(now=now)
    incremental = {row.topic_id: row for row in TopicInsight.objects.filter(topic__in=topics)}
    insights.refresh_topic_insights(now=now)
    for topic in topics:
        full = insight(topic)
        assert {name: getattr(incremental[topic.pk], name) for name in insights.SHOWN_FIELDS} == {
            name: getattr(full, name) for name in insights.SHOWN_FIELDS
        }
    assert (insight(topics[0]).finished, insight(topics[0]).p75_days) == (2, pytest.approx(5.25))
    assert (insight(topics[1]).started, insight(topics[1]).finished) == (3, 2)


def test_an_incremental_run_takes_the_same_queries_however_many_changes(now):
    topics = [TopicFactory() for _ in range(4)]
    insights.refresh_topic_insights(now=now)

    def changes(count) -> int:
        for index in range(count):
            event(UserFactory(), topics[index % len(topics)], "learning", now)
        with CaptureQueriesContext(connection) as queries:
            insights.refresh_changed_topic_insights(now=now)
        return len(queries)

    assert changes(1) == changes(12)


def test_beat_runs_the_incremental_refresh_every_five_minutes(settings):
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert str(schedule["community.tasks.refresh_changed_topic_insights"]) == str(crontab(minute="*/5"))
    assert tasks.refresh_changed_topic_insights.delay().get() == 0  # nothing moved: nothing written
