"""Markdown to safe HTML, for roadmap content, notes and (extended in community) posts.

CommonMark with tables, strikethrough and autolinks; raw HTML is disabled at the parser and
the output is sanitised again with an allow-list (nh3), so no script, style, event handler,
or javascript:/data: URL survives whatever the input. Code blocks are highlighted by
Pygments with CSS classes (the themes live in app.css), never inline styles.
"""

import nh3
from markdown_it import MarkdownIt
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
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},
    "div": {"class"},
    "span": {"class"},
    "pre": {"class"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"

_formatter = HtmlFormatter(nowrap=True, classprefix="hl-")


def _highlight(code: str, language: str, attrs: str) -> str:
    try:
        lexer = get_lexer_by_name(language.strip()) if language.strip() else None
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return ""  # markdown-it escapes the code itself
    return highlight(code, lexer, _formatter)


def _parser() -> MarkdownIt:
    parser = MarkdownIt(
        "commonmark", {"html": False, "linkify": True, "typographer": False, "highlight": _highlight}
    )
    return parser.enable(["table", "strikethrough", "linkify"])


_markdown = _parser()


def sanitise(html: str) -> str:
    def keep_class(tag, attribute, value):
        if attribute == "class":
            return " ".join(
                part for part in value.split() if part.startswith(("hl-", "language-", "highlight"))
            )
        return value

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=keep_class,
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
    return sanitise(html)
