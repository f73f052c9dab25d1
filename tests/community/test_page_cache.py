"""Anonymous pages come from the cache, signed-in thread pages reuse a cached comments
fragment, and no write ever leaves a stale page behind."""

import re
from datetime import timedelta
from time import monotonic, sleep

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community import moderation, services
from config.cache import ResilientRedisCache, code_version
from tests.factories import (
    CommentFactory,
    MentorFactory,
    NotificationFactory,
    ProgressFactory,
    TagFactory,
    ThreadFactory,
    UserFactory,
    build_roadmap,
)
from tests.html import parse, pressed_toggle, reaction_buttons

pytestmark = pytest.mark.django_db


def shows_link(page, href) -> bool:
    """Whether the page shows a link to `href` (present and not hidden)."""
    return any(not link.is_hidden for link in parse(page).find_all("a", href=href))


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)


def test_anonymous_thread_page_is_served_from_the_cache():
    thread = ThreadFactory()
    CommentFactory(thread=thread, body_html="<p>cached words</p>")
    first, _ = queries_for(Client(), thread.get_absolute_url())
    second, count = queries_for(Client(), thread.get_absolute_url())
    assert count == 0
    assert second.content == first.content and "cached words" in second.text
    assert "public" in second["Cache-Control"] and "Cookie" in second["Vary"]


@pytest.mark.parametrize(
    "write",
    ["comment", "reaction", "hide", "edit"],
)
def test_no_stale_anonymous_thread_page_after_a_write(write):
    author = UserFactory()
    thread = services.create_thread(
        author=author, title="A thread to be changed", body="The original body text."
    )
    comment = services.create_comment(thread=thread, author=UserFactory(), body="first reply")
    url = thread.get_absolute_url()
    Client().get(url)  # cached now
    if write == "comment":
        services.create_comment(thread=thread, author=UserFactory(), body="a brand new reply")
        expected = "a brand new reply"
    elif write == "reaction":
        services.reaction_set(user=UserFactory(), target=comment, kind="insightful")
        assert 'data-reaction="insightful" title="Insightful">1<span>' in Client().get(url).text
        return
    elif write == "hide":
        moderation.hide(moderator=MentorFactory(), target=comment, reason="spam")
        assert "first reply" not in Client().get(url).text
        return
    else:
        services.edit_thread(
            thread=thread, editor=author, title="A thread to be changed", body="An edited body text."
        )
        expected = "An edited body text."
    assert expected in Client().get(url).text


def test_no_stale_lists_home_or_topic_page_after_a_new_thread():
    _, topics = build_roadmap(topics=2, sections=1)
    pages = ["/", reverse("community:thread-list"), topics[0].get_absolute_url()]
    for url in pages:
        Client().get(url)
    services.create_thread(
        author=UserFactory(),
        title="Fresh question on the topic",
        body="Is this shown everywhere at once?",
        topic=topics[0],
    )
    for url in pages:
        assert "Fresh question on the topic" in Client().get(url).text, url


def test_signed_in_pages_are_personal_even_with_a_shared_fragment():
    thread = ThreadFactory()
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    alices = CommentFactory(thread=thread, author=alice)
    bobs = CommentFactory(thread=thread, author=bob)
    services.reaction_set(user=alice, target=bobs, kind="like")
    alice_client, bob_client = Client(), Client()
    alice_client.force_login(alice)
    bob_client.force_login(bob)
    alice_page = alice_client.get(thread.get_absolute_url()).text
    bob_page = bob_client.get(thread.get_absolute_url()).text
    assert reaction_buttons(alice_page, bobs)["like"]["pressed"] == "true"
    assert reaction_buttons(bob_page, bobs)["like"]["pressed"] == "false"
    edit_alices = reverse("community:comment-edit", args=[alices.pk])
    assert shows_link(alice_page, edit_alices) and not shows_link(bob_page, edit_alices)
    flag_alices, flag_bobs = (reverse("community:comment-flag", args=[c.pk]) for c in (alices, bobs))
    assert shows_link(bob_page, flag_alices) and not shows_link(bob_page, flag_bobs)
    assert shows_link(alice_page, flag_bobs) and not shows_link(alice_page, flag_alices)


