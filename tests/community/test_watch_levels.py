"""Watch levels of a thread: watching (every reply), normal (replies to you and mentions),
muted (mentions only); on the thread page, in the API, and in what is notified and emailed."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from community import notification_emails, outbox, services
from community.models import Follow, Notification, ThreadMute
from tests.api.helpers import token_client
from tests.factories import ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db


def post(thread, author, body, parent=None):
    comment = services.create_comment(thread=thread, author=author, body=body, parent=parent)
    outbox.drain()
    return comment


def verbs_for(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("verb", flat=True))


@pytest.fixture
def scene(learner, other_learner):
    """A thread by someone else in which `other_learner` wrote a comment, then set a level."""
    thread = ThreadFactory(author=UserFactory())
    mine = services.create_comment(thread=thread, author=other_learner, body="My own comment here")

    def at(level):
        services.watch_level_set(user=other_learner, thread=thread, level=level)
        return thread, mine

    return at


def test_watching_notifies_every_reply(scene, learner, other_learner):
    thread, _ = scene("watching")
    post(thread, learner, "A reply to the thread, not to anyone")
    assert verbs_for(other_learner) == ["reply"]


def test_normal_notifies_replies_to_you_and_mentions_only(scene, learner, other_learner):
    thread, mine = scene("normal")
    post(thread, learner, "A reply to the thread, not to anyone")
    assert verbs_for(other_learner) == []
    post(thread, learner, "An answer to your comment", parent=mine)
    post(thread, learner, "Hey @other, look")
    assert verbs_for(other_learner) == ["reply", "mention"]


def test_muted_notifies_mentions_only_not_even_replies_to_you(scene, learner, other_learner):
    thread, mine = scene("muted")
    post(thread, learner, "A reply to the thread, not to anyone")
    post(thread, learner, "An answer to your comment", parent=mine)
    assert verbs_for(other_learner) == []
    post(thread, learner, "Hey @other, look")
    assert verbs_for(other_learner) == ["mention"]


def test_muted_sends_no_email(scene, learner, other_learner, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    thread, mine = scene("muted")
    post(thread, learner, "An answer to your comment", parent=mine)
    notification_emails.send_due(now=timezone.now() + timedelta(hours=1))
    assert mail.outbox == []


def test_commenting_in_a_muted_thread_keeps_it_muted(scene, learner, other_learner):
    thread, _ = scene("muted")
    post(thread, other_learner, "I still say something here")
    post(thread, learner, "A reply to the thread, not to anyone")
    assert verbs_for(other_learner) == []


def test_levels_replace_each_other_and_repeating_one_changes_nothing(scene, other_learner):
    thread, _ = scene("muted")
    for level, follows, mutes in [("watching", 1, 0), ("watching", 1, 0), ("muted", 0, 1), ("normal", 0, 0)]:
        services.watch_level_set(user=other_learner, thread=thread, level=level)
        assert Follow.objects.filter(user=other_learner, thread=thread).count() == follows
        assert ThreadMute.objects.filter(user=other_learner, thread=thread).count() == mutes


def test_the_author_of_a_thread_watches_it(learner):
    thread = services.create_thread(author=learner, title="A thread of my own here", body="x" * 30)
    assert Follow.objects.filter(user=learner, thread=thread).exists()


def level_pressed(html: str) -> str:
    return re.search(r'value="(\w+)"[^>]*aria-pressed="true"', html)[1]


def test_the_thread_page_shows_the_viewers_level_and_changes_it(learner_client, learner):
    thread = ThreadFactory(author=UserFactory())
    url = reverse("community:thread-follow", args=[thread.pk, thread.slug])
    assert level_pressed(learner_client.get(thread.get_absolute_url()).text) == "normal"
    response = learner_client.post(url, {"level": "muted"})
    assert response.status_code == 302
    assert level_pressed(learner_client.get(thread.get_absolute_url()).text) == "muted"
    response = learner_client.post(url, {"level": "watching"}, headers={"HX-Request": "true"})
    assert level_pressed(response.text) == "watching"
    assert 'name="csrfmiddlewaretoken"' in response.text
    assert level_pressed(learner_client.get(thread.get_absolute_url()).text) == "watching"


def test_the_page_refuses_an_unknown_level(learner_client, learner):
    thread = ThreadFactory()
    url = reverse("community:thread-follow", args=[thread.pk, thread.slug])
    assert learner_client.post(url, {"level": "loud"}).status_code == 400
    assert learner_client.post(url).status_code == 400
    assert not Follow.objects.filter(user=learner).exists() and not ThreadMute.objects.exists()


def test_the_api_reads_and_sets_the_watch_level(learner):
    client = token_client(learner)
    thread = ThreadFactory()
    url = f"/api/v1/threads/{thread.pk}/watch/"
    assert client.get(url).json() == {"level": "normal"}
    assert client.put(url, {"level": "muted"}, format="json").json() == {"level": "muted"}
    assert client.get(url).json() == {"level": "muted"}
    assert client.put(url, {"level": "loud"}, format="json").status_code == 400
    assert client.post(f"/api/v1/threads/{thread.pk}/follow/").json() == {"is_following": True}
    assert client.get(url).json() == {"level": "watching"}


def test_the_watch_api_needs_a_member_and_a_thread_they_can_see(client, learner):
    thread = ThreadFactory(status="hidden")
    assert client.get(f"/api/v1/threads/{thread.pk}/watch/").status_code in (401, 403)
    assert (
        token_client(learner).put(f"/api/v1/threads/{thread.pk}/watch/", {"level": "muted"}).status_code
        == 404
    )
    assert not ThreadMute.objects.exists()
