"""Markdown to safe HTML, for roadmap content, notes and (extended in community) posts.

CommonMark with tables, strikethrough and autolinks; raw HTML is disabled at the parser and
the output is sanitised again with an allow-list (nh3), so no script, style, event handler,
or javascript:/data: URL survives whatever the input. Code blocks are highlighted by
Pygments with CSS classes (the themes live in app.css), never inline styles. Images load only
from the site and from settings.MARKDOWN_IMAGE_HOSTS; any other image becomes a link to it.
"""

import re
import string
import unicodedata
from urllib.parse import urlsplit

import nh3
from django.conf import settings
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong",
    "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "div": {"class", "tabindex"},
    "span": {"class"},
    "pre": {"class", "tabindex"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

# Besides absolute http(s)/mailto URLs, only site-relative paths and fragments are kept: a bare
# relative value ("foo", "jav%09ascript:x") is useless in a post and is dropped rather than trusted.
SAFE_URL_PREFIXES = ("http:", "https:", "mailto:", "/", "#")
URL_ATTRIBUTES = {"href", "src"}
LINK_CLASSES = {"mention"}
SCROLL_BOX_CLASS = "table-scroll"
CODE_CLASS = re.compile(r"(hl-[A-Za-z0-9_-]+|language-[A-Za-z0-9_+#.-]+|highlight)\Z")
TABLE_ALIGNMENT = re.compile(r"text-align:(left|center|right)\Z")

# The token classes static/css/app.css gives a colour (tests/test_code_highlight_contrast.py
# holds the two to each other). Pygments wraps every token in a span, whitespace and
# punctuation too: in a thread of code answers, most of the page's bytes. Only these are kept.
STYLED_TOKEN_CLASSES = frozenset(
    "hl-k hl-kn hl-kd hl-kc hl-kr hl-ow hl-s hl-s1 hl-s2 hl-sb hl-sd hl-si hl-c hl-c1 hl-cm hl-cs "
    "hl-ch hl-m hl-mi hl-mf hl-mh hl-nf hl-fm hl-nc hl-nb hl-bp hl-nt hl-na".split()
)


class _StyledTokensFormatter(HtmlFormatter):
    """Spans only for the tokens the theme colours; the rest is plain text, merged."""

    def _get_css_classes(self, ttype):
        classes = super()._get_css_classes(ttype).split()
        return " ".join(name for name in classes if name in STYLED_TOKEN_CLASSES)


_formatter = _StyledTokensFormatter(nowrap=True, classprefix="hl-")


def _highlight(code: str, language: str, attrs: str) -> str:
    try:
        lexer = get_lexer_by_name(language.strip()) if language.strip() else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""  # markdown-it escapes the code itself
    return highlight(code, lexer, _formatter)


def _table_alignment_as_attribute(state) -> None:
    """markdown-it aligns table cells with a `style`, which the sanitiser strips: use `align`."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open") and "style" in token.attrs:
            match = TABLE_ALIGNMENT.match(str(token.attrs.pop("style")))
            if match:
                token.attrs["align"] = match.group(1)


MAX_LINK_LENGTH = 2000
SCHEME_CHARACTERS = frozenset(string.ascii_letters + string.digits + ".+-")


def _linkify(state: StateInline, silent: bool) -> bool:
    """markdown-it's inline linkify rule, finding the scheme in linear time.

    The stock rule runs `(?:^|[^a-z0-9.+-])([a-z][a-z0-9.+-]*)$` over all the text pending
    before each `://`, which rescans the whole paragraph every time: a post of
    `"http://a." * 2000` took seconds. The scheme is the run of scheme characters just before
    the `://`, so this rule walks back over that run only; runs end at each `:`, so the walks
    never overlap. linkify-it's own pattern for a URL's path may read to the end of its input
    before it settles on a short match (`"http://a.b/(" * 1600`), so it is given at most
    MAX_LINK_LENGTH characters, and a longer URL stays text. Everything else is the stock rule.
    """
    if state.linkLevel > 0:
        return False
    position = state.pos
    if not state.src.startswith("://", position):
        return False
    pending = state.pending
    start = len(pending)
    while start and pending[start - 1] in SCHEME_CHARACTERS:
        start -= 1
    scheme = pending[start:]
    if not scheme or scheme[0] not in string.ascii_letters:
        return False
    window = state.src[position - len(scheme) : position + MAX_LINK_LENGTH + 1]
    link = state.md.linkify.match_at_start(window)
    if not link or len(link.raw) > MAX_LINK_LENGTH:
        return False
    url = link.url.rstrip("*")
    full_url = state.md.normalizeLink(url)
    if not state.md.validateLink(full_url):
        return False
    if not silent:
        state.pending = pending[:start]
        token = state.push("link_open", "a", 1)
        token.attrs = {"href": full_url}
        token.markup = "linkify"
        token.info = "auto"
        token = state.push("text", "", 0)
        token.content = state.md.normalizeLinkText(url)
        token = state.push("link_close", "a", -1)
        token.markup = "linkify"
        token.info = "auto"
    state.pos += len(url) - len(scheme)
    return True


def is_allowed_image(src: str) -> bool:
    """Site-relative images, and https images from a host in settings.MARKDOWN_IMAGE_HOSTS."""
    if src.startswith("/") and not src.startswith("//"):
        return True
    try:
        url = urlsplit(src)
    except ValueError:
        return False
    return url.scheme == "https" and (url.hostname or "") in settings.MARKDOWN_IMAGE_HOSTS


def _images_from_elsewhere_as_links(state) -> None:
    """An image from a host not allowed would tell that host who reads the page: link to it."""
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        children = []
        link_depth = 0
        for child in token.children:
            link_depth += {"link_open": 1, "link_close": -1}.get(child.type, 0)
            if child.type != "image" or is_allowed_image(str(child.attrs.get("src", ""))):
                children.append(child)
                continue
            src = str(child.attrs["src"])
            text = Token("text", "", 0, content=child.content or src, level=child.level)
            if link_depth:  # already inside a link: its text is enough
                children.append(text)
                continue
            text.level += 1
            children += [
                Token("link_open", "a", 1, attrs={"href": src}, level=child.level),
                text,
                Token("link_close", "a", -1, level=child.level),
            ]
        token.children = children


def _parser() -> MarkdownIt:
    parser = MarkdownIt(
        "commonmark", {"html": False, "linkify": True, "typographer": False, "highlight": _highlight}
    )
    parser.enable(["table", "strikethrough", "linkify"])
    parser.inline.ruler.at("linkify", _linkify)
    parser.core.ruler.push("table_alignment", _table_alignment_as_attribute)
    parser.core.ruler.push("images_from_elsewhere", _images_from_elsewhere_as_links)
    return parser


_markdown = _parser()


def normalise_url(value: str) -> str:
    """The URL as a browser reads its scheme: no whitespace or control characters, lower case."""
    return "".join(
        character
        for character in value
        if not character.isspace() and unicodedata.category(character) not in ("Cc", "Cf")
    ).lower()


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Second line behind nh3's own checks: returning None drops the attribute."""
    if attribute in URL_ATTRIBUTES:
        return value if normalise_url(value).startswith(SAFE_URL_PREFIXES) else None
    if attribute == "tabindex":  # only the scroll boxes the renderer makes, reachable by keyboard
        return "0"
    if attribute == "class":
        if tag == "a":
            kept = [part for part in value.split() if part in LINK_CLASSES]
        elif tag == "div":
            kept = [part for part in value.split() if part == SCROLL_BOX_CLASS]
        else:
            kept = [part for part in value.split() if CODE_CLASS.match(part)]
        return " ".join(kept) or None
    return value


def _scroll_boxes(html: str) -> str:
    """Code blocks and tables scroll sideways inside themselves, so a long line never widens
    the page; keyboard users scroll them once focused. Raw HTML is off at the parser, so these
    tags can only come from the renderer (a user's "<pre>" is escaped text)."""
    return (
        html.replace("<pre>", '<pre tabindex="0">')
        .replace("<table>", f'<div class="{SCROLL_BOX_CLASS}" tabindex="0"><table>')
        .replace("</table>", "</table></div>")
    )


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_filter_attribute,
    )


def render_markdown(text: str, *, extend=None) -> str:
    """Render user or author markdown to sanitised HTML. `extend(tokens)` may rewrite tokens."""
    if not text:
        return ""
    if extend is None:
        html = _markdown.render(text)
    else:
        env = {}
        tokens = _markdown.parse(text, env)
        extend(tokens)
        html = _markdown.renderer.render(tokens, _markdown.options, env)
    return sanitise(_scroll_boxes(html))