def test_no_csp_nonce_is_ever_served_from_the_cache():
    thread = ThreadFactory()
    responses = [Client().get(thread.get_absolute_url()) for _ in range(2)]
    for response in responses:
        assert "nonce=" not in response.text
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
        if nonce:
            assert nonce.group(1) not in responses[0].text + responses[1].text


def test_pages_with_a_session_or_messages_are_never_cached(learner, password):
    thread = ThreadFactory()
    anonymous = Client()
    anonymous.get(thread.get_absolute_url())
    client = Client()
    client.post(reverse("account_login"), {"login": learner.email, "password": password})
    page = client.get(thread.get_absolute_url())
    assert "Join the discussion" in page.text and 'name="csrfmiddlewaretoken"' in page.text
    assert "public" not in page.get("Cache-Control", "")


def csrf_tokens(page: str) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))


def test_a_shared_thread_body_carries_each_viewers_own_buttons_and_token():
    thread = ThreadFactory()
    alice, bob = UserFactory(), UserFactory()
    services.follow_set(user=alice, thread=thread)
    services.bookmark_set(user=alice, thread=thread)
    services.reaction_set(user=alice, target=thread, kind="helpful")
    alice_client, bob_client = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    alice_client.force_login(alice)
    bob_client.force_login(bob)
    bob_page = bob_client.get(thread.get_absolute_url()).text  # renders and caches the body
    alice_page = alice_client.get(thread.get_absolute_url()).text
    assert pressed_toggle(alice_page) == {"Watching", "Saved"}
    assert reaction_buttons(alice_page, thread)["helpful"]["pressed"] == "true"
    assert pressed_toggle(bob_page) == {"Normal"}
    assert {"Watching", "Save for later"} <= {button.text for button in parse(bob_page).find_all("button")}
    assert reaction_buttons(bob_page, thread)["helpful"]["pressed"] == "false"
    assert "\x00" not in alice_page + bob_page
    # Every form on each page carries that viewer's own token: posting with it works.
    for token in csrf_tokens(alice_page):
        response = alice_client.post(
            reverse("community:comment-create", args=[thread.pk, thread.slug]),
            {"body": "Posted with the token of my own page.", "csrfmiddlewaretoken": token},
        )
        assert response.status_code == 302
    forged = bob_client.post(
        reverse("community:comment-create", args=[thread.pk, thread.slug]),
        {
            "body": "Posted with someone else's token.",
            "csrfmiddlewaretoken": next(iter(csrf_tokens(alice_page))),
        },
    )
    assert forged.status_code == 403


def test_the_thread_author_and_a_reader_get_their_own_actions_on_one_version():
    author, reader = UserFactory(), UserFactory()
    thread = services.create_thread(author=author, title="Whose actions are these", body="Body text here.")
    edit_url = reverse("community:thread-edit", args=[thread.pk, thread.slug])
    flag_url = reverse("community:thread-flag", args=[thread.pk, thread.slug])
    pages = {}
    for user in (reader, author, reader):
        client = Client()
        client.force_login(user)
        pages[user.pk] = client.get(thread.get_absolute_url()).text
    assert shows_link(pages[author.pk], edit_url) and not shows_link(pages[author.pk], flag_url)
    assert not shows_link(pages[reader.pk], edit_url) and shows_link(pages[reader.pk], flag_url)
    assert all(button["disabled"] for button in reaction_buttons(pages[author.pk], thread).values())
    assert not any(button["disabled"] for button in reaction_buttons(pages[reader.pk], thread).values())


def test_post_text_that_spells_out_markup_is_shown_as_written():
    thread = ThreadFactory()
    bob = UserFactory()
    liked = CommentFactory(thread=thread)
    services.reaction_set(user=bob, target=liked, kind="like")
    forged = f'name="set" value="{liked.pk}:like" aria-pressed="false" and {bob.pk}" hidden'
    services.create_comment(thread=thread, author=UserFactory(), body=f"`{forged}` and {forged}")
    client = Client()
    client.force_login(bob)
    page = client.get(thread.get_absolute_url()).text
    assert page.count(forged) == 2
    assert reaction_buttons(page, liked)["like"]["pressed"] == "true"


