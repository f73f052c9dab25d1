"""The words the site's scripts show come in the page, as a JSON data block in the page's
language, and `ago` says how long ago in the active language."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from config.times import ago

pytestmark = pytest.mark.django_db


def script_words(html: str) -> dict:
    block = re.search(r'<script id="script-words" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def test_every_page_carries_the_words_its_scripts_show(client):
    words = script_words(client.get("/").text)

    assert words["new_replies"] == {
        "one": "%(count)s new reply: show",
        "other": "%(count)s new replies: show",
    }
    assert words["thread_closed"] == "This discussion is no longer open to you: what you see is as it was."


def test_ago_counts_in_the_active_language():
    five_minutes_ago = timezone.now() - timedelta(minutes=5, seconds=10)

    assert ago(five_minutes_ago) == "5\xa0minutes ago"
    with translation.override("es"):
        assert ago(five_minutes_ago) == "hace 5\xa0minutos"
