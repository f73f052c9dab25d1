"""No markdown a user can type renders to something a browser would execute.

Every payload goes through the post renderer (with mentions), the plain markdown renderer and
the sanitiser on its own (as raw HTML), and the output is parsed, not pattern-matched.
"""

import unicodedata
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from community.markdown import render_post
from roadmap.markdown import render_markdown, sanitise
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Written out here rather than imported, so that widening the renderer's allow-list fails a test.
SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "srcdoc", "data", "poster", "background",
    "cite", "codebase", "ping", "srcset", "lowsrc", "dynsrc",
}  # fmt: skip
SAFE_URL_PREFIXES = ("http:", "https:", "mailto:", "/", "#")

PAYLOADS = [
    # script tags
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<script\n>alert(1)</script\n>",
    "<sc\nript>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "<script src=https://evil.example/x.js></script>",
    "<script/xss src=//evil.example/x.js></script>",
    # event handlers
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnErRoR=alert(1)>",
    '<img src="https://example.com/a.png" onload="alert(1)">',
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)><summary>x</summary></details>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<input onfocus=alert(1) autofocus>",
    '<div onmouseover="alert(1)">hover</div>',
    '<a href="https://example.com" onclick="alert(1)">x</a>',
    "<marquee onstart=alert(1)>x</marquee>",
    "<x onclick=alert(1)>click</x>",
    # javascript: in markdown links, images and autolinks
    "[click](javascript:alert(1))",
    "![img](javascript:alert(1))",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "[click](<javascript:alert(1)>)",
    '[click](javascript:alert(1) "title")',
    '<a href="javascript:alert(1)">x</a>',
    # obfuscated schemes
    "[click](JaVaScRiPt:alert(1))",
    "[click](   javascript:alert(1))",
    "[click](jav&#x09;ascript:alert(1))",
    "[click](java\nscript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](java&Tab;script:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](%6Aavascript:alert(1))",
    "[click](\x01javascript:alert(1))",
    "[click](java script:alert(1))",
    '<a href="&#1;javascript:alert(1)">x</a>',
    '<a href=" &#x6A;avascript:alert(1)">x</a>',
    # vbscript: and data:
    "[click](vbscript:msgbox(1))",
    "[click](VBScript:msgbox(1))",
    "[click](data:text/html,<script>alert(1)</script>)",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](DaTa:text/html,alert(1))",
    "<data:text/html,alert(1)>",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![img](data:image/png;base64,iVBORw0KGgo=)",
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    # SVG and MathML
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="0" y="20">x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">x</math>',
    '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
    # embedding, forms and document-level tags
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<button formaction="javascript:alert(1)">go</button>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    # styles
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width: expression(alert(1))">x</div>',
    # entities that decode to markup
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "&#x3C;img src=x onerror=alert(1)&#x3E;",
    # malformed markdown links and images
    '[a](https://example.com "\\" onmouseover=alert(1) x=\\"")',
    "[a](https://example.com' onmouseover='alert(1))",
    '[a](https://example.com"onmouseover="alert(1))',
    '![a](https://example.com/a.png"onerror="alert(1))',
    '![a"onerror="alert(1)](https://example.com/a.png)',
    "[[a](javascript:alert(1))](https://example.com)",
    "[a](javascript:alert(1)",
    "[a](https://example.com)(javascript:alert(1))",
    "[a](https://example.com/<script>)",
    "[a]]](javascript:alert(1)))",
    "[click][ref]\n\n[ref]: javascript:alert(1)",
    '[click][ref]\n\n[ref]: <javascript:alert(1)> "t"',
    "![img][ref]\n\n[ref]: javascript:alert(1)",
    "[click]\n\n[click]: JaVaScRiPt:alert(1)",
    # comments, noscript, template, CDATA, processing instructions
    "<!-- [a](javascript:alert(1)) --><script>alert(1)</script>",
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<?xml version="1.0"?><script>alert(1)</script>',
    # null bytes
    "<scr\x00ipt>alert(1)</script>",
    "[a](java\x00script:alert(1))",
    "<img src=x o\x00nerror=alert(1)>",
    # backticks and code
    "<img src=`x` onerror=`alert(1)`>",
    '`<a href="javascript:alert(1)">x</a>`',
    "```\n<script>alert(1)</script>\n```",
    "```html\n<img src=x onerror=alert(1)>\n```",
    '```js" onclick="alert(1)\nx\n```',
    # mention abuse
    "@<script>alert(1)</script>",
    '@ada"onmouseover="alert(1)',
    "@ada<img src=x onerror=alert(1)>",
    "[@ada](javascript:alert(1))",
    "@ada](javascript:alert(1))",
    "[x](javascript:alert(1)) @ada @Bob",
    "**@ada**<svg onload=alert(1)>",
    "@javascript:alert(1)",
]


