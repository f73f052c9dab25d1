"""A hidden reply cannot stand as the accepted answer: the thread would say "Answered" with no
answer to read, and fall out of the unanswered lists mentors work through."""

import pytest
from django.test import Client
from django.urls import reverse

from community import moderation, services
from community.models import ModerationAction, Thread
from tests.factories import CommentFactory, MentorFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered():
    thread = ThreadFactory(comment_count=1)
    answer = CommentFactory(thread=thread)
    services.accept_answer(thread=thread, comment=answer, user=thread.author)
    return thread, answer


def shows_answered(thread) -> tuple[bool, bool]:
    page = Client().get(thread.get_absolute_url()).text
    listing = Client().get(reverse("community:thread-list")).text
    return "badge-answered" in page, "badge-answered" in listing


def test_hiding_the_answer_takes_the_acceptance_back_and_restoring_gives_it_back(answered):
    thread, answer = answered
    mentor = MentorFactory()
    assert shows_answered(thread) == (True, True)

    moderation.hide(moderator=mentor, target=answer, reason="Abusive")
    thread.refresh_from_db()
    assert thread.accepted_comment_id is None
    assert shows_answered(thread) == (False, False)
    assert Thread.objects.filter(pk=thread.pk, accepted_comment__isnull=True).exists()
    assert ModerationAction.objects.get(action="hide").details == {"answer_unaccepted": True}

    moderation.restore(moderator=mentor, target=answer, reason="Misread it")
    thread.refresh_from_db()
    assert thread.accepted_comment_id == answer.pk
    assert shows_answered(thread) == (True, True)


def test_an_answer_accepted_meanwhile_is_kept_on_restore(answered):
    thread, answer = answered
    mentor = MentorFactory()
    moderation.hide(moderator=mentor, target=answer, reason="Abusive")
    other = CommentFactory(thread=thread)
    services.accept_answer(thread=thread, comment=other, user=thread.author)

    moderation.restore(moderator=mentor, target=answer, reason="Misread it")
    thread.refresh_from_db()
    assert thread.accepted_comment_id == other.pk
    assert "answer_accepted_again" not in ModerationAction.objects.get(action="restore").details


def test_flags_that_hide_the_answer_and_a_dismissal_bring_it_back(answered):
    thread, answer = answered
    for _ in range(moderation.AUTO_HIDE_FLAGS):
        moderation.flag(reporter=UserFactory(), target=answer, reason="spam")
    thread.refresh_from_db()
    assert thread.accepted_comment_id is None
    assert shows_answered(thread) == (False, False)

    moderation.resolve_flags(moderator=MentorFactory(), target=answer, decision="dismiss", reason="Not spam")
    thread.refresh_from_db()
    assert thread.accepted_comment_id == answer.pk


def test_a_reply_that_was_never_the_answer_is_not_accepted_on_restore(answered):
    thread, answer = answered
    mentor = MentorFactory()
    services.accept_answer(thread=thread, comment=answer, user=thread.author)  # unaccept
    moderation.hide(moderator=mentor, target=answer, reason="Abusive")
    moderation.restore(moderator=mentor, target=answer, reason="Misread it")
    thread.refresh_from_db()
    assert thread.accepted_comment_id is None
