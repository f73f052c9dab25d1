"""Tags and topics: "tell me about new threads" (the follow level new_threads), on the pages,
in the API, in what is notified and in its email."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from community import notification_emails, outbox, services
from community.models import Follow, Notification
from tests.api.helpers import token_client
from tests.factories import TagFactory, UserFactory, build_roadmap

pytestmark = pytest.mark.django_db

BODY = "I added an index and the query got slower. Why would that happen?"


def new_thread(author, **fields):
    thread = services.create_thread(
        author=author, title="Why did my index slow things down?", body=BODY, **fields
    )
    outbox.drain()
    return thread


def told(user) -> list[tuple[str, int]]:
    return list(Notification.objects.filter(recipient=user).values_list("verb", "thread_id"))


@pytest.fixture
def tag():
    return TagFactory(slug="databases", name="databases")


def test_new_threads_on_a_tag_notify_those_who_asked_and_not_digest_followers(tag, learner, other_learner):
    services.follow_level_set(user=other_learner, tag=tag, level="new_threads")
    digest_only = UserFactory()
    services.follow_level_set(user=digest_only, tag=tag, level="digest")
    thread = new_thread(learner, tags=[tag])
    assert told(other_learner) == [("new_thread", thread.pk)]
    assert told(digest_only) == [] and told(learner) == []


def test_new_threads_on_a_topic_notify_those_who_asked(learner, other_learner):
    _, topics = build_roadmap(topics=2, sections=1)
    services.follow_level_set(user=other_learner, topic=topics[0], level="new_threads")
    new_thread(learner, topic=topics[1])
    assert told(other_learner) == []
    thread = new_thread(learner, topic=topics[0])
    assert told(other_learner) == [("new_thread", thread.pk)]


def test_someone_mentioned_in_the_new_thread_is_told_once_as_a_mention(tag, learner, other_learner):
    services.follow_level_set(user=other_learner, tag=tag, level="new_threads")
    thread = services.create_thread(
        author=learner, title="Why did my index slow things down?", body=f"{BODY} @other?", tags=[tag]
    )
    outbox.drain()
    assert told(other_learner) == [("mention", thread.pk)]


def test_the_email_of_a_new_thread_says_who_started_what(tag, learner, other_learner, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.follow_level_set(user=other_learner, tag=tag, level="new_threads")
    new_thread(learner, tags=[tag])
    notification_emails.send_due(now=timezone.now() + timedelta(minutes=2))
    [message] = mail.outbox
    assert message.subject == f"{learner.public_name} started “Why did my index slow things down?”"
    assert "I added an index" in message.body
    assert "you asked to hear about new threads" in message.body


def level_pressed(html: str) -> str:
    return re.search(r'value="(\w+)"[^>]*aria-pressed="true"', html)[1]


def test_the_tag_page_offers_the_three_levels_and_sets_one(learner_client, learner, tag):
    page = learner_client.get(tag.get_absolute_url()).text
    assert level_pressed(page) == "none" and "Follow this tag" in page
    url = reverse("community:tag-follow", args=[tag.slug])
    response = learner_client.post(url, {"level": "new_threads"}, headers={"HX-Request": "true"})
    assert level_pressed(response.text) == "new_threads" and "Follow this tag" in response.text
    assert Follow.objects.get(user=learner, tag=tag).notify_new_threads
    assert learner_client.post(url, {"level": "digest"}).status_code == 302
    assert level_pressed(learner_client.get(tag.get_absolute_url()).text) == "digest"
    assert not Follow.objects.get(user=learner, tag=tag).notify_new_threads
    assert learner_client.post(url, {"level": "loud"}).status_code == 400
    learner_client.post(url, {"level": "none"})
    assert not Follow.objects.filter(user=learner).exists()


def test_the_topic_page_offers_the_three_levels(learner_client, learner):
    _, topics = build_roadmap(topics=1, sections=1)
    topic = topics[0]
    assert level_pressed(learner_client.get(topic.get_absolute_url()).text) == "none"
    learner_client.post(reverse("community:topic-follow", args=[topic.pk]), {"level": "new_threads"})
    page = learner_client.get(topic.get_absolute_url()).text
    assert level_pressed(page) == "new_threads" and "Follow this topic" in page


def test_the_api_sets_how_i_follow_a_tag_and_lists_it(learner, tag):
    client = token_client(learner)
    url = f"/api/v1/tags/{tag.slug}/follow/"
    assert client.put(url, {"level": "new_threads"}, format="json").json() == {"level": "new_threads"}
    [follow] = client.get("/api/v1/me/follows/").json()["results"]
    assert follow["notify_new_threads"] is True
    assert client.put(url, {"level": "sometimes"}, format="json").status_code == 400
    assert client.delete(url).json() == {"is_following": False}
    assert not Follow.objects.exists()


def test_the_follow_level_api_needs_a_member(client, tag):
    response = client.put(
        f"/api/v1/tags/{tag.slug}/follow/", {"level": "digest"}, content_type="application/json"
    )
    assert response.status_code in (401, 403)
    assert not Follow.objects.exists()
