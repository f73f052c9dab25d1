"""Every page type stays within its HTML budget (the "Page weight" table of bench/BENCHMARKS.md)
on the bench data set at test scale, anonymous and signed in, with the 200-comment thread."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from bench import page_weight

pytestmark = pytest.mark.django_db

SCALE = 0.002


@pytest.fixture
def seeded(settings):
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "bench"]
    call_command("seed_bench", scale=SCALE, stdout=StringIO())


def test_every_page_type_has_a_budget_for_each_visitor():
    budgets = page_weight.budgets()
    assert {(name, "anonymous") for name in ("home", page_weight.THREAD, "search")} <= budgets.keys()
    assert len(budgets) == 14


def test_every_page_type_is_within_its_budget(seeded):
    budgets = page_weight.budgets()
    pages = page_weight.weigh(Client)
    thread = pages[page_weight.THREAD, "signed in"].decode()
    assert thread.count('<article id="c') == 200  # the whole thread, every reply on its page
    # and on each of them its reactions: the React link to all three, beside the ones given
    assert len(re.findall(r'<a href="/comments/\d+/react/"', thread)) == 200
    over = {key: len(html) for key, html in pages.items() if len(html) > budgets[key]}
    assert over == {}, f"over budget: {over}"
