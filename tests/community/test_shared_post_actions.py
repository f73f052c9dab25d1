"""Shared thread HTML is built from permissions.post_actions for a kind of viewer, with "is it
your own post" left to each viewer: together they must say what the rules say for every
member, post and status."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community import permissions
from community.models import Status
from tests.factories import CommentFactory, MentorFactory, ThreadFactory, UserFactory
from tests.html import flag_links, parse

pytestmark = pytest.mark.django_db

MEMBERS = {
    "learner": lambda: UserFactory(),
    "unverified": lambda: UserFactory(verified=False),
    "suspended": lambda: UserFactory(suspended_until=timezone.now() + timedelta(days=1)),
    "inactive": lambda: UserFactory(is_active=False),
    "mentor": lambda: MentorFactory(),
}


@pytest.mark.parametrize("member", MEMBERS)
@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("post_kind", ["thread", "comment"])
@pytest.mark.parametrize("is_theirs", [True, False], ids=["own post", "someone else's"])
def test_shared_actions_and_the_author_clause_agree_with_the_rules(member, status, post_kind, is_theirs):
    user = MEMBERS[member]()
    if post_kind == "thread":
        post = thread = ThreadFactory(author=user if is_theirs else UserFactory(), status=status)
    else:
        thread = ThreadFactory(author=user)  # the viewer may accept answers there
        post = CommentFactory(thread=thread, author=user if is_theirs else UserFactory(), status=status)
    actions = permissions.post_actions(
        post,
        viewer_can_post=permissions.can_post(user),
        viewer_is_active=user.is_active,
        viewer_can_accept=permissions.can_accept_answer(user, thread),
    )
    own = permissions.is_author(user, post)
    assert (actions.can_react and not own) == permissions.can_react(user, post)
    assert (actions.can_flag and not own) == permissions.can_flag(user, post)
    assert (actions.can_edit and own) == permissions.can_edit(user, post)
    assert (actions.can_delete and own) == permissions.can_delete(user, post)
    if post_kind == "comment":
        accepts = permissions.can_accept_answer(user, thread) and permissions.can_be_answer(post)
        assert actions.can_accept == accepts


def page_for(user, thread):
    client = Client()
    client.force_login(user)
    return parse(client.get(thread.get_absolute_url()).text)


def offered(page, comment) -> set[str]:
    """What the page offers to do with a comment: react (a reaction button, or the "React" link
    to all three), flag, accept."""
    article = page.find("article", id=f"c{comment.pk}")
    actions = set()
    if any(
        reactions.find_all("button") or reactions.find_all("a")
        for reactions in article.find_all("div", class_="reactions")
    ):
        actions.add("react")
    if any(not link.is_hidden for link in flag_links(article)):
        actions.add("flag")
    if any(button.text == "Accept as answer" for button in article.find_all("button")):
        actions.add("accept")
    return actions


def test_a_mentor_is_offered_no_reaction_flag_or_accept_on_a_hidden_comment():
    thread = ThreadFactory()
    shown, hidden = CommentFactory(thread=thread), CommentFactory(thread=thread, status=Status.HIDDEN)
    page = page_for(MentorFactory(), thread)
    assert offered(page, shown) == {"react", "flag", "accept"}
    assert offered(page, hidden) == set()


def test_a_member_who_may_not_post_is_offered_nothing_but_reading():
    thread = ThreadFactory()
    comment = CommentFactory(thread=thread)
    page = page_for(UserFactory(verified=False), thread)
    assert offered(page, comment) == set()
    assert not any(not link.is_hidden for link in flag_links(page))


def test_edit_and_delete_links_are_on_the_readers_own_comments_only():
    thread = ThreadFactory()
    reader = UserFactory()
    mine, theirs = CommentFactory(thread=thread, author=reader), CommentFactory(thread=thread)
    page = page_for(reader, thread)
    own = page.find("article", id=f"c{mine.pk}").find("span", class_="own-controls")
    assert [link.attrs["href"] for link in own.find_all("a")] == [
        reverse("community:comment-edit", args=[mine.pk]),
        reverse("community:comment-delete", args=[mine.pk]),
    ]
    assert page.find("article", id=f"c{theirs.pk}").find_all("span", class_="own-controls") == []
    assert (
        page_for(UserFactory(), thread)
        .find("ol", class_="comment-list")
        .find_all("span", class_="own-controls")
        == []
    )
