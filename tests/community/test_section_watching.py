"""Mentors watching the sections they cover: told at once of each review request and new thread
there, chosen on the desk and in the API; the request does no work per watching mentor."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import MENTORS_GROUP
from community import mentorship, outbox, services
from community.models import MentorSection, Notification
from tests.api.helpers import token_client
from tests.factories import (
    MentorFactory,
    ProgressFactory,
    SectionFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Verb = Notification.Verb


@pytest.fixture
def section():
    return SectionFactory(title="Databases")


@pytest.fixture
def topic(section):
    return TopicFactory(section=section, title="Database indexes")


@pytest.fixture
def ana():
    return UserFactory(username="ana", display_name="Ana", date_joined=timezone.now() - timedelta(days=30))


def watching(section, mentor=None):
    mentor = mentor or MentorFactory()
    MentorSection.objects.create(mentor=mentor, section=section, watching=True)
    return mentor


def ask(learner, topic):
    ProgressFactory(user=learner, topic=topic, status="done")
    review = mentorship.request_review(learner=learner, topic=topic, explanation="I added two indexes.")
    outbox.drain()
    return review


def told(user, verb=None) -> list[Notification]:
    rows = Notification.objects.filter(recipient=user)
    return list(rows.filter(verb=verb) if verb else rows)


# --- Review requests ---------------------------------------------------------------------


def test_a_watching_mentor_is_told_of_a_review_request_in_their_section(client, section, topic, ana):
    mentor = watching(section)
    review = ask(ana, topic)
    [notification] = told(mentor)
    assert notification.verb == Verb.REVIEW and notification.review_id == review.pk
    assert notification.text == "Ana asked for a review of “Database indexes”."
    client.force_login(mentor)
    response = client.get(reverse("community:notification-open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == review.get_absolute_url()


def test_a_mentor_who_covers_without_watching_or_watches_another_section_is_not_told(section, topic, ana):
    covering = MentorFactory()
    MentorSection.objects.create(mentor=covering, section=section, watching=False)
    elsewhere = watching(SectionFactory())
    ask(ana, topic)
    assert told(covering) == [] and told(elsewhere) == []


def test_a_mentor_asking_for_a_review_in_a_section_they_watch_is_not_told_of_it(section, topic):
    mentor = watching(section)
    ask(mentor, topic)
    assert told(mentor) == []


def test_a_mentor_who_lost_the_role_is_not_told(section, topic, ana):
    former = watching(section)
    former.groups.remove(Group.objects.get(name=MENTORS_GROUP))
    ask(ana, topic)
    assert told(former) == []


def test_a_suspended_mentor_is_not_told(section, topic, ana):
    suspended = watching(section, MentorFactory(suspended_until=timezone.now() + timedelta(days=2)))
    ask(ana, topic)
    assert told(suspended) == []


def test_a_request_withdrawn_before_the_outbox_runs_tells_no_one(section, topic, ana):
    mentor = watching(section)
    ProgressFactory(user=ana, topic=topic, status="done")
    review = mentorship.request_review(learner=ana, topic=topic, explanation="I added two indexes.")
    mentorship.withdraw(learner=ana, review=review)
    outbox.drain()
    assert told(mentor) == []


def test_a_request_resubmitted_to_the_queue_tells_the_watchers_again(section, topic, ana):
    mentor, holder = watching(section), MentorFactory()
    review = ask(ana, topic)
    mentorship.claim(mentor=holder, review=review)
    mentorship.decide(mentor=holder, review=review, verdict="needs_work", feedback="Add a test.")
    holder.groups.clear()  # the request has no mentor to go back to: it returns to the queue
    mentorship.reply(author=ana, review=review, body="Test added.", resubmit=True)
    outbox.drain()
    messages = [notification.text for notification in told(mentor)]
    assert messages == [
        "Ana resubmitted their work on “Database indexes” for review.",
        "Ana asked for a review of “Database indexes”.",
    ]


def test_a_request_resubmitted_to_its_mentor_tells_only_that_mentor(section, topic, ana):
    watcher, holder = watching(section), MentorFactory()
    review = ask(ana, topic)
    mentorship.claim(mentor=holder, review=review)
    mentorship.decide(mentor=holder, review=review, verdict="needs_work", feedback="Add a test.")
    mentorship.reply(author=ana, review=review, body="Test added.", resubmit=True)
    outbox.drain()
    assert len(told(watcher)) == 1  # the first request only
    assert "resubmitted" in told(holder)[-1].text


# --- New threads -------------------------------------------------------------------------


def new_thread(author, **fields):
    thread = services.create_thread(
        author=author, title="Why is my index not used?", body="EXPLAIN shows a seq scan.", **fields
    )
    outbox.drain()
    return thread


def test_a_watching_mentor_is_told_of_a_new_thread_on_a_topic_of_the_section(section, topic, ana):
    mentor = watching(section)
    thread = new_thread(ana, topic=topic)
    assert [(row.verb, row.thread_id) for row in told(mentor)] == [(Verb.NEW_THREAD, thread.pk)]
    new_thread(ana, topic=TopicFactory())
    new_thread(ana)
    assert len(told(mentor)) == 1


def test_the_mentor_who_starts_the_thread_is_not_told_of_it(section, topic):
    mentor = watching(section)
    new_thread(mentor, topic=topic)
    assert told(mentor) == []


def test_a_mentor_watching_the_section_and_following_the_topic_is_told_once(section, topic, ana):
    mentor = watching(section)
    services.follow_level_set(user=mentor, topic=topic, level="new_threads")
    new_thread(ana, topic=topic)
    assert len(told(mentor)) == 1


def test_a_mentor_who_lost_the_role_hears_of_no_new_thread(section, topic, ana):
    former = watching(section)
    former.groups.clear()
    new_thread(ana, topic=topic)
    assert told(former) == []


# --- The request stays flat --------------------------------------------------------------


def _request_queries(client, learner, section) -> int:
    topic = TopicFactory(section=section)
    ProgressFactory(user=learner, topic=topic, status="done")
    url = reverse("community:review-create", args=[topic.roadmap.slug, topic.slug])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"explanation": "I added two indexes."})
    assert response.status_code == 302
    return len(queries)


def _drain_queries() -> int:
    with CaptureQueriesContext(connection) as queries:
        outbox.drain()
    return len(queries)


def test_asking_for_a_review_costs_the_same_with_1_or_50_watching_mentors(client, section, ana):
    client.force_login(ana)
    _request_queries(client, ana, section)  # caches warm: the user, the session
    _drain_queries()
    watching(section)
    one = _request_queries(client, ana, section), _drain_queries()
    for _ in range(49):
        watching(section)
    fifty = _request_queries(client, ana, section), _drain_queries()
    assert fifty == one
    assert Notification.objects.filter(verb=Verb.REVIEW).count() == 1 + 50


# --- Choosing: the desk and the API ------------------------------------------------------


def ticked(page: str, name: str) -> set[int]:
    """The values of the checked boxes named `name` on a page."""
    boxes = re.findall(rf'<input type="checkbox" name="{name}" value="(\d+)"([^>]*)>', page)
    return {int(value) for value, rest in boxes if " checked" in rest}


def _desk_post(client, **choices):
    return client.post(reverse("community:mentor-desk"), choices)


def test_the_desk_saves_which_covered_sections_are_watched(client, mentor, section):
    other = SectionFactory(roadmap=section.roadmap, title="Caching")
    client.force_login(mentor)
    response = _desk_post(client, sections=[section.pk, other.pk], watching=[section.pk])
    assert response.status_code == 302
    rows = MentorSection.objects.filter(mentor=mentor).order_by("section__position")
    assert list(rows.values_list("section_id", "watching")) == [(section.pk, True), (other.pk, False)]
    page = client.get(reverse("community:mentor-desk")).text
    assert ticked(page, "sections") == {section.pk, other.pk}
    assert ticked(page, "watching") == {section.pk}


def test_the_desk_refuses_watching_a_section_not_covered_and_keeps_the_choice(client, mentor, section):
    MentorSection.objects.create(mentor=mentor, section=section)
    other = SectionFactory(roadmap=section.roadmap)
    client.force_login(mentor)
    response = _desk_post(client, sections=[section.pk], watching=[other.pk])
    assert response.status_code == 400
    assert "Watch only sections you cover" in response.text
    assert list(MentorSection.objects.values_list("section_id", "watching")) == [(section.pk, False)]


def test_the_api_reads_and_replaces_the_sections_i_cover_and_watch(mentor, section):
    other = SectionFactory(roadmap=section.roadmap, title="Caching")
    client = token_client(mentor)
    url = reverse("api:mentor-sections")
    assert client.get(url).json() == {"sections": []}
    chosen = [{"section": section.pk, "watching": True}, {"section": other.pk}]
    response = client.put(url, {"sections": chosen}, format="json")
    assert response.status_code == 200
    assert response.json()["sections"] == [
        {"section": section.pk, "watching": True, "roadmap": section.roadmap.slug, "title": "Databases"},
        {"section": other.pk, "watching": False, "roadmap": section.roadmap.slug, "title": "Caching"},
    ]
    client.put(url, {"sections": [{"section": other.pk, "watching": True}]}, format="json")
    assert list(MentorSection.objects.values_list("section_id", "watching")) == [(other.pk, True)]


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ([{"section": 2_000_000}], "No published section has the id 2000000."),
        ([{"section": "twelve"}], "valid integer"),
        ("all", "list"),
    ],
)
def test_the_api_refuses_bad_sections_with_a_message_and_changes_nothing(mentor, section, sections, message):
    MentorSection.objects.create(mentor=mentor, section=section, watching=True)
    response = token_client(mentor).put(reverse("api:mentor-sections"), {"sections": sections}, format="json")
    assert response.status_code == 400
    assert message in response.text
    assert list(MentorSection.objects.values_list("section_id", "watching")) == [(section.pk, True)]


def test_the_api_refuses_a_section_given_twice(mentor, section):
    twice = [{"section": section.pk}, {"section": section.pk, "watching": True}]
    response = token_client(mentor).put(reverse("api:mentor-sections"), {"sections": twice}, format="json")
    assert response.status_code == 400 and "Give each section once." in response.text
    assert not MentorSection.objects.exists()
