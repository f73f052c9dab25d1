"""What a member sees after flagging a post: the outcome where the post is, and the post
marked as flagged by them for as long as their flag is open."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community import moderation
from community.models import Flag
from tests.factories import CommentFactory, MentorFactory, ThreadFactory, UserFactory
from tests.html import flag_links, parse

pytestmark = pytest.mark.django_db

FLAGGED = "Flagged — thanks, a mentor will look"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def comment_html(page: str, comment) -> str:
    """The markup of one comment's article on a thread page."""
    match = re.search(rf'<article id="c{comment.pk}".*?</article>', page, re.S)
    assert match, f"comment {comment.pk} is not on the page"
    return match.group(0)


def thread_footer(page: str) -> str:
    match = re.search(r'<footer id="thread-actions".*?</footer>', page, re.S)
    assert match
    return match.group(0)


def offers_flag(html: str) -> bool:
    """Whether this markup shows a Flag link."""
    return any(not link.is_hidden and link.text == "Flag" for link in flag_links(parse(html)))


def test_flagging_a_comment_without_javascript_lands_at_the_comment_marked_flagged(learner):
    comment = CommentFactory()
    other = CommentFactory(thread=comment.thread)
    client = client_for(learner)
    client.get(comment.thread.get_absolute_url())  # the shared parts are cached first

    response = client.post(
        reverse("community:comment-flag", args=[comment.pk]), {"reason": "spam"}, follow=True
    )

    assert response.redirect_chain[-1][0].endswith(f"#c{comment.pk}")
    flagged = comment_html(response.text, comment)
    assert FLAGGED in flagged
    assert not offers_flag(flagged)
    assert FLAGGED not in comment_html(response.text, other)
    assert offers_flag(comment_html(response.text, other))
    assert "Mentors will look at this post." not in response.text  # not at the top of the page


def test_flagging_a_thread_without_javascript_lands_at_the_thread_marked_flagged(learner):
    thread = ThreadFactory()
    client = client_for(learner)
    client.get(thread.get_absolute_url())

    url = reverse("community:thread-flag", args=[thread.pk, thread.slug])
    response = client.post(url, {"reason": "off_topic"}, follow=True)

    assert response.redirect_chain[-1][0].endswith("#thread-actions")
    assert FLAGGED in thread_footer(response.text)
    assert not offers_flag(thread_footer(response.text))


def test_flagging_with_htmx_answers_with_the_flagged_state_in_place(learner):
    comment = CommentFactory()
    url = reverse("community:comment-flag", args=[comment.pk])
    client = client_for(learner)

    form = client.get(url, headers={"HX-Request": "true"})
    assert form.status_code == 200
    assert "<html" not in form.text and 'hx-post="' in form.text and "Send to the mentors" in form.text

    answer = client.post(url, {"reason": "spam"}, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert FLAGGED in answer.text and "<html" not in answer.text
    assert Flag.objects.filter(reporter=learner, comment=comment).exists()


def test_a_flag_with_a_mistake_sent_with_htmx_shows_the_form_again_in_place(learner):
    comment = CommentFactory()
    url = reverse("community:comment-flag", args=[comment.pk])
    answer = client_for(learner).post(url, {"reason": "other", "note": ""}, headers={"HX-Request": "true"})
    assert answer.status_code == 400
    assert "Tell the mentors what is wrong" in answer.text and "<html" not in answer.text


def test_the_flag_link_comes_back_once_a_mentor_has_decided(learner):
    comment = CommentFactory()
    client = client_for(learner)
    moderation.flag(reporter=learner, target=comment, reason="spam")
    assert FLAGGED in comment_html(client.get(comment.thread.get_absolute_url()).text, comment)

    moderation.resolve_flags(moderator=MentorFactory(), target=comment, decision="dismiss", reason="Fine")

    page = client.get(comment.thread.get_absolute_url()).text
    assert FLAGGED not in comment_html(page, comment)
    assert offers_flag(comment_html(page, comment))


def test_a_flag_made_outside_the_site_shows_on_the_next_page(learner):
    comment = CommentFactory()
    client = client_for(learner)
    client.get(comment.thread.get_absolute_url())

    Flag.objects.create(reporter=learner, comment=comment, reason="spam")

    assert FLAGGED in comment_html(client.get(comment.thread.get_absolute_url()).text, comment)


def test_another_members_flag_does_not_mark_the_post_for_me(learner):
    comment = CommentFactory()
    moderation.flag(reporter=UserFactory(), target=comment, reason="spam")
    page = client_for(learner).get(comment.thread.get_absolute_url()).text
    assert FLAGGED not in page
    assert offers_flag(comment_html(page, comment))


def test_suspended_members_see_no_flag_link(learner):
    comment = CommentFactory()
    learner.suspended_until = timezone.now() + timedelta(days=3)
    learner.save()
    page = client_for(learner).get(comment.thread.get_absolute_url()).text
    assert not offers_flag(page)


def test_authors_see_no_flag_link_on_their_own_posts(learner):
    comment = CommentFactory(author=learner)
    page = client_for(learner).get(comment.thread.get_absolute_url()).text
    assert not offers_flag(comment_html(page, comment))
    assert offers_flag(thread_footer(page))


def test_a_flagged_post_is_marked_in_each_viewers_language(learner, other_learner):
    comment = CommentFactory()
    english, spanish = client_for(learner), client_for(other_learner)
    for client in (english, spanish):
        client.post(reverse("community:comment-flag", args=[comment.pk]), {"reason": "spam"})
    assert FLAGGED in comment_html(english.get(comment.thread.get_absolute_url()).text, comment)
    in_spanish = spanish.get(comment.thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").text
    assert "Denunciada: gracias, un mentor la revisará" in comment_html(in_spanish, comment)
