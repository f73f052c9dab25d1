import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import moderation, services
from community.models import Bookmark, Follow, Notification, Reaction, Thread
from tests.api.helpers import token_client
from tests.factories import CommentFactory, TagFactory, ThreadFactory, UserFactory, build_roadmap
from tests.html import parse

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def react_url(thread):
    return reverse("community:thread-react", args=[thread.pk, thread.slug])


def test_a_reaction_button_sets_or_clears_so_a_double_click_changes_nothing_more(learner_client):
    thread = ThreadFactory()
    for asked, counts in [("set", (1, 1)), ("set", (1, 1)), ("clear", (0, 0)), ("clear", (0, 0))]:
        assert learner_client.post(react_url(thread), {asked: "helpful"}).status_code == 302
        thread.refresh_from_db()
        assert (thread.helpful_count, thread.reaction_count) == counts
    assert not Reaction.objects.exists()


def test_a_reaction_post_that_does_not_say_set_or_clear_is_refused(learner_client):
    thread = ThreadFactory()
    for given in [{"kind": "like"}, {"set": "like", "clear": "like"}, {}]:
        assert learner_client.post(react_url(thread), given).status_code == 400
    assert not Reaction.objects.exists()


REACTIONS = ("like", "helpful", "insightful")


def test_htmx_reaction_returns_the_buttons_with_my_state(learner_client):
    comment = CommentFactory()
    response = learner_client.post(
        reverse("community:comment-react", args=[comment.pk]),
        {"set": "like"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.strip().startswith('<div class="reactions">')
    buttons = parse(response.text).find_all("button")
    assert {button.attrs["value"] for button in buttons} == {f"{comment.pk}:{kind}" for kind in REACTIONS}
    assert {button.attrs["value"].split(":")[1]: button.attrs["aria-pressed"] for button in buttons} == {
        "like": "true",
        "helpful": "false",
        "insightful": "false",
    }
    assert {button.attrs["value"].split(":")[1]: button.attrs["name"] for button in buttons} == {
        "like": "clear",
        "helpful": "set",
        "insightful": "set",
    }


def test_unknown_reaction_is_400_and_own_post_is_403(learner_client, learner):
    thread = ThreadFactory()
    assert learner_client.post(react_url(thread), {"set": "angry"}).status_code == 400
    own = ThreadFactory(author=learner)
    assert learner_client.post(react_url(own), {"set": "like"}).status_code == 403
    assert not Reaction.objects.exists()


def _write_rate(settings, rate):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "write": rate},
    }


def test_reactions_through_the_page_are_limited_at_the_apis_write_rate(learner_client, settings):
    _write_rate(settings, "3/minute")
    thread = ThreadFactory()
    answers = [learner_client.post(react_url(thread), {"set": "like"}).status_code for _ in range(3)]
    refused = learner_client.post(react_url(thread), {"set": "like"})
    assert answers == [302, 302, 302]
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "You are reacting faster than the site allows" in refused.text
    thread.refresh_from_db()
    assert thread.like_count == 1


def test_an_htmx_reaction_over_the_limit_answers_429_with_the_reason(learner_client, settings):
    _write_rate(settings, "1/minute")
    comment = CommentFactory()
    url = reverse("community:comment-react", args=[comment.pk])
    assert learner_client.post(url, {"set": "like"}, headers={"HX-Request": "true"}).status_code == 200
    refused = learner_client.post(url, {"set": "like"}, headers={"HX-Request": "true"})
    assert refused.status_code == 429
    assert refused.text.startswith("You are reacting faster than the site allows. Wait ")


def test_reactions_through_the_page_and_the_api_share_one_write_budget(learner, learner_client, settings):
    _write_rate(settings, "2/minute")
    thread = ThreadFactory()
    api = token_client(learner)
    assert api.post(f"/api/v1/threads/{thread.pk}/reactions/like/").status_code == 200
    assert learner_client.post(react_url(thread), {"set": "helpful"}).status_code == 302
    assert learner_client.post(react_url(thread), {"set": "insightful"}).status_code == 429


