"""No post a member can type takes much longer to render than a plain paragraph of its size.

Times are CPU times of this process, compared with a plain paragraph of the same length rendered
in the same test, so the budget holds on a slow or busy machine. Each construct is checked at
two sizes up to the form's maximum: a renderer that is linear keeps its ratio, a quadratic one
multiplies it by four from one size to the next.
"""

import time

import pytest

from community.markdown import render_post

pytestmark = pytest.mark.django_db

SMALL, LARGE = 5_000, 20_000
RATIO_BUDGET = 200
GROWTH_BUDGET = 2.5
PLAIN = "Learning Django one topic at a time, with friends. "

PATHOLOGICAL = {
    "unclosed autolinks": "<http://",
    "nested autolinks": "<http://a<",
    "repeated schemes": "http://",
    "schemes ending in a dot": "http://a.",
    "schemes with open parentheses": "http://a.b/(",
    "schemes with ports": "http://a:",
    "unknown schemes": "a://",
    "schemes in brackets": "[http://",
    "www hosts": "www.",
    "dots": "a.b.",
    "email addresses": "a@b.",
    "mentions": "@a ",
    "open brackets": "[",
    "open images": "![",
    "unclosed link destinations": "[a](",
    "images of links": "![a](http://",
    "emphasis in brackets": "*[",
    "emphasis markers": "*a",
    "underscores": "x_",
    "strikethrough markers": "~~a",
    "backticks": "``a",
    "backslashes": "\\",
    "entities": "&#",
    "block quotes": "> ",
    "list markers": "- ",
    "table cells": "| a ",
    "link reference definitions": "[a]: ",
    "headings": "#",
    "one long word": "x",
}


def _cpu_time(text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        render_post(text)
        best = min(best, time.process_time() - start)
    return best


def _ratio_to_plain(unit: str, size: int) -> float:
    plain = _cpu_time((PLAIN * size)[:size])
    return _cpu_time((unit * size)[:size]) / max(plain, 1e-4)


@pytest.mark.parametrize("unit", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_markdown_renders_in_time_linear_in_its_length(unit):
    small = _ratio_to_plain(unit, SMALL)
    large = _ratio_to_plain(unit, LARGE)

    assert small < RATIO_BUDGET
    assert large < RATIO_BUDGET
    assert large < GROWTH_BUDGET * max(small, 1)


def test_bare_url_followed_by_text_is_linked_up_to_the_space():
    html = render_post("read http://a.b/(x) and http://example.com/path?q=1, then").html
    assert '<a href="http://a.b/(x)" rel="nofollow ugc noopener">http://a.b/(x)</a> and' in html
    assert '<a href="http://example.com/path?q=1" rel="nofollow ugc noopener">' in html


def test_very_long_url_is_still_linked_whole():
    url = "https://example.com/" + "a" * 5_000
    html = render_post(f"see {url} now").html
    assert f'<a href="{url}" rel="nofollow ugc noopener">{url}</a> now' in html
