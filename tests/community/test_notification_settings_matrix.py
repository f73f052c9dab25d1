"""Every notification setting against every role, on the pages and in the API: the expected
answer, the change when allowed, and no change at all when refused.

The settings are a member's own: what to be emailed, how closely to watch a thread, whether to
hear of new threads in a tag or topic. A suspended member may still choose what they hear (they
can read, not post). A thread they cannot see answers 404, as if it did not exist. The
unsubscribe link works from its token alone, whoever holds the session. Watching a section is
for mentors and admins only.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from community import notification_kinds
from community.models import EmailPreference, Follow, MentorSection, ThreadMute
from community.notification_unsubscribe import unsubscribe_token
from tests.api.helpers import token_client
from tests.factories import (
    AdminFactory,
    MentorFactory,
    TagFactory,
    ThreadFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "learner", "suspended", "author", "mentor", "admin"]


@dataclass
class World:
    users: dict
    thread: object
    hidden: object  # the author's thread a mentor hid: theirs and the mentors' to see
    tag: object
    topic: object
    section: object
    owner: object  # whose email the unsubscribe link was sent to


@dataclass
class Call:
    method: str
    url: str
    data: dict = field(default_factory=dict)
    is_api: bool = False
    is_write: bool = True


def _all_kinds(mode: str) -> dict[str, str]:
    return {kind.verb: mode for kind in notification_kinds.kinds()}


def _watch_page(thread):
    return Call("post", reverse("community:thread-follow", args=[thread.pk, thread.slug]), {"level": "muted"})


def _watch_api(thread, method):
    url = reverse("api:thread-watch", args=[thread.pk])
    if method == "get":
        return Call("get", url, is_api=True, is_write=False)
    return Call("put", url, {"level": "muted"}, is_api=True)


def _desk_sections(world):
    return Call(
        "post",
        reverse("community:mentor-desk"),
        {"sections": [world.section.pk], "watching": [world.section.pk]},
    )


ACTIONS = {
    "settings_page_get": lambda w: Call("get", reverse("community:notification-settings"), is_write=False),
    "settings_page_post": lambda w: Call(
        "post", reverse("community:notification-settings"), _all_kinds("off")
    ),
    "email_api_get": lambda w: Call("get", reverse("api:email-settings"), is_api=True, is_write=False),
    "email_api_put": lambda w: Call("put", reverse("api:email-settings"), _all_kinds("digest"), is_api=True),
    "email_api_patch": lambda w: Call(
        "patch", reverse("api:email-settings"), {"mention": "off"}, is_api=True
    ),
    "watch_page": lambda w: _watch_page(w.thread),
    "watch_api_get": lambda w: _watch_api(w.thread, "get"),
    "watch_api_put": lambda w: _watch_api(w.thread, "put"),
    "hidden_watch_page": lambda w: _watch_page(w.hidden),
    "hidden_watch_api_get": lambda w: _watch_api(w.hidden, "get"),
    "hidden_watch_api_put": lambda w: _watch_api(w.hidden, "put"),
    "tag_page": lambda w: Call(
        "post", reverse("community:tag-follow", args=[w.tag.slug]), {"level": "new_threads"}
    ),
    "tag_api": lambda w: Call(
        "put", reverse("api:tag-follow", args=[w.tag.slug]), {"level": "new_threads"}, is_api=True
    ),
    "topic_page": lambda w: Call(
        "post", reverse("community:topic-follow", args=[w.topic.pk]), {"level": "new_threads"}
    ),
    "topic_api": lambda w: Call(
        "put",
        reverse("api:topic-follow", args=[w.topic.roadmap.slug, w.topic.slug]),
        {"level": "new_threads"},
        is_api=True,
    ),
    "unsubscribe_get": lambda w: Call("get", _unsubscribe_url(w.owner), is_write=False),
    "unsubscribe_post": lambda w: Call("post", _unsubscribe_url(w.owner), {"List-Unsubscribe": "One-Click"}),
    "unsubscribe_tampered": lambda w: Call(
        "post", _unsubscribe_url(w.owner, tamper=True), {"List-Unsubscribe": "One-Click"}
    ),
    "section_desk_post": _desk_sections,
    "section_api_get": lambda w: Call("get", reverse("api:mentor-sections"), is_api=True, is_write=False),
    "section_api_put": lambda w: Call(
        "put",
        reverse("api:mentor-sections"),
        {"sections": [{"section": w.section.pk, "watching": True}]},
        is_api=True,
    ),
}


def _unsubscribe_url(owner, *, tamper=False) -> str:
    token = unsubscribe_token(owner, "mention")
    if tamper:
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    return reverse("community:notification-unsubscribe", args=[token])


SEES_HIDDEN = {"author", "mentor", "admin"}
MODERATORS = {"mentor", "admin"}


def expected_outcome(role: str, action: str) -> str:
    if action.startswith("unsubscribe"):  # the token decides, not the session
        return "refused" if action == "unsubscribe_tampered" else "ok"
    if role == "anonymous":
        return "login"
    if action.startswith("hidden_"):
        return "ok" if role in SEES_HIDDEN else "missing"
    if action.startswith("section_"):
        return "ok" if role in MODERATORS else "forbidden"
    return "ok"


def database_state() -> dict:
    return {
        "email": sorted(EmailPreference.objects.values_list("user_id", "kind", "mode")),
        "follows": sorted(
            Follow.objects.values_list("user_id", "thread_id", "tag_id", "topic_id", "notify_new_threads")
        ),
        "mutes": sorted(ThreadMute.objects.values_list("user_id", "thread_id")),
        "sections": sorted(MentorSection.objects.values_list("mentor_id", "section_id", "watching")),
    }


@pytest.fixture
def world():
    author = UserFactory(username="author")
    users = {
        "anonymous": None,
        "learner": UserFactory(username="learner"),
        "suspended": UserFactory(username="suspended", suspended_until=timezone.now() + timedelta(days=2)),
        "author": author,
        "mentor": MentorFactory(username="mentor"),
        "admin": AdminFactory(username="boss"),
    }
    topic = TopicFactory()
    return World(
        users=users,
        thread=ThreadFactory(author=author),
        hidden=ThreadFactory(author=author, status="hidden"),
        tag=TagFactory(slug="databases"),
        topic=topic,
        section=topic.section,
        owner=UserFactory(username="owner"),
    )


def _send(call: Call, user):
    if call.is_api:
        client = token_client(user) if user is not None else APIClient()
        return getattr(client, call.method)(call.url, call.data or None, format="json")
    client = Client()
    if user is not None:
        client.force_login(user)
    return getattr(client, call.method)(call.url, call.data)


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("role", ROLES)
def test_notification_settings_permission_matrix(world, role, action):
    call = ACTIONS[action](world)
    before = database_state()

    response = _send(call, world.users[role])

    outcome = expected_outcome(role, action)
    if outcome == "login" and call.is_api:
        assert response.status_code == 401
    elif outcome == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif outcome == "missing":
        assert response.status_code == 404
    elif outcome == "forbidden":
        assert response.status_code == 403
    elif outcome == "refused":
        assert response.status_code == 400
    else:
        assert response.status_code in (200, 302), response.content[:2000]
        if response.status_code == 302:
            assert not response["Location"].startswith(reverse("account_login"))
    if outcome == "ok" and call.is_write:
        assert database_state() != before
    else:
        assert database_state() == before