def _reactions_of(page: str, key: str) -> str:
    """The reactions of "thread-<id>" or "comment-<id>" on a page, as markup."""
    kind, pk = key.split("-")
    if kind == "thread":
        start = page.index(f'id="reactions-thread-{pk}"')
    else:  # none where a reader can only count, and nobody reacted
        article = page.index(f'<article id="c{pk}"')
        start = page.find('<div class="reactions"', article, page.index("</article>", article))
        if start == -1:
            return ""
    return page[start : page.index("</div>", start)]


def test_a_thread_page_reacts_to_its_comments_at_the_threads_one_address(learner_client, learner):
    comment = CommentFactory()
    thread = comment.thread
    url = reverse("community:thread-react", args=[thread.pk, thread.slug])
    response = learner_client.post(url, {"set": f"{comment.pk}:helpful"})
    assert response.status_code == 302
    assert Reaction.objects.filter(user=learner, comment=comment, kind="helpful").exists()
    assert not Reaction.objects.filter(user=learner, thread=thread).exists()
    page = learner_client.get(thread.get_absolute_url()).text
    assert f'name="clear" value="{comment.pk}:helpful" aria-pressed="true"' in page
    learner_client.post(url, {"clear": f"{comment.pk}:helpful"})
    assert not Reaction.objects.filter(user=learner, comment=comment).exists()


def test_a_comment_of_another_thread_cannot_be_reacted_to_through_this_one(learner_client):
    thread, elsewhere = ThreadFactory(), CommentFactory()
    url = reverse("community:thread-react", args=[thread.pk, thread.slug])
    assert learner_client.post(url, {"set": f"{elsewhere.pk}:like"}).status_code == 404
    assert learner_client.post(url, {"set": "x:like"}).status_code == 400
    assert not Reaction.objects.exists()


def test_an_anonymous_reader_sees_only_the_reactions_given_each_named(client):
    comment = CommentFactory()
    services.reaction_set(user=UserFactory(), target=comment, kind="insightful")
    reactions = _reactions_of(client.get(comment.thread.get_absolute_url()).text, f"comment-{comment.pk}")
    assert 'title="Insightful">1<span> Insightful</span>' in reactions
    assert "Like" not in reactions and "Helpful" not in reactions


def test_a_member_sees_a_replys_given_reactions_as_buttons_and_a_react_link_for_all_three(learner_client):
    comment = CommentFactory()
    services.reaction_set(user=UserFactory(), target=comment, kind="insightful")
    page = parse(learner_client.get(comment.thread.get_absolute_url()).text)
    reactions = page.find("article", id=f"c{comment.pk}").find("div", class_="reactions")
    assert [button.attrs["value"] for button in reactions.find_all("button")] == [f"{comment.pk}:insightful"]
    [link] = reactions.find_all("a")
    assert link.attrs["href"] == reverse("community:comment-react", args=[comment.pk])
    assert not link.is_hidden


def test_the_react_link_is_hidden_on_the_viewers_own_reply(learner_client, learner):
    comment = CommentFactory(author=learner)
    page = parse(learner_client.get(comment.thread.get_absolute_url()).text)
    [link] = page.find("article", id=f"c{comment.pk}").find("div", class_="reactions").find_all("a")
    assert link.is_hidden


