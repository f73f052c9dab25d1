"""Viewer slots (config.slots): shared HTML declares where it differs per viewer, and each viewer
gets their own values there, however the markup around a slot is written; mistakes in a
template's slots fail loudly in development and tests and show the default in production."""

import logging
import pickle

import pytest
from django.middleware.csrf import _get_new_csrf_string, _unmask_cipher_token
from django.test import Client, RequestFactory
from django.utils import translation

from community import services
from config import slots
from tests.factories import CommentFactory, ThreadFactory, UserFactory
from tests.html import parse


@slots.kind("test_greeting", "name")
def _greeting(viewer):
    return {slots.where(name="greeting"): f"Hello, {viewer}"}


@slots.kind("test_misnamed", "name")
def _misnamed(viewer):
    return {slots.where(nmae="greeting"): f"Hello, {viewer}"}


@slots.kind("test_language", "name")
def _language(viewer):
    return {slots.where(name="x"): translation.get_language()}


slots.declare("test_given")


@pytest.fixture
def templates(settings):
    """Templates by name, from a dict the test fills (django.template.loaders.locmem)."""
    sources = {}
    options = {
        **settings.TEMPLATES[0]["OPTIONS"],
        "loaders": [("django.template.loaders.locmem.Loader", sources)],
    }
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [], "APP_DIRS": False, "OPTIONS": options}]
    return sources


GREETING = '{% load slots %}<p title="x">{% viewer_slot "test_greeting" name="greeting" %}Hello{% endviewer_slot %}</p>'


def test_each_viewer_gets_their_own_value_and_others_the_default(templates):
    templates["part.html"] = GREETING
    shared = slots.render_shared("part.html", {})
    assert shared.fill("Ada") == b'<p title="x">Hello, Ada</p>'
    assert pickle.loads(pickle.dumps(shared)).fill("Grace") == b'<p title="x">Hello, Grace</p>'


def test_the_markup_around_a_slot_can_be_written_any_way(templates):
    templates["part.html"] = (
        "{% load slots %}<p\n    data-extra='1'\n    title=\"x\">\n"
        '  {% viewer_slot "test_greeting" name="greeting" %}\n    Hello\n  {% endviewer_slot %}\n</p>'
    )
    assert parse(slots.render_shared("part.html", {}).fill("Ada")).find("p").text == "Hello, Ada"


def test_text_spelling_out_a_sentinel_is_shown_as_written(templates):
    earlier = slots.Recorder()
    spelled = str(earlier.slot("test_greeting", name="greeting"))
    templates["part.html"] = GREETING + "{{ text }}"
    html = slots.render_shared("part.html", {"text": spelled}).fill("Ada")
    assert html == b'<p title="x">Hello, Ada</p>' + spelled.encode()


def test_every_rendering_draws_its_own_sentinel_key():
    assert slots.Recorder().key != slots.Recorder().key


def test_a_slot_outside_a_shared_rendering_shows_its_content(templates):
    templates["part.html"] = GREETING
    from django.template.loader import render_to_string

    assert render_to_string("part.html") == '<p title="x">Hello</p>'


def test_a_value_given_by_the_caller_fills_its_slot(templates):
    templates["part.html"] = '{% load slots %}<p>{% viewer_slot "test_given" %}{% endviewer_slot %}</p>'
    assert slots.render_shared("part.html", {}).fill(test_given="given") == b"<p>given</p>"