def test_a_reply_link_and_a_failed_reply_are_rendered_for_the_viewer_alone(learner):
    thread = ThreadFactory()
    comment = CommentFactory(thread=thread)
    client = Client()
    client.force_login(learner)
    client.get(thread.get_absolute_url())  # the shared body is cached
    replying = client.get(thread.get_absolute_url(), {"reply": comment.pk}).text
    assert f'name="parent" value="{comment.pk}"' in replying
    failed = client.post(
        reverse("community:comment-create", args=[thread.pk, thread.slug]), {"body": "", "parent": comment.pk}
    )
    assert failed.status_code == 400 and f'name="parent" value="{comment.pk}"' in failed.text
    plain = client.get(thread.get_absolute_url()).text
    assert 'name="parent" value=""' in plain


def test_a_warm_signed_in_thread_page_runs_no_query(learner):
    thread = ThreadFactory()
    for _ in range(30):
        CommentFactory(thread=thread)
    client = Client()
    client.force_login(learner)
    _, cold = queries_for(client, thread.get_absolute_url())
    response, warm = queries_for(client, thread.get_absolute_url())
    assert response.status_code == 200 and "Join the discussion" in response.text
    assert cold > 3 and warm == 0  # the user, their state on the thread, the body and comments: all cached


@pytest.mark.parametrize("change", ["reaction", "follow", "bookmark", "hidden comment", "verified email"])
def test_a_change_to_the_viewers_own_state_shows_on_the_thread_page_at_once(change):
    viewer = UserFactory(verified=change != "verified email")
    thread = ThreadFactory()
    comment = CommentFactory(thread=thread, author=viewer, body_html="<p>my own words</p>")
    client = Client()
    client.force_login(viewer)
    before = client.get(thread.get_absolute_url()).text  # the viewer's state is cached now
    if change == "reaction":
        services.reaction_set(user=viewer, target=thread, kind="like")

        def shown(page):
            return reaction_buttons(page, thread)["like"]["pressed"] == "true"
    elif change in {"follow", "bookmark"}:
        (services.follow_set if change == "follow" else services.bookmark_set)(user=viewer, thread=thread)

        def shown(page):
            return ("Watching" if change == "follow" else "Saved") in pressed_toggle(page)
    else:
        if change == "hidden comment":
            moderation.hide(moderator=MentorFactory(), target=comment, reason="off topic")
            text = "Hidden by a mentor"
        else:
            viewer.emailaddress_set.update(verified=False)  # no signal: as the fixture left it
            viewer.emailaddress_set.get().set_verified(commit=True)
            text = "Post reply"

        def shown(page):
            return text in page

    assert not shown(before)
    assert shown(client.get(thread.get_absolute_url()).text)


@pytest.fixture
def release(settings):
    def set_release(name):
        settings.RELEASE = name
        code_version.cache_clear()

    yield set_release
    code_version.cache_clear()


def test_a_new_release_renders_cached_pages_afresh(release):
    thread = ThreadFactory()
    release("one")
    queries_for(Client(), thread.get_absolute_url())
    _, same_release = queries_for(Client(), thread.get_absolute_url())
    release("two")
    _, new_release = queries_for(Client(), thread.get_absolute_url())
    assert same_release == 0 and new_release > 0


@pytest.mark.parametrize("change", ["rename", "delete the account"])
def test_cached_pages_drop_an_authors_old_name_at_once(change):
    author = UserFactory(username="oldname", display_name="Old Name")
    thread = services.create_thread(
        author=author, title="Written by a soon changed author", body="Body text."
    )
    other = services.create_thread(author=UserFactory(), title="Replied to by that author", body="Body text.")
    services.create_comment(thread=other, author=author, body="A reply of theirs")
    urls = [thread.get_absolute_url(), other.get_absolute_url(), reverse("community:thread-list")]
    for url in urls:
        assert "Old Name" in Client().get(url).text  # cached now
    if change == "rename":
        author.display_name = "New Name"
        author.save()
    else:
        from accounts.services import delete_account

        delete_account(user=author)
    for url in urls:
        page = Client().get(url).text
        assert "Old Name" not in page, url
        assert ("New Name" if change == "rename" else "a former member") in page, url


