"""What pages tell their script about live updates: the topics they follow and the versions
they show (config.live_tags), and no script at all where no live process runs."""

import re

import pytest

from community import caches
from config import live
from roadmap.caches import LIVE_PROGRESS
from roadmap.services import set_progress
from tests.factories import CommentFactory, ThreadFactory, UserFactory, build_roadmap

pytestmark = pytest.mark.django_db

LIVE_TARGET = re.compile(r'data-live-topic="(?P<topic>[^"]+)" data-live-version="(?P<version>[^"]+)"')


def targets(response) -> dict[str, str]:
    return {match["topic"]: match["version"] for match in LIVE_TARGET.finditer(response.content.decode())}


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "member"])
def test_a_thread_page_follows_its_thread_at_the_version_it_shows(client, signed_in):
    thread = ThreadFactory()
    if signed_in:
        client.force_login(UserFactory())
    shown = targets(client.get(thread.get_absolute_url()))
    assert shown == {f"thread:{thread.pk}": live.page_version(caches.LIVE_THREAD, thread.pk)}

    CommentFactory(thread=thread)
    again = targets(client.get(thread.get_absolute_url()))
    assert again[f"thread:{thread.pk}"] != shown[f"thread:{thread.pk}"]


def test_the_header_follows_the_members_notifications_and_nobody_elses(client):
    assert b'data-live-topic="notifications"' not in client.get("/").content
    client.force_login(UserFactory())
    assert b'data-live-topic="notifications"' in client.get("/").content


def test_the_map_follows_its_learners_own_progress(client):
    roadmap, topics = build_roadmap(topics=3, sections=1)
    assert targets(client.get(roadmap.get_absolute_url())) == {}
    learner = UserFactory()
    client.force_login(learner)
    before = targets(client.get(roadmap.get_absolute_url()))
    assert before == {"progress": live.page_version(LIVE_PROGRESS, learner.pk)}
    set_progress(user=learner, topic=topics[0], status="done")
    assert targets(client.get(topics[1].get_absolute_url()))["progress"] != before["progress"]


def test_learners_sharing_a_map_pages_shell_each_follow_their_own_progress(client):
    roadmap, _ = build_roadmap(topics=3, sections=1)
    for learner in (UserFactory(), UserFactory()):
        client.force_login(learner)
        shown = targets(client.get(roadmap.get_absolute_url()))
        assert shown == {"progress": live.page_version(LIVE_PROGRESS, learner.pk)}


@pytest.mark.parametrize(("live_updates", "loaded"), [(True, True), (False, False)])
def test_a_site_without_a_live_process_never_loads_the_script(client, settings, live_updates, loaded):
    settings.LIVE_UPDATES = live_updates
    thread = ThreadFactory()
    assert (b"js/live." in client.get(thread.get_absolute_url()).content) == loaded
