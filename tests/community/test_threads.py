from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import MENTORS_GROUP
from community.models import Follow, Status, Thread
from community.services import PREVIEWS_PER_MINUTE
from tests.factories import CommentFactory, ThreadFactory, UserFactory, build_roadmap

pytestmark = pytest.mark.django_db

VALID = {
    "title": "How do I read an EXPLAIN plan?",
    "body": "I ran EXPLAIN ANALYZE and I do not understand the output.",
}


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_learner_creates_a_thread_and_follows_it(learner_client, learner, tags):
    response = learner_client.post(
        reverse("community:thread-create"), {**VALID, "tags": [tags[0].pk, tags[1].pk]}
    )
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert thread.author == learner
    assert set(thread.tags.all()) == {tags[0], tags[1]}
    assert Follow.objects.filter(user=learner, thread=thread).exists()
    tags[0].refresh_from_db()
    assert tags[0].thread_count == 1


def test_thread_page_shows_the_rendered_body(client, learner, tags):
    thread = ThreadFactory(author=learner)
    response = client.get(thread.get_absolute_url())
    assert response.status_code == 200
    assert thread.title in response.text
    assert thread.body_html in response.text


def test_thread_url_with_a_stale_slug_redirects_to_the_canonical_one(client):
    thread = ThreadFactory()
    response = client.get(reverse("community:thread-detail", args=[thread.pk, "old-title"]))
    assert response.status_code == 301
    assert response["Location"] == thread.get_absolute_url()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "Short", "body": VALID["body"]}, "at least 10 characters"),
        ({"title": "x" * 151, "body": VALID["body"]}, "Keep the title to 150 characters"),
        ({"title": VALID["title"], "body": "too short"}, "Say a bit more"),
        ({"title": VALID["title"], "body": "y" * 20_001}, "at most 20000 characters"),
    ],
)
def test_bad_thread_input_is_refused_clearly_and_the_text_kept(learner_client, data, message):
    response = learner_client.post(reverse("community:thread-create"), data)
    assert response.status_code == 400
    assert message in response.text
    assert data["body"][:50] in response.text
    assert not Thread.objects.exists()


def test_more_than_four_tags_are_refused(learner_client, tags):
    response = learner_client.post(
        reverse("community:thread-create"), {**VALID, "tags": [tag.pk for tag in tags]}
    )
    assert response.status_code == 400
    assert "at most 4 tags" in response.text


def test_ask_about_this_topic_prefills_the_topic(learner_client):
    _, topics = build_roadmap(topics=3, sections=1)
    topic_page = learner_client.get(topics[1].get_absolute_url())
    ask_url = f"{reverse('community:thread-create')}?topic={topics[1].pk}"
    assert ask_url in topic_page.text
    form_page = learner_client.get(ask_url)
    assert f'<option value="{topics[1].pk}" selected>' in form_page.text
    learner_client.post(ask_url, {**VALID, "topic": topics[1].pk})
    assert Thread.objects.get().topic == topics[1]


def test_topic_page_lists_its_threads_and_the_map_counts_them(client, learner):
    roadmap, topics = build_roadmap(topics=3, sections=1)
    learner_client = client_for(learner)
    learner_client.post(reverse("community:thread-create"), {**VALID, "topic": topics[0].pk})
    assert VALID["title"] in client.get(topics[0].get_absolute_url()).text
    assert "1 discussion" in client.get(roadmap.get_absolute_url()).text


def test_author_edits_a_thread_and_it_shows_edited(learner_client, learner):
    thread = ThreadFactory(author=learner)
    response = learner_client.post(
        reverse("community:thread-edit", args=[thread.pk, thread.slug]),
        {"title": "A better title for my question", "body": "A clearer body with **more** detail."},
    )
    thread.refresh_from_db()
    assert response.status_code == 302
    assert thread.title == "A better title for my question"
    assert "<strong>more</strong>" in thread.body_html
    assert thread.edited_at is not None
    assert "edited" in learner_client.get(thread.get_absolute_url()).text


def test_others_cannot_edit_or_delete_a_thread(learner, other_learner):
    thread = ThreadFactory(author=learner)
    other = client_for(other_learner)
    edit = reverse("community:thread-edit", args=[thread.pk, thread.slug])
    assert other.get(edit).status_code == 403
    assert other.post(edit, VALID).status_code == 403
    assert other.post(reverse("community:thread-delete", args=[thread.pk, thread.slug])).status_code == 403
    thread.refresh_from_db()
    assert thread.status == Status.PUBLISHED and thread.title != VALID["title"]


def test_author_deletes_a_thread_and_it_disappears(learner_client, learner, client):
    thread = ThreadFactory(author=learner)
    response = learner_client.post(reverse("community:thread-delete", args=[thread.pk, thread.slug]))
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.status == Status.REMOVED
    assert Client().get(thread.get_absolute_url()).status_code == 404
    assert thread.title not in Client().get(reverse("community:thread-list")).text