def test_a_login_does_not_retire_the_pages_of_the_threads_someone_posted_in(learner, password):
    thread = services.create_thread(author=learner, title="A thread whose page stays cached", body="Body.")
    Client().get(thread.get_absolute_url())
    Client().post(reverse("account_login"), {"login": learner.email, "password": password})
    _, count = queries_for(Client(), thread.get_absolute_url())
    assert count == 0


@pytest.mark.parametrize("renamed", ["topic", "roadmap", "tag"])
def test_cached_thread_pages_and_lists_show_a_renamed_topic_roadmap_or_tag_at_once(renamed):
    roadmap, topics = build_roadmap(topics=1, sections=1)
    tag = TagFactory(slug="old-tag", name="Old tag")
    thread = ThreadFactory(topic=topics[0], tags=[tag])
    target = {"topic": topics[0], "roadmap": roadmap, "tag": tag}[renamed]
    old_slug = target.slug
    urls = [thread.get_absolute_url(), reverse("community:thread-list")]
    for url in urls:
        assert f"/{old_slug}/" in Client().get(url).text  # cached now
    target.slug = f"renamed-{renamed}"
    target.save()
    for url in urls:
        page = Client().get(url).text
        assert f"/renamed-{renamed}/" in page and f"/{old_slug}/" not in page, url


