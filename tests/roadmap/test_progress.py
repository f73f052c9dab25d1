import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from roadmap.models import Note, Progress
from tests.api.helpers import token_client
from tests.factories import ProgressFactory, build_roadmap
from tests.html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def topics():
    return build_roadmap(topics=6, sections=2)[1]


def progress_url(topic):
    return reverse("roadmap:topic-progress", args=[topic.roadmap.slug, topic.slug])


def note_url(topic):
    return reverse("roadmap:topic-note", args=[topic.roadmap.slug, topic.slug])


@pytest.mark.parametrize("status", ["learning", "done", "skipped"])
def test_learner_sets_a_status_with_a_plain_form(learner_client, learner, topics, status):
    response = learner_client.post(progress_url(topics[0]), {"status": status})
    assert response.status_code == 302
    assert response["Location"] == topics[0].get_absolute_url()
    assert Progress.objects.get(user=learner, topic=topics[0]).status == status


def test_status_none_clears_it(learner_client, learner, topics):
    ProgressFactory(user=learner, topic=topics[0], status="done")
    learner_client.post(progress_url(topics[0]), {"status": "none"})
    assert not Progress.objects.filter(user=learner).exists()


def test_setting_a_status_twice_keeps_one_row(learner_client, learner, topics):
    learner_client.post(progress_url(topics[0]), {"status": "learning"})
    learner_client.post(progress_url(topics[0]), {"status": "done"})
    assert list(Progress.objects.filter(user=learner).values_list("status", flat=True)) == ["done"]


