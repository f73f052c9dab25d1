"""How posts render: markdown features, highlighting, and `@username` mentions."""

import pytest

from community.markdown import MAX_MENTIONS, render_post
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MENTION_ADA = '<a href="/u/Ada/" class="mention" rel="nofollow ugc noopener">@Ada</a>'


@pytest.fixture
def ada():
    return UserFactory(username="Ada")


def test_headings_and_emphasis_render():
    html = render_post("# Title\n\n*soft* and **loud**").html
    assert html == "<h1>Title</h1>\n<p><em>soft</em> and <strong>loud</strong></p>\n"


def test_tables_render_with_their_alignment():
    html = render_post("| name | score |\n|:-----|------:|\n| Ada | 10 |").html
    assert "<table>" in html
    assert '<th align="left">name</th>' in html
    assert '<td align="right">10</td>' in html


def test_strikethrough_renders():
    assert render_post("~~gone~~").html == "<p><s>gone</s></p>\n"


def test_bare_url_is_autolinked_with_nofollow_ugc_noopener():
    html = render_post("see https://docs.djangoproject.com/en/5.2/ for more").html
    assert (
        '<a href="https://docs.djangoproject.com/en/5.2/" rel="nofollow ugc noopener">'
        "https://docs.djangoproject.com/en/5.2/</a>"
    ) in html


def test_code_block_in_a_known_language_is_highlighted_with_hl_classes():
    html = render_post("```python\nprint('<b>')\n```").html
    assert '<code class="language-python">' in html
    assert '<span class="hl-nb">print</span>' in html
    assert "&lt;b&gt;" in html
    assert "style=" not in html


def test_code_block_in_an_unknown_language_is_escaped_not_highlighted():
    html = render_post("```klingon\n<b>qapla'</b>\n```").html
    assert (
        html == '<pre tabindex="0"><code class="language-klingon">&lt;b&gt;qapla\'&lt;/b&gt;\n</code></pre>\n'
    )


def test_code_blocks_and_tables_scroll_inside_themselves_and_keyboards_reach_them():
    html = render_post("```\nlong line\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n").html
    assert '<pre tabindex="0"><code>' in html
    assert '<div class="table-scroll" tabindex="0"><table>' in html
    assert html.rstrip().endswith("</table></div>")


def test_text_that_spells_the_scroll_boxes_stays_text():
    html = render_post('<pre tabindex="5"> <div class="table-scroll" tabindex="9"> <table>').html
    assert "<pre" not in html and "<div" not in html and "<table" not in html
    assert "&lt;pre tabindex=" in html


def test_inline_html_is_shown_as_text():
    html = render_post("a <b>bold</b> claim <img src=x>").html
    assert html == "<p>a &lt;b&gt;bold&lt;/b&gt; claim &lt;img src=x&gt;</p>\n"


def test_mention_of_an_existing_user_links_to_their_profile_with_their_casing(ada):
    post = render_post("thanks @aDA!")
    assert post.html == f"<p>thanks {MENTION_ADA}!</p>\n"
    assert post.mentions == [ada]


def test_mention_of_an_unknown_name_stays_text(ada):
    post = render_post("thanks @grace")
    assert post.html == "<p>thanks @grace</p>\n"
    assert post.mentions == []


@pytest.mark.parametrize(
    "text",
    [
        "run `@Ada` in a shell",
        "```\n@Ada in a fenced block\n```",
        "    @Ada in an indented block",
        "[@Ada](https://example.com/)",
        "https://example.com/@Ada",
        "write to ada@example.com",
        "write to ada@example",
        "![@Ada](https://example.com/ada.png)",
    ],
    ids=["inline-code", "fenced-code", "indented-code", "link-text", "autolink", "e-mail", "bare-at", "alt"],
)
def test_mention_inside_code_links_or_email_is_not_linked(ada, text):
    post = render_post(text)
    assert 'class="mention"' not in post.html
    assert post.mentions == []


def test_mention_of_an_inactive_user_is_not_linked():
    UserFactory(username="gone", is_active=False)
    post = render_post("hello @gone")
    assert post.html == "<p>hello @gone</p>\n"
    assert post.mentions == []


def test_at_most_twenty_distinct_mentions_are_linked():
    users = [UserFactory(username=f"member{number}") for number in range(MAX_MENTIONS + 5)]
    post = render_post(" ".join(f"@{user.username}" for user in users))
    assert MAX_MENTIONS == 20
    assert post.mentions == users[:MAX_MENTIONS]
    assert post.html.count('class="mention"') == MAX_MENTIONS
    assert "@member24" in post.html
    assert 'href="/u/member24/"' not in post.html


def test_a_user_mentioned_twice_is_returned_once(ada):
    post = render_post("@Ada said so, and @ada was right")
    assert post.mentions == [ada]
    assert post.html.count(MENTION_ADA) == 2


@pytest.mark.parametrize("candidates", [1, 60])
def test_mentions_cost_one_query_whatever_their_number(django_assert_num_queries, ada, candidates):
    text = " ".join(["@Ada"] + [f"@name{number}" for number in range(candidates)])
    with django_assert_num_queries(1):
        post = render_post(text)
    assert post.mentions == [ada]


def test_a_post_without_an_at_sign_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        render_post("# Plain\n\nNo mentions here, see https://example.com/.")


def test_image_from_an_allowed_host_is_shown(settings):
    settings.MARKDOWN_IMAGE_HOSTS = ["images.stepwise.example"]
    html = render_post("![schema](https://images.stepwise.example/schema.png)").html
    assert html == '<p><img src="https://images.stepwise.example/schema.png" alt="schema"></p>\n'


def test_image_from_another_host_is_a_link_to_it_not_loaded(settings):
    settings.MARKDOWN_IMAGE_HOSTS = ["images.stepwise.example"]
    html = render_post("look ![my cat](https://tracker.example.com/cat.png?who=me)").html
    assert "<img" not in html
    assert (
        '<a href="https://tracker.example.com/cat.png?who=me" rel="nofollow ugc noopener">my cat</a>'
    ) in html


@pytest.mark.parametrize(
    "src",
    [
        "http://images.stepwise.example/a.png",
        "https://images.stepwise.example.evil.com/a.png",
        "https://evil.com/images.stepwise.example/a.png",
        "//images.stepwise.example/a.png",
    ],
)
def test_image_that_only_looks_like_an_allowed_one_is_a_link(settings, src):
    settings.MARKDOWN_IMAGE_HOSTS = ["images.stepwise.example"]
    assert "<img" not in render_post(f"![a]({src})").html


def test_image_inside_a_link_from_another_host_keeps_only_the_link():
    html = render_post("[![badge](https://ci.example.com/badge.svg)](https://ci.example.com/)").html
    assert html == '<p><a href="https://ci.example.com/" rel="nofollow ugc noopener">badge</a></p>\n'


def test_site_relative_image_is_shown():
    assert '<img src="/static/img/logo.svg" alt="logo">' in render_post("![logo](/static/img/logo.svg)").html
