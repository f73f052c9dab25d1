"""Notifications: opening one from /notifications/ marks it read (and the header's count
follows), and one about a post since hidden, removed or deleted says the post is gone."""

import re

import pytest
from django.urls import reverse

from community import moderation, outbox, services
from community.models import Notification
from tests.factories import CommentFactory, MentorFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/notifications/"


def unread_badge(html: str) -> int:
    found = re.search(r"data-unread-count>(\d+)<", html)
    return int(found.group(1)) if found else 0


def links_in(html: str) -> list[str]:
    section = html.split('class="notification-list"', 1)[1]
    return re.findall(r'<a href="([^"]+)"', section.split("</ol>", 1)[0])


@pytest.fixture
def replied(learner):
    """A reply from ada in nora's thread: nora has one unread notification."""
    thread = ThreadFactory(author=learner, title="Why does my Django view run 200 queries?")
    services.follow_set(user=learner, thread=thread)
    comment = services.create_comment(
        thread=thread, author=UserFactory(username="ada"), body="Use select_related on the author."
    )
    outbox.drain()
    return comment


def open_link(client, comment):
    """Follow the notification's link from the list, as a person clicking it would."""
    page = client.get(LIST)
    link = next(href for href in links_in(page.text) if "/notifications/" in href)
    return client.get(link)


def test_opening_a_notification_takes_you_to_the_post_and_marks_it_read(learner_client, replied):
    assert unread_badge(learner_client.get(LIST).text) == 1

    response = open_link(learner_client, replied)

    assert response.status_code == 302
    assert response["Location"] == replied.get_absolute_url()
    assert Notification.objects.get().read_at is not None
    page = learner_client.get(LIST).text
    assert unread_badge(page) == 0
    assert ">New<" not in page


def test_someone_elses_notification_cannot_be_opened(client, replied):
    client.force_login(UserFactory())
    notification = Notification.objects.get()
    response = client.get(reverse("community:notification-open", args=[notification.pk]))
    assert response.status_code == 404
    assert Notification.objects.get().read_at is None


def test_a_notification_about_a_hidden_reply_says_it_is_gone_and_hides_its_thread(learner_client, replied):
    moderation.hide(moderator=MentorFactory(), target=replied, reason="Spam links")
    page = learner_client.get(LIST).text
    assert "is gone" in page
    assert not [href for href in links_in(page) if "/notifications/" in href or "/comments/" in href]


def test_a_notification_about_a_hidden_thread_does_not_show_its_title(learner, other_learner, client):
    thread = ThreadFactory(author=other_learner, title="Buy cheap watches here today")
    services.follow_set(user=learner, thread=thread)
    services.create_comment(thread=thread, author=UserFactory(), body="Some reply")
    outbox.drain()
    moderation.hide(moderator=MentorFactory(), target=thread, reason="Spam")
    client.force_login(learner)
    page = client.get(LIST).text
    assert "Buy cheap watches" not in page
    assert "is gone" in page


def test_a_notification_about_a_deleted_reply_says_it_is_gone(learner_client, replied):
    CommentFactory(thread=replied.thread, parent=replied)  # it has a reply: a placeholder stays
    services.delete_comment(comment=replied, user=replied.author)
    page = learner_client.get(LIST).text
    assert "is gone" in page
    assert Notification.objects.count() == 1


def test_opening_a_notification_whose_post_went_meanwhile_says_so(learner_client, replied):
    link = next(href for href in links_in(learner_client.get(LIST).text) if "/notifications/" in href)
    moderation.hide(moderator=MentorFactory(), target=replied, reason="Spam links")
    response = learner_client.get(link, follow=True)
    assert response.redirect_chain[-1][0] == LIST
    assert "That post is gone" in response.text
    assert unread_badge(response.text) == 0
    assert Notification.objects.get(recipient=replied.thread.author).read_at is not None


def test_the_author_of_a_hidden_post_can_still_open_the_notice_about_it(replied):
    from django.test import Client

    moderation.hide(moderator=MentorFactory(), target=replied, reason="Spam links")
    outbox.drain()
    client = Client()
    client.force_login(replied.author)
    page = client.get(LIST).text
    assert "is gone" not in page
    assert [href for href in links_in(page) if "/notifications/" in href]


def test_the_notifications_page_with_gone_posts_does_not_grow(client, learner):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(learner)
    thread = ThreadFactory(author=learner)
    services.follow_set(user=learner, thread=thread)
    mentor = MentorFactory()

    def add(count):
        for _ in range(count):
            comment = services.create_comment(thread=thread, author=UserFactory(), body="hi")
            moderation.hide(moderator=mentor, target=comment, reason="Spam")
            services.create_comment(thread=thread, author=UserFactory(), body="hello")
        outbox.drain()

    def queries():
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    add(2)
    small = queries()
    add(10)
    assert queries() == small