def test_htmx_status_change_returns_the_status_panel(learner_client, learner, topics):
    response = learner_client.post(
        progress_url(topics[0]), {"status": "done"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="status-panel"' in response.text
    assert "<!doctype html>" not in response.text
    assert (
        'value="done" class="status-button status-done" data-shortcut="d" aria-pressed="true"'
        in response.text
    )


def test_htmx_status_change_from_the_map_also_updates_the_node_and_progress_bar(learner_client, topics):
    response = learner_client.post(
        progress_url(topics[0]), {"status": "done", "from": "map"}, headers={"HX-Request": "true"}
    )
    node = parse(response.text).find("li", id=f"topic-{topics[0].slug}")
    assert node.attrs["hx-swap-oob"] == "true" and "status-done" in node.classes
    assert node.find("span", class_="status-text").text == "Done"
    assert 'id="map-progress" class="map-progress" hx-swap-oob="true"' in response.text
    assert "17%" in response.text  # 1 of 6


def test_next_redirect_stays_on_this_site(learner_client, topics):
    response = learner_client.post(
        progress_url(topics[0]), {"status": "done", "next": "https://evil.example/"}
    )
    assert response["Location"] == topics[0].get_absolute_url()
    roadmap_url = reverse("roadmap:roadmap-detail", args=[topics[0].roadmap.slug])
    response = learner_client.post(progress_url(topics[0]), {"status": "done", "next": roadmap_url})
    assert response["Location"] == roadmap_url


def test_anonymous_post_changes_nothing_and_goes_to_login(client, topics):
    response = client.post(progress_url(topics[0]), {"status": "done"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not Progress.objects.exists()


def test_unknown_status_is_a_clear_400(learner_client, topics):
    response = learner_client.post(progress_url(topics[0]), {"status": "mastered"})
    assert response.status_code == 400
    assert "is not a status" in response.text
    assert not Progress.objects.exists()


def test_unknown_status_over_htmx_is_a_plain_400(learner_client, topics):
    response = learner_client.post(
        progress_url(topics[0]), {"status": "mastered"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert "is not a status" in response.text


def test_progress_on_an_unpublished_or_unknown_topic_is_404(learner_client, topics):
    topics[0].is_published = False
    topics[0].save()
    assert learner_client.post(progress_url(topics[0]), {"status": "done"}).status_code == 404
    missing = reverse("roadmap:topic-progress", args=[topics[0].roadmap.slug, "nope"])
    assert learner_client.post(missing, {"status": "done"}).status_code == 404
    assert not Progress.objects.exists()


def test_progress_page_needs_post(learner_client, topics):
    assert learner_client.get(progress_url(topics[0])).status_code == 405


def test_a_learner_only_changes_their_own_progress(learner_client, learner, other_learner, topics):
    ProgressFactory(user=other_learner, topic=topics[0], status="learning")
    learner_client.post(progress_url(topics[0]), {"status": "done", "user": other_learner.pk})
    assert Progress.objects.get(user=other_learner).status == "learning"
    assert Progress.objects.get(user=learner).status == "done"


def test_note_is_saved_rendered_and_private(learner_client, learner, topics):
    response = learner_client.post(note_url(topics[0]), {"body": "Remember **idempotency**."})
    assert response.status_code == 302
    note = Note.objects.get(user=learner, topic=topics[0])
    assert note.body_html == "<p>Remember <strong>idempotency</strong>.</p>\n"
    assert "Remember <strong>idempotency</strong>" in learner_client.get(topics[0].get_absolute_url()).text
    assert "idempotency" not in Client().get(topics[0].get_absolute_url()).text


def test_note_markdown_is_sanitised(learner_client, learner, topics):
    learner_client.post(note_url(topics[0]), {"body": "<script>alert(1)</script> [x](javascript:alert(1))"})
    html = Note.objects.get(user=learner).body_html
    assert "<script" not in html
    assert 'href="javascript' not in html


def test_an_empty_note_removes_it(learner_client, learner, topics):
    learner_client.post(note_url(topics[0]), {"body": "something"})
    learner_client.post(note_url(topics[0]), {"body": "   "})
    assert not Note.objects.exists()


def test_a_note_over_the_limit_is_refused_with_413_and_the_text_kept(learner_client, topics):
    too_long = "word " * 2001 + "the-end-marker"
    response = learner_client.post(note_url(topics[0]), {"body": too_long})
    assert response.status_code == 413
    assert "at most 10,000 characters" in response.text
    assert "the-end-marker" in response.text
    assert not Note.objects.exists()


def test_anonymous_note_post_changes_nothing(client, topics):
    response = client.post(note_url(topics[0]), {"body": "hi"})
    assert response.status_code == 302
    assert not Note.objects.exists()


def test_reset_asks_for_confirmation_then_clears_only_this_roadmap(learner_client, learner, topics):
    _, other_topics = build_roadmap(topics=2, sections=1, slug="frontend")
    for topic in topics[:3]:
        ProgressFactory(user=learner, topic=topic)
    ProgressFactory(user=learner, topic=other_topics[0])
    reset_url = reverse("roadmap:roadmap-reset", args=[topics[0].roadmap.slug])
    assert "cannot be undone" in learner_client.get(reset_url).text
    assert Progress.objects.count() == 4
    response = learner_client.post(reset_url)
    assert response.status_code == 302
    assert list(Progress.objects.values_list("topic__roadmap__slug", flat=True)) == ["frontend"]


def test_progress_downloads_as_csv_and_json(learner_client, learner, topics):
    ProgressFactory(user=learner, topic=topics[0], status="done")
    ProgressFactory(user=learner, topic=topics[1], status="learning")
    slug = topics[0].roadmap.slug
    csv_response = learner_client.get(reverse("roadmap:progress-download", args=[slug, "csv"]))
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode())))
    assert [(row["topic"], row["status"]) for row in rows] == [
        (topics[0].slug, "done"),
        (topics[1].slug, "learning"),
    ]
    json_response = learner_client.get(reverse("roadmap:progress-download", args=[slug, "json"]))
    assert [row["status"] for row in json.loads(json_response.content)["progress"]] == ["done", "learning"]
    assert learner_client.get(reverse("roadmap:progress-download", args=[slug, "xml"])).status_code == 404


def test_account_export_includes_progress_and_notes(learner_client, learner, topics):
    ProgressFactory(user=learner, topic=topics[0], status="done")
    learner_client.post(note_url(topics[0]), {"body": "my note"})
    data = json.loads(learner_client.get(reverse("accounts:export")).content)
    assert data["roadmap"]["progress"][0]["topic"] == topics[0].slug
    assert data["roadmap"]["notes"][0]["body"] == "my note"


def test_deleting_the_account_removes_progress_and_notes(learner_client, learner, topics, password):
    ProgressFactory(user=learner, topic=topics[0])
    learner_client.post(note_url(topics[0]), {"body": "my note"})
    learner_client.post(reverse("accounts:delete"), {"password": password})
    assert not Progress.objects.exists() and not Note.objects.exists()


def map_status(client, topic) -> str:
    page = client.get(reverse("roadmap:roadmap-detail", args=[topic.roadmap.slug])).text
    return parse(page).find("li", id=f"topic-{topic.slug}").find("span", class_="status-text").text


@pytest.mark.parametrize("way", ["page", "api", "admin", "reset", "another learner"])
def test_the_map_shows_a_change_of_progress_at_once_however_it_was_made(
    learner_client, learner, other_learner, admin_user, topics, way
):
    topic = topics[0]
    ProgressFactory(user=learner, topic=topic, status="learning")
    assert map_status(learner_client, topic) == "Learning"  # cached now
    if way == "page":
        learner_client.post(progress_url(topic), {"status": "done"})
        expected = "Done"
    elif way == "api":
        token_client(learner).put(
            f"/api/v1/me/progress/{topic.roadmap.slug}/{topic.slug}/", {"status": "done"}, format="json"
        )
        expected = "Done"
    elif way == "admin":
        progress = Progress.objects.get(user=learner, topic=topic)
        admin = Client()
        admin.force_login(admin_user)
        admin.post(reverse("admin:roadmap_progress_delete", args=[progress.pk]), {"post": "yes"})
        expected = "Not started"
    elif way == "reset":
        learner_client.post(reverse("roadmap:roadmap-reset", args=[topic.roadmap.slug]))
        expected = "Not started"
    else:  # someone else's progress changes nothing of this learner's map
        ProgressFactory(user=other_learner, topic=topic, status="done")
        expected = "Learning"
    assert map_status(learner_client, topic) == expected
