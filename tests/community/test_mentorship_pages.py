"""Mentorship through the pages: the request form, the desk, a request's page, the verified
tick on the map, the topic page, the profile and the downloads, and /mentors/."""

import pytest
from django.urls import reverse
from django.utils import timezone

from community import mentorship, outbox
from community.models import MentorSection, ModerationAction, Notification, ReviewRequest
from roadmap.models import Progress
from tests.factories import MentorFactory, ProgressFactory, ReviewRequestFactory, TopicFactory, build_roadmap

pytestmark = pytest.mark.django_db

State = ReviewRequest.State


@pytest.fixture
def topic(learner):
    _, topics = build_roadmap(topics=3, sections=1)
    ProgressFactory(user=learner, topic=topics[0], status="done")
    return topics[0]


def _create_url(topic):
    return reverse("community:review-create", args=[topic.roadmap.slug, topic.slug])


def test_the_topic_page_offers_a_review_once_the_topic_is_done(learner_client, topic):
    page = learner_client.get(topic.get_absolute_url()).text
    assert _create_url(topic) in page


def test_asking_for_a_review_lands_on_the_request(learner_client, learner, topic):
    response = learner_client.post(
        _create_url(topic),
        {"links": "https://github.com/me/api\nhttps://me.example.dev", "explanation": "It **works**."},
    )
    review = ReviewRequest.objects.get(learner=learner)
    assert response.status_code == 302 and response["Location"] == review.get_absolute_url()
    page = learner_client.get(review.get_absolute_url()).text
    assert "https://me.example.dev" in page and "<strong>works</strong>" in page
    assert "Waiting for a mentor" in page


def test_a_bad_link_keeps_what_was_typed_and_says_why(learner_client, topic):
    typed = "http://github.com/me/api"
    response = learner_client.post(_create_url(topic), {"links": typed, "explanation": "My own words"})
    assert response.status_code == 400
    assert "is not an https link" in response.text
    assert typed in response.text and "My own words" in response.text
    assert not ReviewRequest.objects.exists()


def test_more_than_five_links_are_refused(learner_client, topic):
    links = "\n".join(f"https://example.com/{n}" for n in range(6))
    response = learner_client.post(_create_url(topic), {"links": links})
    assert response.status_code == 400
    assert "at most 5 links; you gave 6" in response.text


def test_a_second_request_on_the_topic_is_a_conflict(learner_client, learner, topic):
    mentorship.request_review(learner=learner, topic=topic, explanation="First")
    response = learner_client.post(_create_url(topic), {"explanation": "Second"})
    assert response.status_code == 409
    assert "already have a review request open" in response.text


def test_the_desk_lists_waiting_requests_oldest_first_with_my_sections_first(client):
    mentor = MentorFactory()
    old = ReviewRequestFactory(submitted_at=timezone.now() - timezone.timedelta(days=3))
    new = ReviewRequestFactory()
    mine = ReviewRequestFactory(submitted_at=timezone.now())
    MentorSection.objects.create(mentor=mentor, section=mine.topic.section)
    client.force_login(mentor)
    page = client.get(reverse("community:mentor-desk")).text
    positions = [page.index(f'id="review-{review.pk}"') for review in (mine, old, new)]
    assert positions == sorted(positions)
    assert "Your section" in page


def test_the_desk_filters_by_section(client):
    mentor = MentorFactory()
    shown, hidden = ReviewRequestFactory(), ReviewRequestFactory()
    client.force_login(mentor)
    page = client.get(reverse("community:mentor-desk"), {"section": shown.topic.section_id}).text
    assert f'id="review-{shown.pk}"' in page and f'id="review-{hidden.pk}"' not in page


def test_the_header_shows_mentors_how_many_requests_wait(client):
    ReviewRequestFactory.create_batch(2)
    client.force_login(MentorFactory())
    page = client.get(reverse("community:mentor-list")).text
    assert "data-waiting-reviews>2<" in page


