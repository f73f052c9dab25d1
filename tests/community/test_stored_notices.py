"""Sentences the app stores for later readers (review steps told to a member, its own reasons in
the audit log) read in the language of whoever reads them, whenever they read them."""

from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from community import mentorship, outbox
from community.models import ModerationAction, Notification
from tests.factories import MentorFactory, ReviewRequestFactory

pytestmark = pytest.mark.django_db


def _claimed():
    mentor = MentorFactory(display_name="Ana Mentor")
    review = mentorship.claim(mentor=mentor, review=ReviewRequestFactory())
    outbox.drain()
    return mentor, review


def test_the_same_review_notice_reads_in_english_and_in_spanish():
    _, review = _claimed()
    notification = Notification.objects.get(recipient=review.learner, verb=Notification.Verb.REVIEW)
    title = review.topic.title
    with translation.override("en"):
        assert notification.text == f"Ana Mentor is reviewing your work on “{title}”."
    with translation.override("es"):
        assert notification.text == f"Ana Mentor está revisando tu trabajo en «{title}»."


def test_the_learner_reads_the_notice_in_the_language_they_switched_to(client):
    _, review = _claimed()
    learner = review.learner
    learner.language = "de"
    learner.save(update_fields=["language"])
    client.force_login(learner)
    page = client.get(reverse("community:notification-list")).text
    assert f"Ana Mentor prüft deine Arbeit zu „{review.topic.title}“." in page
    assert "is reviewing your work" not in page


def test_the_same_audit_log_reason_reads_in_english_and_in_spanish(client):
    mentor, _ = _claimed()
    entry = ModerationAction.objects.get(action=ModerationAction.Action.REVIEW_CLAIM)
    assert entry.reason == ""  # no English stored: a code and its details
    client.force_login(mentor)
    for language, reason in (("en", "Claimed for review."), ("es", "Tomada para revisión.")):
        mentor.language = language
        mentor.save(update_fields=["language"])
        assert reason in client.get(reverse("community:mod-log")).text


def test_english_stored_before_the_codes_is_carried_over_and_back():
    _, review = _claimed()
    notification = Notification.objects.get(recipient=review.learner, verb=Notification.Verb.REVIEW)
    entry = ModerationAction.objects.get(action=ModerationAction.Action.REVIEW_CLAIM)
    migration = import_module("community.migrations.0022_stored_english_to_codes")
    migration.to_english(apps, None)
    notification.refresh_from_db()
    entry.refresh_from_db()
    assert notification.notice == "" and "is reviewing your work" in notification.message
    assert (entry.reason_code, entry.reason) == ("", "Claimed for review.")

    migration.to_codes(apps, None)
    notification.refresh_from_db()
    entry.refresh_from_db()
    assert (notification.notice, notification.message) == ("review-claimed", "")
    assert notification.notice_params == {"mentor": "Ana Mentor", "title": review.topic.title}
    with translation.override("es"):
        assert notification.text.startswith("Ana Mentor está revisando tu trabajo")
        assert entry.reason_text == "Tomada para revisión."
