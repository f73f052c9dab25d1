"""What goes into a learner's digest, its subject, and the email it becomes."""

import re
from datetime import timedelta
from email.generator import BytesGenerator
from email.policy import compat32
from io import BytesIO

import pytest
from django.core.mail import EmailMultiAlternatives
from django.core.mail import message as django_mail_message
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from community import digest, insights, mentorship
from community.models import MentorSection, ReviewRequest, Status
from config import mime
from roadmap import history
from roadmap.models import Progress, ProgressEvent
from tests.factories import (
    CommentFactory,
    DigestDeliveryFactory,
    FollowFactory,
    MentorFactory,
    NotificationFactory,
    ProgressFactory,
    ReviewRequestFactory,
    TagFactory,
    ThreadFactory,
    UserFactory,
    build_roadmap,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://stepwise.example"


@pytest.fixture
def now():
    """A moment after everything the test creates."""
    return timezone.now() + timedelta(minutes=1)


@pytest.fixture
def since(now):
    return now - timedelta(days=7)


@pytest.fixture
def roadmap(db):
    """Backend: five topics in a chain, each the prerequisite of the next."""
    roadmap, topics = build_roadmap(topics=5, sections=1, with_resources=False)
    for topic, title in zip(topics, ["HTTP", "SQL", "Indexes", "Caching", "Queues"], strict=True):
        topic.title = title
        topic.save()
    return roadmap, topics


def set_progress(user, topic, status, *, at):
    """The learner's status on the topic, set at `at` (the row and its history)."""
    progress = ProgressFactory(user=user, topic=topic, status=status)
    Progress.objects.filter(pk=progress.pk).update(updated_at=at)
    ProgressEvent.objects.filter(user=user, topic=topic).update(created_at=at)


def test_nothing_new_means_no_digest(learner, roadmap, now, since):
    _, topics = roadmap
    set_progress(learner, topics[0], "done", at=since - timedelta(days=3))
    assert digest.build_digest(learner, since=since, now=now) is None


def test_progress_shows_done_of_total_this_periods_changes_and_next_topics(learner, roadmap, now, since):
    _, topics = roadmap
    set_progress(learner, topics[0], "done", at=since - timedelta(days=3))
    set_progress(learner, topics[1], "done", at=now - timedelta(days=1))
    set_progress(learner, topics[2], "learning", at=now - timedelta(hours=1))
    topics[3].prerequisites.clear()  # Caching needs nothing first; Queues waits for it

    built = digest.build_digest(learner, since=since, now=now)

    [progress] = built.roadmaps
    assert (progress.done, progress.total, progress.percent) == (2, 5, 40)
    assert progress.finished_now == ["SQL"]
    assert progress.started_now == ["Indexes"]
    # Indexes is open too, but already named under Started.
    assert [link.title for link in progress.next_topics] == ["Caching"]
    assert progress.next_topics[0].url == f"https://stepwise.example/roadmaps/backend/{topics[3].slug}/"


def test_replies_and_mentions_since_the_last_digest(learner, now, since):
    recent = NotificationFactory(recipient=learner, verb="reply", created_at=now - timedelta(hours=2))
    NotificationFactory(recipient=learner, verb="mention", created_at=now - timedelta(days=1))
    NotificationFactory(recipient=learner, verb="reply", created_at=since - timedelta(minutes=1))
    NotificationFactory(recipient=learner, verb="moderation", created_at=now - timedelta(hours=1))
    hidden = NotificationFactory(recipient=learner, created_at=now - timedelta(hours=1))
    hidden.thread.status = Status.HIDDEN
    hidden.thread.save()
    NotificationFactory(verb="reply", created_at=now - timedelta(hours=1))  # someone else's

    built = digest.build_digest(learner, since=since, now=now)

    assert [reply.verb for reply in built.replies] == ["reply", "mention"]
    assert built.reply_counts == {"reply": 1, "mention": 1}
    assert built.replies[0].actor == recent.actor.public_name
    assert built.replies[0].thread_title == recent.thread.title
    assert built.replies[0].url == f"https://stepwise.example/comments/{recent.comment_id}/"


def test_new_threads_on_learning_topics_and_followed_tags_and_topics(learner, roadmap, now, since):
    _, topics = roadmap
    set_progress(learner, topics[0], "learning", at=since - timedelta(days=30))
    python = TagFactory(slug="python")
    FollowFactory(user=learner, tag=python)
    FollowFactory(user=learner, topic=topics[4])
    on_learning = ThreadFactory(topic=topics[0], reaction_count=9)
    on_tag = ThreadFactory(tags=[python], reaction_count=3)
    on_followed_topic = ThreadFactory(topic=topics[4], reaction_count=1)
    ThreadFactory(topic=topics[3])  # a topic the learner is not on
    ThreadFactory(topic=topics[0], author=learner)  # their own
    ThreadFactory(topic=topics[0], status=Status.HIDDEN)
    ThreadFactory(topic=topics[0], last_activity_at=since - timedelta(days=1))  # quiet all period

    built = digest.build_digest(learner, since=since, now=now)

    assert [link.title for link in built.threads] == [
        on_learning.title,
        on_tag.title,
        on_followed_topic.title,
    ]
    assert "HTTP" in built.threads[0].detail and "new" in built.threads[0].detail
    assert (
        built.threads[0].url == f"https://stepwise.example/discussions/{on_learning.pk}/{on_learning.slug}/"
    )


def test_unanswered_questions_on_done_topics_are_offered_as_help(learner, roadmap, now, since):
    _, topics = roadmap
    set_progress(learner, topics[0], "done", at=since - timedelta(days=30))
    set_progress(learner, topics[1], "skipped", at=since - timedelta(days=30))
    question = ThreadFactory(topic=topics[0])
    answered = ThreadFactory(topic=topics[0])
    answered.accepted_comment = CommentFactory(thread=answered)
    answered.save()
    ThreadFactory(topic=topics[0], is_locked=True)
    ThreadFactory(topic=topics[1])  # skipped, not done: they cannot help there
    ThreadFactory(topic=topics[0], created_at=since - timedelta(days=1))  # older than the period

    built = digest.build_digest(learner, since=since, now=now)

    assert [link.title for link in built.help_threads] == [question.title]


@pytest.mark.parametrize(
    ("replies", "mentions", "expected"),
    [
        (3, 0, "3 replies and your next topic: Caching"),
        (1, 2, "1 reply, 2 mentions and your next topic: Caching"),
    ],
)
def test_subject_names_what_is_new_and_the_next_topic(
    learner, roadmap, now, since, replies, mentions, expected
):
    _, topics = roadmap
    for topic in topics[:3]:
        set_progress(learner, topic, "done", at=since - timedelta(days=30))
    for _ in range(replies):
        NotificationFactory(recipient=learner, verb="reply", created_at=now - timedelta(hours=1))
    for _ in range(mentions):
        NotificationFactory(recipient=learner, verb="mention", created_at=now - timedelta(hours=1))

    assert digest.build_digest(learner, since=since, now=now).subject == expected


def test_subject_without_replies_names_finished_topics(learner, roadmap, now, since):
    _, topics = roadmap
    set_progress(learner, topics[0], "done", at=now - timedelta(days=2))
    set_progress(learner, topics[1], "done", at=now - timedelta(days=1))
    assert digest.build_digest(learner, since=since, now=now).subject == (
        "2 topics finished and your next topic: Indexes"
    )


def test_since_is_the_last_digest_but_at_most_two_periods_back(learner, now):
    assert digest.digest_since(user=learner, now=now) == now - timedelta(days=7)
    DigestDeliveryFactory(user=learner, status="skipped", claimed_at=now - timedelta(days=3))
    assert digest.digest_since(user=learner, now=now) == now - timedelta(days=3)
    failed = UserFactory(digest_frequency="daily")
    DigestDeliveryFactory(user=failed, status="failed", claimed_at=now - timedelta(hours=3))
    DigestDeliveryFactory(user=failed, status="sent", claimed_at=now - timedelta(days=30))
    assert digest.digest_since(user=failed, now=now) == now - timedelta(days=2)


def test_email_is_multipart_with_absolute_links_footer_and_one_click_unsubscribe(
    learner, roadmap, now, since
):
    _, topics = roadmap
    set_progress(learner, topics[0], "done", at=now - timedelta(hours=5))
    NotificationFactory(recipient=learner, created_at=now - timedelta(hours=1))

    message = digest.build_digest(learner, since=since, now=now).message()
    mime = message.message()

    assert mime.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in mime.get_payload()] == ["text/plain", "text/html"]
    unsubscribe = digest.unsubscribe_url(learner)
    assert unsubscribe.startswith("https://stepwise.example/digest/unsubscribe/")
    assert mime["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert mime["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.to == [learner.email]
    text, html = message.body, message.alternatives[0][0]
    for body in (text, html):
        assert "https://stepwise.example/settings/" in body
        assert unsubscribe in body
        assert f"https://stepwise.example/roadmaps/backend/{topics[1].slug}/" in body
        assert "because you learn on Stepwise" in body
    assert 'href="/' not in html
    assert "prefers-color-scheme: dark" in html
    assert "<script" not in html


def test_the_email_is_written_as_the_email_package_writes_it_with_a_long_non_ascii_subject(
    learner, roadmap, now, since
):
    _, topics = roadmap
    topics[1].title = "Índices y consultas que tardan mucho más de lo que deberían en producción"
    topics[1].save()
    set_progress(learner, topics[0], "done", at=now - timedelta(hours=5))

    mime = digest.build_digest(learner, since=since, now=now).message().message()
    written = mime.as_bytes(linesep="\r\n")

    expected = BytesIO()
    BytesGenerator(expected, mangle_from_=False, policy=compat32).flatten(mime, linesep="\r\n")
    assert written == expected.getvalue()
    assert b"=?utf-8?" in written.split(b"\r\n\r\n", 1)[0]  # the subject, encoded


@pytest.mark.parametrize("language", ["en", "es", "de"])
def test_the_email_is_sent_as_the_bytes_django_writes_for_it(
    learner, roadmap, now, since, monkeypatch, language
):
    _, topics = roadmap
    learner.display_name, learner.language = "José Ñúñez-Groß", language
    learner.save()
    topics[1].title = "Índices y consultas que tardan mucho más de lo que deberían en producción"
    topics[1].save()
    set_progress(learner, topics[0], "done", at=now - timedelta(hours=5))
    NotificationFactory(recipient=learner, created_at=now - timedelta(hours=1))
    for module in (mime, django_mail_message):
        monkeypatch.setattr(module, "formatdate", lambda localtime=False: "Sun, 06 Dec 2026 06:34:01 -0000")
        monkeypatch.setattr(module, "make_msgid", lambda domain=None: "<1.2.3@stepwise.example>")
    message = digest.build_digest(learner, since=since, now=now).message()

    written = message.as_bytes()

    django_email = EmailMultiAlternatives(
        subject=message.subject, body=message.body, to=message.to, headers=message.extra_headers
    )
    django_email.attach_alternative(*message.alternatives[0])
    django_message = django_email.message()
    django_message.set_boundary(re.search(rb'boundary="([^"]+)"', written).group(1).decode())
    assert "José Ñúñez-Groß".encode() in written
    assert written == django_message.as_bytes(linesep="\r\n")


def test_html_escapes_what_users_wrote(learner, now, since):
    notification = NotificationFactory(recipient=learner, created_at=now - timedelta(hours=1))
    notification.thread.title = "Why does <script>alert(1)</script> not run?"
    notification.thread.save()
    _, html = digest.build_digest(learner, since=since, now=now).render()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def learner_with_activity(size, now):
    """A learner on `size` // 10 roadmaps, following tags and topics, with `size` notifications
    and threads on their topics."""
    learner = UserFactory()
    tags = [TagFactory() for _ in range(max(1, size // 10))]
    for tag in tags:
        FollowFactory(user=learner, tag=tag)
    for index in range(max(1, size // 10)):
        _, topics = build_roadmap(topics=10, sections=2, slug=f"path-{size}-{index}", with_resources=False)
        for topic in topics[:4]:
            ProgressFactory(user=learner, topic=topic, status="done")
        ProgressFactory(user=learner, topic=topics[4], status="learning")
        FollowFactory(user=learner, topic=topics[6])
        for _ in range(size // 10):
            ThreadFactory(topic=topics[0])
            ThreadFactory(topic=topics[4], tags=tags[:1])
            ThreadFactory(topic=topics[6])
    for _ in range(size):
        NotificationFactory(recipient=learner, verb="reply", created_at=now - timedelta(hours=1))
    return learner


def test_building_a_digest_runs_the_same_queries_however_much_there_is(now, since):
    counts = []
    for size in (10, 60):
        learner = learner_with_activity(size, now)
        digest.build_digest(learner, since=since, now=now)  # roadmap structures are cached
        with CaptureQueriesContext(connection) as queries:
            built = digest.build_digest(learner, since=since, now=now)
        assert built.replies and built.threads and built.help_threads
        counts.append(len(queries))
    # The review outcomes, the mentor's sections and the medians of the topics learnt: one each.
    assert counts[0] == counts[1] <= 8


def test_subject_when_a_topic_was_only_started(learner, roadmap, now, since):
    _, topics = roadmap
    set_progress(learner, topics[0], "learning", at=now - timedelta(hours=1))
    # HTTP is the one open topic, and the learner is on it: it is not named again as the next.
    assert digest.build_digest(learner, since=since, now=now).subject == "1 topic started"


def test_skipped_topics_are_reported_as_skipped_not_as_finished(learner, roadmap, now, since):
    _, topics = roadmap
    set_progress(learner, topics[0], "skipped", at=now - timedelta(days=2))
    set_progress(learner, topics[1], "done", at=now - timedelta(days=1))

    built = digest.build_digest(learner, since=since, now=now)
    text, html = built.render()

    for body in (text, html):
        assert "Finished: SQL" in body and "Finished: HTTP" not in body
        assert "Skipped: HTTP" in body
        assert "2 of 5 topics done or skipped (40%)" in body  # as the roadmap page counts them
    assert built.subject == "1 topic finished and your next topic: Indexes"
    assert built.preheader == "Backend: 2 of 5 topics done or skipped."


def test_a_topic_appears_in_one_section_of_the_digest_only(learner, roadmap, now, since):
    _, topics = roadmap
    for topic in topics:
        topic.prerequisites.clear()  # every topic open at once: several could be next
    set_progress(learner, topics[0], "done", at=since - timedelta(days=3))
    set_progress(learner, topics[1], "learning", at=now - timedelta(days=1))
    set_progress(learner, topics[3], "learning", at=now - timedelta(hours=1))

    built = digest.build_digest(learner, since=since, now=now)
    text, html = built.render()

    [progress] = built.roadmaps
    assert progress.started_now == ["SQL", "Caching"]
    assert [link.title for link in progress.next_topics] == ["Indexes", "Queues"]
    assert "Next up: Indexes" in text and "After that: Queues" in text
    for title in ("SQL", "Caching", "Indexes", "Queues"):
        assert text.count(title) == 1, title
    assert built.subject == "2 topics started and your next topic: Indexes"


def test_a_learner_on_the_last_open_topics_is_not_told_the_roadmap_is_finished(learner, roadmap, now, since):
    _, topics = roadmap
    set_progress(learner, topics[0], "done", at=since - timedelta(days=3))
    set_progress(learner, topics[1], "learning", at=now - timedelta(hours=1))

    text, html = digest.build_digest(learner, since=since, now=now).render()

    for body in (text, html):
        assert "Started: SQL" in body
        assert "Next up" not in body
        assert "finished every topic" not in body


def test_in_one_batch_each_learner_gets_the_replies_and_decisions_since_their_own_last_digest(
    roadmap, now, since
):
    _, topics = roadmap
    mentor = MentorFactory(display_name="Mira")
    weekly, daily = UserFactory(), UserFactory()
    two_days_ago = now - timedelta(days=2)
    for learner in (weekly, daily):
        NotificationFactory(recipient=learner, verb="reply", created_at=two_days_ago)
        NotificationFactory(recipient=learner, verb="mention", created_at=now - timedelta(hours=1))
        ProgressFactory(user=learner, topic=topics[0], status="done")
        review = mentorship.request_review(learner=learner, topic=topics[0], explanation="Mine")
        mentorship.claim(mentor=mentor, review=review)
        mentorship.decide(mentor=mentor, review=review, verdict="verified", feedback="Good")
        ReviewRequest.objects.filter(pk=review.pk).update(decided_at=two_days_ago)
    starts = {weekly.pk: since, daily.pk: now - timedelta(days=1)}

    builder = digest.DigestBuilder([weekly, daily], since=starts, now=now)

    assert builder.build(weekly).reply_counts == {"reply": 1, "mention": 1}
    assert [outcome.state for outcome in builder.build(weekly).outcomes] == ["verified"]
    assert builder.build(daily).reply_counts == {"mention": 1}
    assert builder.build(daily).outcomes == []


def test_a_learners_digest_carries_what_mentors_answered(learner, roadmap, now, since):
    _, topics = roadmap
    mentor = MentorFactory(display_name="Mira")
    for topic, verdict in [(topics[0], "verified"), (topics[1], "needs_work")]:
        ProgressFactory(user=learner, topic=topic, status="done")
        review = mentorship.request_review(learner=learner, topic=topic, explanation="Mine")
        mentorship.claim(mentor=mentor, review=review)
        mentorship.decide(mentor=mentor, review=review, verdict=verdict, feedback="Noted")
    built = digest.build_digest(learner, since=since, now=now)
    assert built.subject.startswith("1 topic verified by a mentor")
    text, html = built.render()
    assert "Mira verified your work on HTTP" in text and "Mira asked for more work on SQL" in text
    assert "Mira verified your work on HTTP" in html


def test_a_decision_from_an_earlier_digest_is_not_told_again_when_the_learner_replies(
    learner, roadmap, now, since
):
    _, topics = roadmap
    mentor = MentorFactory(display_name="Mira")
    ProgressFactory(user=learner, topic=topics[1], status="done")
    review = mentorship.request_review(learner=learner, topic=topics[1], explanation="Mine")
    mentorship.claim(mentor=mentor, review=review)
    mentorship.decide(mentor=mentor, review=review, verdict="needs_work", feedback="Noted")
    ReviewRequest.objects.filter(pk=review.pk).update(decided_at=since - timedelta(days=1))
    mentorship.reply(author=learner, review=ReviewRequest.objects.get(pk=review.pk), body="Working on it")

    text, _ = digest.build_digest(learner, since=since, now=now).render()

    assert "asked for more work on SQL" not in text


def test_a_mentors_digest_carries_what_waits_in_their_sections(roadmap, now, since):
    _, topics = roadmap
    mentor = MentorFactory(digest_frequency="daily")
    MentorSection.objects.create(mentor=mentor, section=topics[0].section)
    ReviewRequestFactory.create_batch(2, topic=topics[1])
    ThreadFactory(topic=topics[2])
    built = digest.build_digest(mentor, since=since, now=now)
    assert built.subject == "2 review requests waiting in your sections"
    text, _ = built.render()
    assert (
        f"{topics[0].section.roadmap.title}: {topics[0].section.title}: 2 review requests, 1 unanswered question"
        in text
    )
    assert "https://stepwise.example/mentor/" in text


def test_a_member_no_longer_a_mentor_is_not_sent_the_desk(roadmap, now, since):
    _, topics = roadmap
    former = MentorFactory(digest_frequency="daily")
    MentorSection.objects.create(mentor=former, section=topics[0].section)
    ReviewRequestFactory.create_batch(2, topic=topics[1])
    former.groups.clear()
    former = type(former).objects.get(pk=former.pk)

    # The desk was all this member's digest would have said: there is none.
    assert digest.build_digest(former, since=since, now=now) is None


def test_a_mentors_digest_counts_only_requests_no_mentor_holds(roadmap, now, since):
    _, topics = roadmap
    mentor, other = MentorFactory(digest_frequency="daily"), MentorFactory()
    MentorSection.objects.create(mentor=mentor, section=topics[0].section)
    held, _ = ReviewRequestFactory.create_batch(2, topic=topics[1])
    mentorship.claim(mentor=other, review=held)

    assert (
        digest.build_digest(mentor, since=since, now=now).subject
        == "1 review request waiting in your sections"
    )


def finished_at(user, topic, at):
    ProgressEvent.objects.create(user=user, topic=topic, kind="done", source="page", created_at=at)


def test_the_digest_reports_against_the_weekly_goal(learner, roadmap, now, since):
    _, topics = roadmap
    learner.weekly_goal = 3
    learner.save()
    set_progress(learner, topics[0], "done", at=now - timedelta(days=1))
    finished_at(learner, topics[0], now - timedelta(days=1))
    finished_at(learner, topics[1], now - timedelta(days=2))
    finished_at(learner, topics[1], now - timedelta(days=2))  # finished again after a reset: one topic
    finished_at(learner, topics[2], now - timedelta(days=8))  # before the week
    text, html = digest.build_digest(learner, since=since, now=now).render()
    for body in (text, html):
        assert "Your weekly goal: 2 of 3 topics finished in the last 7 days." in body

    finished_at(learner, topics[3], now - timedelta(hours=1))
    text, _ = digest.build_digest(learner, since=since, now=now).render()
    assert "You met your weekly goal: 3 topics finished in the last 7 days, for a goal of 3." in text


def test_a_learner_without_a_goal_reads_nothing_about_one(learner, roadmap, now, since):
    _, topics = roadmap
    set_progress(learner, topics[0], "done", at=now - timedelta(days=1))
    text, html = digest.build_digest(learner, since=since, now=now).render()
    assert "weekly goal" not in text and "weekly goal" not in html


def test_weekly_goals_take_one_query_for_a_batch_and_none_without_a_goal(roadmap, now, since):
    _, topics = roadmap

    def build(learners) -> tuple[digest.DigestBuilder, int]:
        for learner in learners:
            finished_at(learner, topics[0], now - timedelta(days=1))
        with CaptureQueriesContext(connection) as queries:
            builder = digest.DigestBuilder(
                learners, since={learner.pk: since for learner in learners}, now=now
            )
        return builder, len(queries)

    with_goals, with_goals_queries = build([UserFactory(weekly_goal=2) for _ in range(4)])
    without_goals, without_goals_queries = build([UserFactory() for _ in range(4)])
    assert [goal.finished for goal in with_goals.weekly_goals.values()] == [1, 1, 1, 1]
    assert without_goals.weekly_goals == {}
    assert with_goals_queries == without_goals_queries + 1


# --- The stall nudge -------------------------------------------------------------------


def median_of_two_days(topic, now):
    """Five learners finished `topic`, each in two days: its median is 2, a stall past 4."""
    for _ in range(insights.MIN_LEARNERS):
        finisher = UserFactory()
        ProgressEvent.objects.create(
            user=finisher, topic=topic, kind="learning", created_at=now - timedelta(days=30)
        )
        ProgressEvent.objects.create(
            user=finisher, topic=topic, kind="done", created_at=now - timedelta(days=28)
        )
    insights.refresh_topic_insights(now=now)


def answered(topic, title, *, helpful=0):
    thread = ThreadFactory(topic=topic, title=title, helpful_count=helpful)
    thread.accepted_comment = CommentFactory(thread=thread)
    thread.save()
    return thread


def test_a_learner_stuck_past_twice_the_median_gets_the_most_helpful_answers_and_a_link_to_ask(
    learner, roadmap, now, since
):
    _, topics = roadmap
    median_of_two_days(topics[2], now)
    set_progress(learner, topics[2], "learning", at=now - timedelta(days=5))
    answered(topics[2], "Composite index order", helpful=1)
    best = answered(topics[2], "Why is my index not used?", helpful=4)
    answered(topics[2], "Covering indexes")
    answered(topics[2], "Partial indexes")  # a fourth: one too many
    ThreadFactory(topic=topics[2], title="An open question")  # not answered

    built = digest.build_digest(learner, since=since, now=now)

    [stall] = built.stalls
    assert (stall.topic_title, stall.days) == ("Indexes", 5)
    assert [link.title for link in stall.threads] == [
        "Why is my index not used?",
        "Composite index order",
        "Partial indexes",
    ]
    assert stall.ask_url == f"https://stepwise.example/discussions/new/?topic={topics[2].pk}"
    assert built.subject.startswith("Help with Indexes")
    text, html = built.render()
    assert "STUCK ON INDEXES?" in text and best.get_absolute_url() in text and stall.ask_url in text
    assert "Stuck on Indexes?" in html and f'href="{stall.ask_url}"' in html


def test_the_stall_names_the_topic_in_the_learners_language(learner, roadmap, now, since):
    _, topics = roadmap
    topics[2].title_es = "Índices"
    topics[2].save()
    median_of_two_days(topics[2], now)
    set_progress(learner, topics[2], "learning", at=now - timedelta(days=5))
    learner.language = "es"
    learner.save()
    [stall] = digest.build_digest(learner, since=since, now=now).stalls
    assert stall.topic_title == "Índices"
    learner.language = "de"  # no German title: the English one
    learner.save()
    [stall] = digest.build_digest(learner, since=since, now=now).stalls
    assert stall.topic_title == "Indexes"


def test_one_batch_names_thread_topics_sections_and_decisions_in_each_readers_language(roadmap, now, since):
    """The batch reads content titles once, in every language; each reader sees them in theirs
    (English where there is no translation), whatever language the worker runs in."""
    _, topics = roadmap
    http, sql = topics[0], topics[1]
    http.title_es = "HTTP en detalle"
    http.section.title_es = "Fundamentos"
    http.section.roadmap.title_es = "Ruta de backend"
    for content in (http, http.section, http.section.roadmap):
        content.save()
    spanish = MentorFactory(language="es", digest_frequency="daily")
    german = MentorFactory(language="de", digest_frequency="daily")
    reviewer = MentorFactory(display_name="Mira")
    for member in (spanish, german):
        set_progress(member, http, "learning", at=since - timedelta(days=30))
        set_progress(member, sql, "done", at=since - timedelta(days=30))
        MentorSection.objects.create(mentor=member, section=http.section)
    ThreadFactory(topic=http, title="Which status code for a conflict?", reaction_count=3)
    ProgressFactory(user=spanish, topic=topics[2], status="done")
    review = mentorship.request_review(learner=spanish, topic=topics[2], explanation="Mine")
    mentorship.claim(mentor=reviewer, review=review)
    mentorship.decide(mentor=reviewer, review=review, verdict="verified", feedback="Good")
    topics[2].title_es = "Índices"
    topics[2].save()

    with translation.override("de"):
        builder = digest.DigestBuilder(
            [spanish, german], since={spanish.pk: since, german.pk: since}, now=now
        )
        in_spanish, in_german = builder.build(spanish), builder.build(german)

    assert [link.topic_title for link in in_spanish.threads] == ["HTTP en detalle"]
    assert [link.topic_title for link in in_german.threads] == ["HTTP"]
    assert [outcome.topic_title for outcome in in_spanish.outcomes] == ["Índices"]
    assert [waiting.title for waiting in in_spanish.waiting] == ["Ruta de backend: Fundamentos"]
    roadmap_title = http.section.roadmap.title_en
    assert [waiting.title for waiting in in_german.waiting] == [f"{roadmap_title}: {http.section.title_en}"]


def test_the_time_on_a_topic_counts_from_the_start_in_the_history_not_the_last_save(
    learner, roadmap, now, since
):
    _, topics = roadmap
    median_of_two_days(topics[2], now)
    set_progress(learner, topics[2], "learning", at=now - timedelta(days=5))
    Progress.objects.filter(user=learner, topic=topics[2]).update(updated_at=now - timedelta(hours=1))
    [stall] = digest.build_digest(learner, since=since, now=now).stalls
    assert stall.days == 5


def test_a_learner_back_on_a_topic_after_a_reset_counts_from_their_new_start(learner, roadmap, now, since):
    _, topics = roadmap
    median_of_two_days(topics[2], now)
    for kind, days_ago in (("learning", 60), ("reset", 40), ("learning", 2)):
        ProgressEvent.objects.create(
            user=learner, topic=topics[2], kind=kind, created_at=now - timedelta(days=days_ago)
        )
    with history.recorded_by_caller():
        progress = ProgressFactory(user=learner, topic=topics[2], status="learning")
    Progress.objects.filter(pk=progress.pk).update(updated_at=now - timedelta(days=60))
    assert digest.build_digest(learner, since=since, now=now) is None  # 2 days in: not stuck
    ProgressEvent.objects.filter(
        user=learner, kind="learning", created_at__gt=now - timedelta(days=3)
    ).update(created_at=now - timedelta(days=6))
    [stall] = digest.build_digest(learner, since=since, now=now).stalls
    assert stall.days == 6


def test_the_ask_link_opens_the_new_thread_form_on_that_topic(learner, roadmap, now, since, client):
    _, topics = roadmap
    median_of_two_days(topics[2], now)
    set_progress(learner, topics[2], "learning", at=now - timedelta(days=5))
    [stall] = digest.build_digest(learner, since=since, now=now).stalls
    client.force_login(learner)
    form = client.get(stall.ask_url.removeprefix("https://stepwise.example")).text
    assert f'<option value="{topics[2].pk}" selected>' in form


def test_no_nudge_within_twice_the_median_or_on_a_median_of_too_few(learner, roadmap, now, since):
    _, topics = roadmap
    median_of_two_days(topics[2], now)
    set_progress(learner, topics[2], "learning", at=now - timedelta(days=3))  # under 4 days
    for _ in range(insights.MIN_LEARNERS - 1):  # a median of four finishes
        finisher = UserFactory()
        ProgressEvent.objects.create(
            user=finisher, topic=topics[3], kind="learning", created_at=now - timedelta(days=9)
        )
        ProgressEvent.objects.create(
            user=finisher, topic=topics[3], kind="done", created_at=now - timedelta(days=8)
        )
    insights.refresh_topic_insights(now=now)
    set_progress(learner, topics[3], "learning", at=now - timedelta(days=20))
    assert digest.build_digest(learner, since=since, now=now).stalls == []


def test_a_stall_told_in_an_earlier_digest_does_not_send_one_alone(learner, roadmap, now, since):
    _, topics = roadmap
    median_of_two_days(topics[2], now)
    set_progress(learner, topics[2], "learning", at=since - timedelta(days=10))  # stalled before since
    assert digest.build_digest(learner, since=since, now=now) is None
    set_progress(learner, topics[0], "done", at=now - timedelta(hours=1))
    built = digest.build_digest(learner, since=since, now=now)
    assert [stall.topic_title for stall in built.stalls] == ["Indexes"]  # it rides along


def test_stalls_take_two_queries_for_a_batch_however_many_learners(roadmap, now, since):
    _, topics = roadmap
    median_of_two_days(topics[2], now)
    answered(topics[2], "Why is my index not used?")

    def build(count) -> int:
        learners = [UserFactory() for _ in range(count)]
        for learner in learners:
            set_progress(learner, topics[2], "learning", at=now - timedelta(days=6))
        with CaptureQueriesContext(connection) as queries:
            builder = digest.DigestBuilder(
                learners, since={learner.pk: since for learner in learners}, now=now
            )
        assert all(len(stalls) == 1 for stalls in builder.stalls.values())
        return len(queries)

    build(1)  # the roadmap's structure, cached
    assert build(2) == build(12)