def test_a_claim_held_by_another_mentor_says_who_and_until_when_on_the_page(client):
    review = ReviewRequestFactory()
    mentorship.claim(mentor=MentorFactory(display_name="Mira"), review=review)
    client.force_login(MentorFactory())
    response = client.post(reverse("community:review-action", args=[review.pk, "claim"]))
    assert response.status_code == 409
    assert "Mira holds this request until" in response.text


def test_empty_feedback_keeps_the_chosen_answer_and_says_why(client):
    mentor = MentorFactory()
    review = mentorship.claim(mentor=mentor, review=ReviewRequestFactory())
    client.force_login(mentor)
    response = client.post(
        reverse("community:review-decide", args=[review.pk]), {"verdict": "verified", "feedback": ""}
    )
    assert response.status_code == 400
    assert "Write your feedback" in response.text
    chosen = response.text[response.text.index('value="verified"') :]
    assert "checked" in chosen[: chosen.index(">")]
    review.refresh_from_db()
    assert review.state == State.CLAIMED


def test_an_action_on_a_withdrawn_request_says_so(client):
    review = ReviewRequestFactory()
    mentorship.withdraw(learner=review.learner, review=review)
    client.force_login(MentorFactory())
    response = client.post(reverse("community:review-action", args=[review.pk, "claim"]))
    assert response.status_code == 409
    assert "withdrawn by the learner" in response.text


def _verified(learner, topic):
    mentor = MentorFactory(display_name="Mira")
    review = mentorship.request_review(learner=learner, topic=topic, explanation="Done it")
    mentorship.claim(mentor=mentor, review=review)
    mentorship.decide(mentor=mentor, review=review, verdict="verified", feedback="Yes")
    return mentor


def test_a_verified_topic_shows_its_tick_on_the_map_topic_page_and_profile(learner_client, learner, topic):
    roadmap_url = topic.roadmap.get_absolute_url()
    learner_client.get(roadmap_url)  # the map warm in the cache
    _verified(learner, topic)
    page = learner_client.get(roadmap_url).text
    node = page[page.index(f'id="topic-{topic.slug}"') :]
    node = node[: node.index("</li>")]
    assert f'id="verified-{topic.slug}" >' in node
    assert "(1 topic verified by a mentor)" in page
    topic_page = learner_client.get(topic.get_absolute_url()).text
    assert "Verified</span> by Mira" in topic_page
    profile = learner_client.get(reverse("accounts:profile", args=[learner.username])).text
    assert "1 done, 1 topic verified by a mentor" in profile


def test_an_unverified_topic_has_its_tick_hidden(learner_client, topic):
    page = learner_client.get(topic.roadmap.get_absolute_url()).text
    node = page[page.index(f'id="topic-{topic.slug}"') :]
    assert f'id="verified-{topic.slug}" hidden>' in node[: node.index("</li>")]


def test_the_progress_download_says_who_verified(learner_client, learner, topic):
    mentor = _verified(learner, topic)
    url = reverse("roadmap:progress-download", args=[topic.roadmap.slug, "csv"])
    header, row = learner_client.get(url).content.decode().splitlines()
    assert header.endswith("verified_by,verified_at")
    assert row.startswith(f"{topic.section.title},{topic.slug},") and f",{mentor.username},20" in row


def test_setting_the_topic_back_removes_the_tick_from_the_map(learner_client, learner, topic):
    _verified(learner, topic)
    learner_client.post(
        reverse("roadmap:topic-progress", args=[topic.roadmap.slug, topic.slug]), {"status": "learning"}
    )
    assert not Progress.objects.get(user=learner, topic=topic).is_verified
    page = learner_client.get(topic.roadmap.get_absolute_url()).text
    assert "verified by a mentor" not in page


def test_the_mentors_page_lists_mentors_with_their_sections_and_help(client, learner, topic):
    mentor = _verified(learner, topic)
    MentorSection.objects.create(mentor=mentor, section=topic.section)
    page = client.get(reverse("community:mentor-list")).text
    assert "Mira" in page
    assert "Helped 1 learner, verified 1 topic" in page
    assert f"Covers: {topic.roadmap.title} · {topic.section.title}" in page
    assert f'Recently verified: <a href="{topic.get_absolute_url()}">{topic.title}</a>' in page