@pytest.fixture
def stored_page_keys(monkeypatch):
    """The keys of the pages and card lists stored in the shared cache from now on."""
    from django.core.cache import cache

    stored = []
    set_value = cache.set

    def spy(key, *args, **kwargs):
        if key.split(":")[1] in {"page", "cards"}:
            stored.append(key)
        return set_value(key, *args, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    return stored


def test_junk_query_strings_add_no_cached_pages(stored_page_keys):
    ThreadFactory()
    anonymous = Client()
    assert anonymous.get("/").status_code == anonymous.get("/discussions/").status_code == 200
    stored_page_keys.clear()
    for number in range(100):
        assert anonymous.get(f"/?utm={number}").status_code == 200
        assert anonymous.get(f"/discussions/?x={number}").status_code == 200
        assert (
            anonymous.get("/discussions/", {"tag": f"junk{number}", "tab": f"junk{number}"}).status_code
            == 200
        )
        assert anonymous.get("/discussions/", {"page": 10_000 + number}).status_code == 200
    assert stored_page_keys == []


def test_tracking_parameters_are_served_the_cached_canonical_page(django_assert_num_queries):
    ThreadFactory(title="Shared with a campaign link")
    canonical = Client().get("/discussions/")
    with django_assert_num_queries(0):
        tracked = Client().get("/discussions/", {"utm_source": "newsletter", "utm_campaign": "week-49"})
    assert tracked.status_code == 200 and tracked.content == canonical.content
    assert "week-49" not in Client().get("/discussions/").text


def test_a_parameter_the_view_reads_has_its_own_cached_page(django_assert_num_queries):
    TagFactory(slug="http")
    ThreadFactory(title="Latest only")
    top = Client().get("/discussions/", {"tab": "top", "tag": "http"})
    with django_assert_num_queries(1):  # whether the tag exists
        again = Client().get("/discussions/", {"tag": "http", "tab": "top"})
    assert again.content == top.content != Client().get("/discussions/").content


def account_menu_of(page: str) -> str:
    """The name the page's account menu is for."""
    return parse(page).find("details", class_="account-menu").find("summary").text


def unread_badge(page: str) -> str | None:
    """The count on the header's notifications icon, if any."""
    badges = [element for element in parse(page).find_all("span") if "data-unread-count" in element.attrs]
    return badges[0].children[0] if badges else None


def test_a_page_shell_shared_by_members_shows_each_their_own_menu_count_token_and_progress():
    thread = ThreadFactory()
    roadmap, topics = build_roadmap(topics=4, sections=2)
    alice, bob = UserFactory(username="alice"), MentorFactory(username="bob")
    NotificationFactory(recipient=alice)
    ProgressFactory(user=alice, topic=topics[0], status="done")
    clients = {}
    for user in (bob, alice):  # the mentor's requests render the shells, alice's reuse them
        clients[user] = Client(enforce_csrf_checks=True)
        clients[user].force_login(user)
    pages = {
        user: {
            url: clients[user].get(url).text
            for url in (thread.get_absolute_url(), roadmap.get_absolute_url())
        }
        for user in (bob, alice)
    }
    for url in (thread.get_absolute_url(), roadmap.get_absolute_url()):
        assert account_menu_of(pages[alice][url]).endswith("Account menu for alice")
        assert account_menu_of(pages[bob][url]).endswith("Account menu for bob")
        assert unread_badge(pages[alice][url]) == "1" and unread_badge(pages[bob][url]) is None
        queue = reverse("community:mod-queue")
        assert shows_link(pages[bob][url], queue) and not shows_link(pages[alice][url], queue)
        assert "\x00" not in pages[alice][url] + pages[bob][url]
    map_page = roadmap.get_absolute_url()
    progress = {
        user: parse(pages[user][map_page]).find("div", id="map-progress").text for user in (alice, bob)
    }
    assert "Your progress: 25%" in progress[alice] and "Your progress: 0%" in progress[bob]
    # The token htmx sends (the page's meta) is the viewer's own: it signs alice out, not bob's.
    meta = parse(pages[alice][map_page]).find("meta", name="csrf-token").attrs["content"]
    assert clients[bob].post(reverse("account_logout"), {"csrfmiddlewaretoken": meta}).status_code == 403
    assert clients[alice].post(reverse("account_logout"), {"csrfmiddlewaretoken": meta}).status_code == 302


def test_a_message_a_suspension_and_a_search_show_on_pages_whose_shell_is_cached(learner):
    thread = ThreadFactory(author=learner, title="Why are my indexes unused")
    other = Client()
    other.force_login(UserFactory())
    other.get(thread.get_absolute_url())  # the shell is cached
    client = Client()
    client.force_login(learner)
    edit = {"title": "Why are my indexes never used", "body": thread.body}
    response = client.post(reverse("community:thread-edit", args=[thread.pk, thread.slug]), edit, follow=True)
    assert "Your changes are saved." in response.text and "Why are my indexes never used" in response.text
    thread.refresh_from_db()
    assert "Your changes are saved." not in client.get(thread.get_absolute_url()).text
    assert client.get(f"{thread.get_absolute_url()}?q=indexes").text.count('value="indexes"') == 1
    learner.suspended_until = timezone.now() + timedelta(days=2)
    learner.save()
    assert "Your account is suspended until" in client.get(thread.get_absolute_url()).text


@pytest.mark.redis
@pytest.mark.parametrize("page", ["thread", "map"])
def test_a_warm_signed_in_page_reads_its_session_and_every_version_token_in_one_round_trip(
    page, learner, monkeypatch, redis_commands
):
    monkeypatch.setattr(ResilientRedisCache, "key_watch", lambda cache: None)  # tokens from Redis
    if page == "thread":
        url = ThreadFactory().get_absolute_url()
    else:
        url = build_roadmap(topics=3, sections=1)[0].get_absolute_url()
    client = Client()
    client.force_login(learner)
    client.get(url)
    redis_commands.clear()
    sent = redis_commands
    assert client.get(url).status_code == 200
    assert len(sent) == 1, sent
    command, *keys = sent[0]
    session = client.cookies["sessionid"].value
    assert command == "MGET" and session in keys[0]
    assert any(f"token:user:{learner.pk}" in key for key in keys)


@pytest.mark.redis
@pytest.mark.parametrize("page", ["thread", "map"])
def test_a_warm_signed_in_page_whose_session_and_tokens_are_watched_makes_no_round_trip(
    page, learner, redis_commands
):
    if page == "thread":
        url = ThreadFactory().get_absolute_url()
    else:
        url = build_roadmap(topics=3, sections=1)[0].get_absolute_url()
    deadline = monotonic() + 5
    for alias in ("default", "sessions"):
        while not caches[alias].key_watch().is_listening():
            assert monotonic() < deadline, f"the key watch of the {alias} cache does not listen"
            sleep(0.01)
    client = Client()
    client.force_login(learner)
    sent = redis_commands
    # Within a few tries: another test process emptying its Redis database makes the watches
    # forget what they knew (a FLUSHDB is announced to every watch).
    for _ in range(20):
        client.get(url)
        sent.clear()
        assert client.get(url).status_code == 200
        if not sent:
            break
    assert sent == []
    assert f"/u/{learner.username}/" in client.get(url).text  # still this member's page
