"""The progress bar is styled (light and dark) and says its percentage in words, to people
and to screen readers, never by colour alone."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from roadmap.models import Progress
from tests.factories import build_roadmap

CSS = Path(settings.BASE_DIR, "static/css/app.css").read_text()


@pytest.mark.django_db
def test_the_map_progress_bar_says_its_percentage_in_words(client, learner):
    roadmap, topics = build_roadmap(topics=4, sections=1)
    Progress.objects.create(user=learner, topic=topics[0], status="done")
    client.force_login(learner)
    page = client.get(roadmap.get_absolute_url()).text
    bar = re.search(r"<progress[^>]*>", page).group(0)
    assert 'aria-valuetext="25% done: 1 of 4 topics"' in bar
    assert "<strong>25%</strong>" in page


@pytest.mark.django_db
def test_the_roadmap_list_progress_bar_says_its_percentage_in_words(client, learner):
    roadmap, topics = build_roadmap(topics=4, sections=1)
    Progress.objects.create(user=learner, topic=topics[0], status="done")
    client.force_login(learner)
    bar = re.search(r"<progress[^>]*>", client.get("/roadmaps/").text).group(0)
    assert 'aria-valuetext="25% done: 1 of 4 topics"' in bar


def test_the_progress_bar_is_drawn_by_the_site_not_the_browser():
    assert re.search(r"progress\s*{[^}]*appearance:\s*none", CSS)
    for part in ("::-webkit-progress-bar", "::-webkit-progress-value", "::-moz-progress-bar"):
        assert f"progress{part}" in CSS


def test_the_progress_bar_has_its_own_colours_in_dark_mode():
    assert re.search(r':root\[data-theme="dark"\][^{]*{[^}]*--progress-', CSS)
    assert re.search(r"prefers-color-scheme: dark\)[^@]*--progress-", CSS)