def test_the_mentor_profile_counts_who_they_helped(client, learner, topic):
    mentor = _verified(learner, topic)
    page = client.get(reverse("accounts:profile", args=[mentor.username])).text
    assert "<strong>1</strong> learner helped with a review" in page
    assert "<strong>1</strong> topic verified" in page


def test_a_mentor_chooses_their_sections(client, topic):
    mentor = MentorFactory()
    client.force_login(mentor)
    response = client.post(reverse("community:mentor-desk"), {"sections": [topic.section_id]})
    assert response.status_code == 302
    assert list(MentorSection.objects.filter(mentor=mentor).values_list("section_id", flat=True)) == [
        topic.section_id
    ]


def test_opening_a_review_notification_goes_to_the_request(learner_client, learner):
    review = ReviewRequestFactory(learner=learner)
    mentorship.claim(mentor=MentorFactory(), review=review)
    outbox.drain()
    notification = Notification.objects.get(recipient=learner)
    response = learner_client.get(reverse("community:notification-open", args=[notification.pk]))
    assert response.status_code == 302 and response["Location"] == review.get_absolute_url()
    assert "is reviewing your work" in learner_client.get(reverse("community:notification-list")).text


def test_every_act_shows_in_the_audit_log(client):
    mentor = MentorFactory(username="grace")
    review = mentorship.claim(mentor=mentor, review=ReviewRequestFactory())
    mentorship.decide(mentor=mentor, review=review, verdict="needs_work", feedback="Add tests please")
    client.force_login(mentor)
    page = client.get(reverse("community:mod-log")).text
    assert "Claimed a review request" in page and "Asked for more work" in page
    assert "Add tests please" in page and review.get_absolute_url() in page


def test_the_admin_shows_throughput_and_logs_a_correction(client, admin_user):
    review = mentorship.claim(mentor=MentorFactory(), review=ReviewRequestFactory())
    ReviewRequestFactory(topic=TopicFactory(section=review.topic.section))
    client.force_login(admin_user)
    listing = client.get(reverse("admin:community_reviewrequest_changelist")).text
    section = f"{review.topic.roadmap.title}: {review.topic.section.title}"
    row = listing[listing.index(section) :]
    assert row.startswith(f"{section}</td><td>2</td><td>1</td><td>0:")
    change = client.get(reverse("admin:community_reviewrequest_change", args=[review.pk]))
    assert change.status_code == 200
    response = client.post(
        reverse("admin:community_reviewrequest_change", args=[review.pk]),
        {
            "learner": review.learner_id,
            "topic": review.topic_id,
            "links": '["https://github.com/example/work"]',
            "explanation": review.explanation,
            "state": "open",
            "claimed_by": "",
            "claim_expires_at_0": "",
            "claim_expires_at_1": "",
            "decided_by": "",
            "decided_at_0": "",
            "decided_at_1": "",
            "submitted_at_0": review.submitted_at.strftime("%Y-%m-%d"),
            "submitted_at_1": review.submitted_at.strftime("%H:%M:%S"),
            "queued_at_0": review.queued_at.strftime("%Y-%m-%d"),
            "queued_at_1": review.queued_at.strftime("%H:%M:%S"),
            "messages-TOTAL_FORMS": "0",
            "messages-INITIAL_FORMS": "0",
            "messages-MIN_NUM_FORMS": "0",
            "messages-MAX_NUM_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.text[:3000]
    review.refresh_from_db()
    assert review.state == State.OPEN and review.claimed_by is None
    entry = ModerationAction.objects.get(action=ModerationAction.Action.REVIEW_CORRECT)
    assert entry.moderator == admin_user and "state" in entry.reason_text


def test_a_suspended_learner_is_told_why_they_cannot_ask(client, learner, topic):
    learner.suspended_until = timezone.now() + timezone.timedelta(days=2)
    learner.suspension_reason = "Spam links"
    learner.save()
    client.force_login(learner)
    page = client.get(_create_url(topic)).text
    assert "Your account is suspended until" in page and "Reason: Spam links." in page
    assert client.post(_create_url(topic), {"explanation": "Please"}).status_code == 403