def test_a_replys_reaction_page_offers_all_three_pressed_where_given_and_comes_back(learner_client, learner):
    comment = CommentFactory()
    services.reaction_set(user=learner, target=comment, kind="helpful")
    url = reverse("community:comment-react", args=[comment.pk])
    page = parse(learner_client.get(url).text)
    [form] = [form for form in page.find_all("form") if form.attrs.get("action") == url]
    buttons = {
        button.attrs["value"]: (button.attrs["name"], button.attrs["aria-pressed"])
        for button in form.find_all("button")
    }
    assert buttons == {
        f"{comment.pk}:like": ("set", "false"),
        f"{comment.pk}:helpful": ("clear", "true"),
        f"{comment.pk}:insightful": ("set", "false"),
    }
    response = learner_client.post(url, {"set": f"{comment.pk}:like"})
    assert response.status_code == 302 and response.url == comment.get_absolute_url()
    assert set(Reaction.objects.filter(user=learner).values_list("kind", flat=True)) == {"like", "helpful"}


def test_htmx_react_link_answers_all_three_buttons_in_place(learner_client, learner):
    comment = CommentFactory()
    services.reaction_set(user=learner, target=comment, kind="like")
    response = learner_client.get(
        reverse("community:comment-react", args=[comment.pk]), headers={"HX-Request": "true"}
    )
    assert response.text.strip().startswith('<div class="reactions">')
    buttons = parse(response.text).find_all("button")
    assert {button.attrs["value"].split(":")[1]: button.attrs["aria-pressed"] for button in buttons} == {
        "like": "true",
        "helpful": "false",
        "insightful": "false",
    }


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_replys_reaction_page_reads_as_many_queries_however_many_reactions_and_replies(
    learner_client, htmx
):
    comment = CommentFactory()
    url = reverse("community:comment-react", args=[comment.pk])
    headers = {"HX-Request": "true"} if htmx else {}
    counts = []
    for more in (1, 12):
        for _ in range(more):
            CommentFactory(thread=comment.thread)
            for kind in REACTIONS:
                services.reaction_set(user=UserFactory(), target=comment, kind=kind)
        learner_client.get(url, headers=headers)
        with CaptureQueriesContext(connection) as queries:
            assert learner_client.get(url, headers=headers).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_member_cannot_open_the_reactions_of_their_own_reply(learner_client, learner):
    comment = CommentFactory(author=learner)
    url = reverse("community:comment-react", args=[comment.pk])
    response = learner_client.get(url)
    assert response.status_code == 403
    assert "You cannot react to your own reply." in response.text
    assert learner_client.get(url, headers={"HX-Request": "true"}).status_code == 403


def test_a_comment_reaction_keeps_the_cached_lists_and_shows_on_the_thread_page(
    learner_client, django_assert_num_queries
):
    comment = CommentFactory()
    thread = comment.thread
    anonymous = Client()
    anonymous.get(reverse("community:thread-list"))
    before = anonymous.get(thread.get_absolute_url()).text
    assert ">1<span> Like</span>" not in _reactions_of(before, f"comment-{comment.pk}")
    learner_client.post(reverse("community:comment-react", args=[comment.pk]), {"set": "like"})
    with django_assert_num_queries(0):
        assert anonymous.get(reverse("community:thread-list")).status_code == 200
    after = anonymous.get(thread.get_absolute_url()).text
    assert ">1<span> Like</span>" in _reactions_of(after, f"comment-{comment.pk}")


def test_a_thread_reaction_shows_its_new_count_in_the_cached_lists(learner_client):
    thread = ThreadFactory(title="Counted in the list")
    anonymous = Client()
    assert "0 reactions" in anonymous.get(reverse("community:thread-list")).text
    learner_client.post(react_url(thread), {"set": "like"})
    assert "1 reaction " in anonymous.get(reverse("community:thread-list")).text


def test_anonymous_and_unverified_cannot_react(client, unverified):
    thread = ThreadFactory()
    assert client.post(react_url(thread), {"set": "like"}).status_code == 302
    assert client_for(unverified).post(react_url(thread), {"set": "like"}).status_code == 403
    assert not Reaction.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reaction_counts_stay_exact_when_20_members_and_4_clicks_of_one_race():
    thread = ThreadFactory()
    users = [UserFactory() for _ in range(20)]
    repeat = UserFactory()
    barrier = threading.Barrier(24)
    errors = []

    def react(user):
        try:
            barrier.wait()
            services.reaction_set(user=user, target=thread, kind="like")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=react, args=(user,)) for user in users]
    workers += [threading.Thread(target=react, args=(repeat,)) for _ in range(4)]  # one user, 4 racing clicks
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    thread.refresh_from_db()
    rows = Reaction.objects.filter(thread=thread, kind="like").count()
    assert thread.like_count == rows == thread.reaction_count
    assert rows == 21


