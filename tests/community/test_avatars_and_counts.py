"""Lists show each count once, and posts show their author's generated avatar (initials in a
colour derived from the user id, made here: no outside service)."""

import re

import pytest
from django.urls import reverse

from tests.factories import CommentFactory, ThreadFactory, UserFactory

pytestmark = pytest.mark.django_db


def avatars(html: str) -> list[tuple[str, str, str]]:
    """(hue, accessible name, initials) of each generated avatar."""
    return re.findall(
        r'<span class="avatar" data-hue="(\d)" role="img" aria-label="([^"]+)">([^<]+)</span>', html
    )


def test_thread_cards_show_each_count_once(client):
    ThreadFactory(reaction_count=3, comment_count=2)
    page = client.get(reverse("community:thread-list")).text
    card = page.split('class="thread-card', 1)[1].split("</li>", 1)[0]
    assert card.count("3 reactions") == 1 and card.count("2 replies") == 1
    assert "♥" not in card and "↩" not in card


def test_thread_cards_show_the_authors_avatar(client):
    author = UserFactory(username="ada", display_name="Ada Lovelace")
    ThreadFactory(author=author)
    page = client.get(reverse("community:thread-list")).text
    assert (str(author.pk % 10), "Ada Lovelace", "A") in avatars(page)


def test_a_thread_page_shows_avatars_for_its_author_and_each_reply(client):
    thread = ThreadFactory(author=UserFactory(display_name="Ada Lovelace"))
    CommentFactory(thread=thread, author=UserFactory(display_name="Grace Hopper"))
    page = client.get(thread.get_absolute_url()).text
    assert [name for _, name, _ in avatars(page)] == ["Ada Lovelace"]
    # A reply's avatar is decoration beside its author's name, which is read once.
    decorative = r'<span data-hue="\d" aria-hidden="true">([^<]+)</span><a href="[^"]+">([^<]+)</a>'
    assert re.findall(decorative, page) == [("G", "Grace Hopper")]


def test_a_former_members_post_has_a_neutral_avatar(client):
    thread = ThreadFactory(author=None)
    page = client.get(thread.get_absolute_url()).text
    assert '<span class="avatar avatar-former" role="img" aria-label="a former member">?</span>' in page


def test_the_avatar_colour_is_stable_for_a_user(client):
    author = UserFactory()
    ThreadFactory(author=author)
    ThreadFactory(author=author)
    hues = {hue for hue, _, _ in avatars(client.get(reverse("community:thread-list")).text)}
    assert hues == {str(author.pk % 10)}