def test_unverified_user_sees_why_they_cannot_post(unverified):
    client = client_for(unverified)
    response = client.get(reverse("community:thread-create"))
    assert response.status_code == 403
    assert "Verify your email address" in response.text
    assert client.post(reverse("community:thread-create"), VALID).status_code == 403
    assert not Thread.objects.exists()


def test_suspended_user_sees_until_when_and_why(suspended):
    client = client_for(suspended)
    response = client.post(reverse("community:thread-create"), VALID)
    assert response.status_code == 403
    assert "suspended until" in response.text
    assert "Repeated spam" in response.text
    assert not Thread.objects.exists()


def test_anonymous_is_sent_to_log_in(client):
    response = client.post(reverse("community:thread-create"), VALID)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_posting_is_rate_limited_and_the_text_is_kept(learner_client, learner):
    for _ in range(5):
        ThreadFactory(author=learner, created_at=timezone.now())
    response = learner_client.post(reverse("community:thread-create"), VALID)
    assert response.status_code == 429
    assert "the most we allow" in response.text
    assert VALID["body"] in response.text
    assert Thread.objects.count() == 5


def test_new_accounts_have_a_stricter_limit(client):
    newcomer = UserFactory(date_joined=timezone.now())
    ThreadFactory(author=newcomer)
    ThreadFactory(author=newcomer)
    response = client_for(newcomer).post(reverse("community:thread-create"), VALID)
    assert response.status_code == 429
    assert "New accounts have lower limits" in response.text


def test_hidden_thread_is_404_for_others_but_visible_to_its_author(learner, other_learner):
    thread = ThreadFactory(author=learner, status=Status.HIDDEN)
    assert Client().get(thread.get_absolute_url()).status_code == 404
    assert client_for(other_learner).get(thread.get_absolute_url()).status_code == 404
    response = client_for(learner).get(thread.get_absolute_url())
    assert response.status_code == 200
    assert "A mentor hid this thread" in response.text


def test_preview_uses_the_same_renderer(learner_client):
    response = learner_client.post(
        reverse("community:markdown-preview"), {"body": "**bold** <script>x</script>"}
    )
    assert "<strong>bold</strong>" in response.text
    assert "<script>" not in response.text


def test_previews_past_the_limit_answer_429_and_say_to_wait(learner_client):
    url = reverse("community:markdown-preview")
    for _ in range(PREVIEWS_PER_MINUTE):
        assert learner_client.post(url, {"body": "draft"}).status_code == 200

    response = learner_client.post(url, {"body": "draft"})

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "wait a minute" in response.text
    assert "your text is still in the editor" in response.text


def test_preview_limit_is_per_member(learner_client, mentor):
    url = reverse("community:markdown-preview")
    for _ in range(PREVIEWS_PER_MINUTE + 1):
        learner_client.post(url, {"body": "draft"})

    assert client_for(mentor).post(url, {"body": "**mine**"}).status_code == 200


def test_preview_limit_lifts_after_a_minute(learner_client):
    url = reverse("community:markdown-preview")
    for _ in range(PREVIEWS_PER_MINUTE + 1):
        learner_client.post(url, {"body": "draft"})

    a_minute_later = timezone.now() + timedelta(seconds=61)
    with mock.patch("django.utils.timezone.now", return_value=a_minute_later):
        response = learner_client.post(url, {"body": "**again**"})

    assert response.status_code == 200


def test_deleted_account_posts_show_a_former_member(learner, password):
    thread = ThreadFactory(author=learner)
    client = client_for(learner)
    client.post(reverse("accounts:delete"), {"password": password})
    thread.refresh_from_db()
    assert thread.author is None
    assert "a former member" in Client().get(thread.get_absolute_url()).text


def test_thread_page_shows_role_badges_from_roles_not_names(mentor, admin_user, learner):
    learner.display_name = "Mentor Ada"
    learner.save()
    thread = ThreadFactory(author=mentor)
    CommentFactory(thread=thread, author=admin_user)
    CommentFactory(thread=thread, author=learner)

    text = Client().get(thread.get_absolute_url()).text

    assert text.count('title="Stepwise mentor">Mentor</span>') == 1
    assert text.count('title="Stepwise admin">Admin</span>') == 1


def test_role_badge_appears_on_a_cached_thread_page_when_the_author_becomes_a_mentor(learner):
    thread = ThreadFactory(author=learner)
    client = Client()
    assert "Stepwise mentor" not in client.get(thread.get_absolute_url()).text

    learner.groups.add(Group.objects.get_or_create(name=MENTORS_GROUP)[0])

    assert "Stepwise mentor" in client.get(thread.get_absolute_url()).text