def test_author_accepts_an_answer_and_the_answerer_is_told(learner, django_capture_on_commit_callbacks):
    thread = ThreadFactory(author=learner)
    answer = CommentFactory(thread=thread)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(learner).post(reverse("community:comment-accept", args=[answer.pk]))
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.accepted_comment == answer
    assert Notification.objects.get(recipient=answer.author).verb == "answer_accepted"
    page = Client().get(thread.get_absolute_url()).text
    assert "Accepted answer" in page and "Answered" in page


def test_accepting_again_unmarks_and_does_not_notify_twice(learner, django_capture_on_commit_callbacks):
    thread = ThreadFactory(author=learner)
    answer = CommentFactory(thread=thread)
    client = client_for(learner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("community:comment-accept", args=[answer.pk]))
        client.post(reverse("community:comment-accept", args=[answer.pk]))
    thread.refresh_from_db()
    assert thread.accepted_comment is None
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("community:comment-accept", args=[answer.pk]))
    assert Notification.objects.filter(recipient=answer.author, verb="answer_accepted").count() == 1


def test_mentor_can_accept_an_answer_and_it_is_logged(mentor):
    from community.models import ModerationAction

    thread = ThreadFactory()
    answer = CommentFactory(thread=thread)
    client_for(mentor).post(reverse("community:comment-accept", args=[answer.pk]))
    thread.refresh_from_db()
    assert thread.accepted_comment == answer
    assert ModerationAction.objects.get().action == "accept"


def test_an_accepted_answer_a_mentor_hid_is_no_longer_shown_as_the_answer(learner, mentor):
    thread = ThreadFactory(author=learner)
    answer = CommentFactory(thread=thread, body_html="<p>the answer itself</p>")
    client_for(learner).post(reverse("community:comment-accept", args=[answer.pk]))
    assert "Accepted answer by" in Client().get(thread.get_absolute_url()).text
    moderation.hide(moderator=mentor, target=answer, reason="wrong")
    page = client_for(UserFactory()).get(thread.get_absolute_url()).text
    assert "Accepted answer by" not in page and "the answer itself" not in page


def test_other_learners_cannot_accept(other_learner):
    thread = ThreadFactory()
    answer = CommentFactory(thread=thread)
    assert (
        client_for(other_learner).post(reverse("community:comment-accept", args=[answer.pk])).status_code
        == 403
    )
    thread.refresh_from_db()
    assert thread.accepted_comment is None


def test_follow_and_unfollow_threads_tags_and_topics(learner_client, learner):
    thread = ThreadFactory()
    tag = TagFactory()
    _, topics = build_roadmap(topics=1, sections=1)
    follow = {"action": "set"}
    learner_client.post(reverse("community:thread-follow", args=[thread.pk, thread.slug]), follow)
    learner_client.post(reverse("community:tag-follow", args=[tag.slug]), follow)
    learner_client.post(reverse("community:topic-follow", args=[topics[0].pk]), follow)
    assert Follow.objects.filter(user=learner).count() == 3
    learner_client.post(reverse("community:tag-follow", args=[tag.slug]), {"action": "clear"})
    assert not Follow.objects.filter(user=learner, tag=tag).exists()
    response = learner_client.post(
        reverse("community:thread-follow", args=[thread.pk, thread.slug]),
        {"action": "clear"},
        headers={"HX-Request": "true"},
    )
    assert re.search(r'value="normal"[^>]*aria-pressed="true"', response.text)
    assert re.search(r'value="watching"[^>]*aria-pressed="false"', response.text)
    assert not Follow.objects.filter(user=learner, thread=thread).exists()