MISTAKES = {
    "unknown kind": ('{% load slots %}{% viewer_slot "test_no_such_kind" %}default{% endviewer_slot %}', {}),
    "arguments that do not fit": (
        '{% load slots %}{% viewer_slot "test_greeting" nom="greeting" %}default{% endviewer_slot %}',
        {},
    ),
    "a value for other arguments": (
        '{% load slots %}{% viewer_slot "test_misnamed" name="greeting" %}default{% endviewer_slot %}',
        {},
    ),
    "no value": ('{% load slots %}{% viewer_slot "test_given" %}default{% endviewer_slot %}', {}),
    "a value for no slot": ("{% load slots %}default", {"test_given": "given"}),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_mistake_in_a_templates_slots_fails_in_development_and_tests(templates, mistake):
    source, given = MISTAKES[mistake]
    templates["part.html"] = source
    with pytest.raises(slots.SlotError):
        slots.render_shared("part.html", {}).fill("Ada", **given)


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_mistake_in_a_templates_slots_shows_the_default_in_production(templates, settings, caplog, mistake):
    settings.SLOTS_STRICT = False
    source, given = MISTAKES[mistake]
    templates["part.html"] = source
    with caplog.at_level(logging.ERROR, logger="config.slots"):
        html = slots.render_shared("part.html", {}).fill("Ada", **given)
    assert b"default" in html.lower()
    assert caplog.records


def test_a_slot_that_a_filter_changed_fails_in_development_and_tests(templates):
    templates["part.html"] = (
        '{% load slots %}{% filter upper %}{% viewer_slot "test_greeting" name="x" %}default'
        "{% endviewer_slot %}{% endfilter %}"
    )
    with pytest.raises(slots.SlotError):
        slots.render_shared("part.html", {})


# A reactions template written differently from the shipped one: other attribute order, other
# line breaks, an attribute in between, the slots where a formatter might put them.
REWRITTEN_REACTIONS = """{% load community slots %}
<div class="reactions"
     id="reactions-{{ kind }}-{{ target.pk }}">
{% for reaction_kind, label, count in target|reaction_counts %}{% if can_react %}<button
    {% viewer_slot "own_post_reaction" author_id=target.author_id %}{% endviewer_slot %}
    aria-pressed="{% viewer_slot "reaction_pressed" reaction=reaction_kind target_id=target.pk target=kind %}false{% endviewer_slot %}"
    data-inserted="between" value="{{ reaction_kind }}" class="reaction"
    name="{% viewer_slot "reaction_action" target=kind target_id=target.pk reaction=reaction_kind %}set{% endviewer_slot %}"
    formaction="{% if kind == 'thread' %}{% url 'community:thread-react' target.pk target.slug %}{% else %}{% url 'community:comment-react' target.pk %}{% endif %}"
    type="submit" form="post-actions">{{ count }} {{ label }}</button>{% else %}<span>{{ count }}</span>{% endif %}{% endfor %}
</div>
"""


@pytest.mark.django_db
def test_a_rewritten_reactions_template_is_still_personalised(settings, tmp_path):
    (tmp_path / "community" / "components").mkdir(parents=True)
    (tmp_path / "community" / "components" / "reactions.html").write_text(REWRITTEN_REACTIONS)
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    thread = ThreadFactory()
    reader = UserFactory()
    mine, theirs = CommentFactory(thread=thread, author=reader), CommentFactory(thread=thread)
    services.reaction_set(user=reader, target=theirs, kind="like")
    client = Client()
    client.force_login(reader)
    page = parse(client.get(thread.get_absolute_url()).text)
    buttons = {
        (comment.pk, button.attrs["value"]): button
        for comment in (mine, theirs)
        for button in page.find("article", id=f"c{comment.pk}")
        .find("div", class_="reactions")
        .find_all("button")
    }
    assert buttons[(theirs.pk, "like")].attrs["aria-pressed"] == "true"
    assert buttons[(theirs.pk, "helpful")].attrs["aria-pressed"] == "false"
    assert all("disabled" in buttons[(mine.pk, kind)].attrs for kind in ("like", "helpful", "insightful"))
    assert not any(
        "disabled" in buttons[(theirs.pk, kind)].attrs for kind in ("like", "helpful", "insightful")
    )


class Visitor:
    """A viewer whose fill may be kept: `fill_key` is all the slot functions read of it."""

    def __init__(self, name):
        self.name = name
        self.fill_key = name

    def __str__(self):
        return self.name


def test_a_kept_fill_serves_the_same_viewer_again_and_no_other(templates):
    templates["part.html"] = GREETING
    shared = slots.render_shared("part.html", {})
    assert shared.fill(Visitor("Ada")) == b'<p title="x">Hello, Ada</p>'
    assert shared.fill(Visitor("Ada")) == b'<p title="x">Hello, Ada</p>'
    assert shared.fill(Visitor("Grace")) == b'<p title="x">Hello, Grace</p>'


def test_a_kept_fill_is_kept_per_language(templates):
    templates["part.html"] = (
        '{% load slots %}<p>{% viewer_slot "test_language" name="x" %}{% endviewer_slot %}</p>'
    )
    shared = slots.render_shared("part.html", {})
    with translation.override("en"):
        assert shared.fill(Visitor("Ada")) == b"<p>en</p>"
    with translation.override("de"):
        assert shared.fill(Visitor("Ada")) == b"<p>de</p>"


def test_a_kept_fill_takes_the_values_given_on_each_call(templates):
    templates["part.html"] = (
        '{% load slots %}<p>{% viewer_slot "test_greeting" name="greeting" %}Hello{% endviewer_slot %}'
        '{% viewer_slot "test_given" %}{% endviewer_slot %}</p>'
    )
    shared = slots.render_shared("part.html", {})
    assert shared.fill(Visitor("Ada"), test_given="1") == b"<p>Hello, Ada1</p>"
    assert shared.fill(Visitor("Ada"), test_given="2") == b"<p>Hello, Ada2</p>"


def test_each_page_gets_the_csrf_secret_masked_anew():
    request = RequestFactory().get("/")
    request.META["CSRF_COOKIE"] = _get_new_csrf_string()
    tokens = {slots.csrf_token(RequestFactory().get("/")) for _ in range(2)}
    first, second = slots.csrf_token(request), slots._masked(request.META["CSRF_COOKIE"])
    assert first != second and len(tokens) == 2
    assert _unmask_cipher_token(first) == _unmask_cipher_token(second) == request.META["CSRF_COOKIE"]
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"]
    assert slots.csrf_token(request) == first  # one token a page
