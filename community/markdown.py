"""Post markdown: the roadmap renderer plus `@username` mentions that link to profiles.

Mentions are found on markdown-it's text tokens, never in the HTML, so they are not seen
inside code, links (including autolinked URLs and e-mail addresses) or image alt text, and
the sanitiser still has the last word on the output.
"""

import re
from dataclasses import dataclass

from markdown_it.token import Token

from accounts.models import User
from accounts.selectors import active_users_by_username
from roadmap.markdown import render_markdown

MAX_MENTIONS = 20
# Bounds the single lookup query whatever a post holds; a real mention is rarely past the 100th `@`.
MAX_MENTION_CANDIDATES = 100
MENTION_PATTERN = re.compile(r"(?<!\w)@([A-Za-z0-9_-]{1,30})(?![A-Za-z0-9_@-])")


@dataclass(frozen=True)
class RenderedPost:
    html: str
    mentions: list[User]


def _mentionable_text_tokens(tokens: list[Token]):
    """Yield (inline token, child index) of each text token outside a link that holds an `@`."""
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        link_depth = 0
        for index, child in enumerate(token.children):
            if child.type == "link_open":
                link_depth += 1
            elif child.type == "link_close":
                link_depth -= 1
            elif child.type == "text" and link_depth == 0 and "@" in child.content:
                yield token, index


def _mentioned_users(tokens: list[Token]) -> dict[str, User]:
    """The first MAX_MENTIONS distinct active users mentioned, by lower-cased username, in order."""
    names: dict[str, None] = {}
    for inline, index in _mentionable_text_tokens(tokens):
        for match in MENTION_PATTERN.finditer(inline.children[index].content):
            names.setdefault(match.group(1).lower())
    candidates = list(names)[:MAX_MENTION_CANDIDATES]
    if not candidates:
        return {}
    found = active_users_by_username(usernames=candidates)
    mentioned = [name for name in candidates if name in found][:MAX_MENTIONS]
    return {name: found[name] for name in mentioned}


def _split_text(token: Token, users: dict[str, User]) -> list[Token]:
    """The text token as text and mention links; unknown names stay in the text."""
    pieces: list[Token] = []
    start = 0

    def text(content: str) -> None:
        if content:
            pieces.append(Token("text", "", 0, content=content, level=token.level))

    for match in MENTION_PATTERN.finditer(token.content):
        user = users.get(match.group(1).lower())
        if user is None:
            continue
        text(token.content[start : match.start()])
        pieces.append(
            Token(
                "link_open",
                "a",
                1,
                attrs={"href": user.get_absolute_url(), "class": "mention"},
                level=token.level,
            )
        )
        pieces.append(Token("text", "", 0, content=f"@{user.username}", level=token.level + 1))
        pieces.append(Token("link_close", "a", -1, level=token.level))
        start = match.end()
    text(token.content[start:])
    return pieces


def render_post(text: str) -> RenderedPost:
    """Render a thread or comment body; `mentions` are the users it links, each once."""
    mentions: list[User] = []

    def link_mentions(tokens: list[Token]) -> None:
        users = _mentioned_users(tokens)
        if not users:
            return
        for inline, index in reversed(list(_mentionable_text_tokens(tokens))):
            inline.children[index : index + 1] = _split_text(inline.children[index], users)
        mentions.extend(users.values())

    html = render_markdown(text, extend=link_mentions if "@" in text else None)
    return RenderedPost(html=html, mentions=mentions)