@pytest.mark.parametrize("name", ["thread-follow", "thread-bookmark"])
def test_a_double_click_or_a_second_tab_asks_for_the_same_state_again(learner_client, learner, name):
    thread = ThreadFactory()
    url = reverse(f"community:{name}", args=[thread.pk, thread.slug])
    model = Follow if name == "thread-follow" else Bookmark
    for action, rows in [("set", 1), ("set", 1), ("clear", 0), ("clear", 0)]:
        response = learner_client.post(url, {"action": action}, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert f'aria-pressed="{"true" if rows else "false"}"' in response.text
        assert model.objects.filter(user=learner, thread=thread).count() == rows


def test_a_toggle_post_that_does_not_say_set_or_clear_is_refused(learner_client, learner):
    thread = ThreadFactory()
    url = reverse("community:thread-bookmark", args=[thread.pk, thread.slug])
    assert learner_client.post(url).status_code == 400
    assert learner_client.post(url, {"action": "toggle"}).status_code == 400
    assert not Bookmark.objects.filter(user=learner).exists()


def test_bookmarks_show_on_the_saved_list(learner_client, learner):
    thread = ThreadFactory()
    learner_client.post(
        reverse("community:thread-bookmark", args=[thread.pk, thread.slug]), {"action": "set"}
    )
    assert Bookmark.objects.filter(user=learner, thread=thread).exists()
    assert thread.title in learner_client.get(reverse("community:bookmark-list")).text


def test_notifications_page_marks_one_and_all_read(
    learner_client, learner, django_capture_on_commit_callbacks
):
    thread = ThreadFactory(author=learner)
    Follow.objects.create(user=learner, thread=thread)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            services.create_comment(thread=thread, author=UserFactory(), body="a reply")
    page = learner_client.get(reverse("community:notification-list"))
    assert page.text.count("replied in") == 3
    assert '<span class="count" data-unread-count>3' in learner_client.get(reverse("home")).text
    first = Notification.objects.filter(recipient=learner).first()
    learner_client.post(reverse("community:notification-read"), {"id": first.pk})
    assert Notification.objects.filter(recipient=learner, read_at__isnull=True).count() == 2
    learner_client.post(reverse("community:notification-read"))
    assert not Notification.objects.filter(recipient=learner, read_at__isnull=True).exists()
    assert learner_client.post(reverse("community:notification-read"), {"id": "abc"}).status_code == 400


def test_nobody_marks_another_users_notifications(learner, other_learner, django_capture_on_commit_callbacks):
    thread = ThreadFactory(author=learner)
    Follow.objects.create(user=learner, thread=thread)
    with django_capture_on_commit_callbacks(execute=True):
        services.create_comment(thread=thread, author=UserFactory(), body="a reply")
    notification = Notification.objects.get(recipient=learner)
    client_for(other_learner).post(reverse("community:notification-read"), {"id": notification.pk})
    notification.refresh_from_db()
    assert notification.read_at is None


def test_export_includes_threads_comments_reactions_follows_and_bookmarks(learner_client, learner):
    import json

    thread = ThreadFactory(author=learner)
    other = ThreadFactory()
    comment = CommentFactory(thread=other, author=learner)
    services.reaction_set(user=learner, target=other, kind="like")
    services.follow_set(user=learner, thread=other)
    services.bookmark_set(user=learner, thread=other)
    data = json.loads(learner_client.get(reverse("accounts:export")).content)["community"]
    assert [row["id"] for row in data["threads"]] == [thread.pk]
    assert [row["id"] for row in data["comments"]] == [comment.pk]
    assert data["reactions"][0]["kind"] == "like"
    assert data["follows"][0]["thread"] == other.pk
    assert data["bookmarks"] == [other.pk]
    assert Thread.objects.count() == 2