class _ExecutableFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in SAFE_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name} on <{tag}>")
            elif name == "style":
                self.problems.append(f"style on <{tag}>")
            elif name in URL_ATTRIBUTES and not _normalised(value or "").startswith(SAFE_URL_PREFIXES):
                self.problems.append(f"{name}={value!r} on <{tag}>")

    def handle_endtag(self, tag):
        if tag not in SAFE_TAGS:
            self.problems.append(f"end tag </{tag}>")

    def handle_comment(self, data):
        self.problems.append(f"comment {data!r}")

    def handle_decl(self, decl):
        self.problems.append(f"declaration {decl!r}")

    def handle_pi(self, data):
        self.problems.append(f"processing instruction {data!r}")

    def unknown_decl(self, data):
        self.problems.append(f"declaration {data!r}")


def _normalised(value: str) -> str:
    return "".join(
        character
        for character in value
        if not character.isspace() and unicodedata.category(character) not in ("Cc", "Cf")
    ).lower()


def assert_no_executable(html: str) -> None:
    finder = _ExecutableFinder()
    finder.feed(html)
    finder.close()
    assert not finder.problems, f"executable constructs {finder.problems} in {html!r}"


@pytest.fixture(autouse=True)
def mentionable_users(db):
    """Real users, so that mention payloads go through the link-building path."""
    return [UserFactory(username="ada"), UserFactory(username="Bob")]


@pytest.mark.parametrize(
    "html",
    [
        "<script>x</script>",
        "<img src=x onerror=alert(1)>",
        '<p STYLE="color:red">x</p>',
        '<a href="java\tscript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href=" JAVASCRIPT:alert(1)">x</a>',
        '<img src="data:image/png;base64,AA">',
        "<a href=vbscript:x>x</a>",
        '<iframe srcdoc="x"></iframe>',
        "<!-- x -->",
        "<![CDATA[x]]>",
    ],
)
def test_the_checker_catches_executable_html(html):
    with pytest.raises(AssertionError):
        assert_no_executable(html)


def test_the_checker_accepts_safe_html():
    assert_no_executable(
        '<p><a href="https://example.com" rel="nofollow ugc noopener">x</a> <a href="/u/ada/" '
        'class="mention">@ada</a> <a href="mailto:a@example.com">m</a> <a href="#top">t</a> '
        '<img src="http://example.com/a.png" alt="a"></p>'
    )


def test_the_corpus_holds_at_least_sixty_distinct_payloads():
    assert len(set(PAYLOADS)) == len(PAYLOADS) >= 60


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_renders_nothing_executable_as_a_post(payload):
    assert_no_executable(render_post(payload).html)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_renders_nothing_executable_as_markdown(payload):
    assert_no_executable(render_markdown(payload))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_as_raw_html_is_sanitised_to_nothing_executable(payload):
    assert_no_executable(sanitise(payload))


def test_mention_link_survives_the_sanitiser_with_its_class_and_rel():
    html = render_post("hi @ada").html
    assert html == '<p>hi <a href="/u/ada/" class="mention" rel="nofollow ugc noopener">@ada</a></p>\n'


def test_sanitiser_keeps_only_the_mention_class_on_links():
    html = sanitise('<a href="https://example.com" class="mention hl-k evil">x</a><p class="mention">y</p>')
    assert html == ('<a href="https://example.com" class="mention" rel="nofollow ugc noopener">x</a><p>y</p>')


FRAGMENTS = [
    "[", "]", "(", ")", "![", "](", "<", ">", "</", "/>", "\"", "'", "`", "```", "~~~", "\n", "\n\n",
    "    ", "\t", "\\", "*", "_", "~~", "#", "> ", "- ", "1. ", "|", "|---|", ":", ";", "=", "&", "#x",
    "&#", "&#x6A;", "&#106;", "&colon;", "&Tab;", "&NewLine;", "&lt;", "&gt;", "&quot;", "\x00",
    "\x01", "\u200b", "\ufeff", "\u2028", "é", "日本", "🙂", "@", "@ada", "@Bob", "@nobody",
    "javascript:", "JaVaScRiPt:", "java\tscript:", "jav&#x09;ascript:", "vbscript:", "data:",
    "data:text/html,", "data:image/svg+xml,", "alert(1)", "https://example.com", "mailto:a@b.co",
    "//evil.example", "ada@example.com", "script", "<script>", "</script>", "<img", "<svg", "<a",
    "<iframe", "<math", "<style>", "<!--", "-->", "<![CDATA[", "]]>", " src=", " href=",
    " onerror=", " onload=", " style=", " xlink:href=", " srcdoc=", " formaction=",
    '[x](', '![x](', '"title"', '[ref]: ', '[ref]', '<http://', '%6A',
]  # fmt: skip

markdown_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(PAYLOADS), st.text(max_size=12)),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=markdown_text)
def test_generated_markdown_never_renders_anything_executable(text):
    assert_no_executable(render_post(text).html)
