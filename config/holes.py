"""Shared HTML made personal: a page part rendered once for every viewer of a kind, then
completed per request with what belongs to this viewer, in two ways.

- Holes, for what only this viewer has (their CSRF token, their follow button): a hole is its
  name between NUL characters. Stored text cannot contain NUL (Django's and DRF's character
  fields refuse it, and so does PostgreSQL), so text inside posts can never open a hole; an
  unknown name is filled with nothing. A request can carry NUL, though (`?q=%00csrf%00`, a
  form sent back with its errors), so a part rendered with anything from the request takes
  holes with a key drawn for that one rendering (`hole_key()`), which text from outside
  cannot spell; only parts rendered without the request use plain holes.
- Markers, for state that switches markup the page already holds (which reactions are
  theirs, which topics they finished): attribute text such as `aria-pressed="false"` next to
  an id, found once when the HTML is built (MarkedHtml) and swapped for this viewer's.
  Only markers inside a tag count: text may spell one out, but it cannot open a tag.

Large parts (a 200-comment thread is 460 kB) are kept and completed as UTF-8 bytes, the form
in which they are sent, and put into the rendered page in one copy (render_page): passed
through the template instead, a part is copied at every level of block and include, at two
to four bytes a character once it holds one non-Latin-1 character.
"""

import re
import secrets
from collections.abc import Mapping

from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe


def hole_key() -> str:
    """A key for the holes of one rendering that has request input in it."""
    return secrets.token_hex(16)


_HOLE = re.compile("\x00([a-z_]+)\x00")
_HOLE_BYTES = re.compile(b"\x00([a-z_]+)\x00")


def _pattern(key: str) -> re.Pattern[bytes]:
    return re.compile(b"\x00([a-z_]+):" + key.encode() + b"\x00") if key else _HOLE_BYTES


def hole(name: str, key: str = "") -> SafeString:
    """The marker for `name`, safe to put into a template's context (it is never escaped);
    with the `key` of a rendering that has request input in it."""
    return mark_safe(f"\x00{name}:{key}\x00" if key else f"\x00{name}\x00")


def fill(html: str, values: Mapping[str, str]) -> str:
    """`html` (rendered without the request) with every hole replaced by its value, in one pass."""
    return _HOLE.sub(lambda match: values.get(match.group(1), ""), html)


def fill_bytes(html: bytes, values: Mapping[str, bytes], key: str = "") -> bytes:
    """`html` with every hole of `key` replaced by its value (bytes), in one pass."""
    return _pattern(key).sub(lambda match: values.get(match.group(1).decode(), b""), html)


def render_page(request, template_name: str, context: dict, *, body: bytes, status: int = 200):
    """render(), with `body` (UTF-8, already personal) put where the template shows {{ body }}."""
    marker = hole("body", hole_key())
    response = render(request, template_name, {**context, "body": marker}, status=status)
    response.content = response.content.replace(marker.encode(), body, 1)
    return response


class MarkedHtml:
    """Shared HTML, as UTF-8, whose per-viewer markers (`pattern`, over bytes) were found once,
    when it was built.

    Marking one viewer's state then costs a lookup per change and one copy of the text,
    however long it is, instead of a search through hundreds of kB on every request.
    """

    __slots__ = ("html", "spots")

    def __init__(self, html: str, pattern: re.Pattern[bytes]):
        data = html.encode()
        spots: dict[bytes, list[int]] = {}
        for match in pattern.finditer(data):
            start = match.start()
            # Text may spell a marker out (quotes are not escaped in text), but never a "<":
            # a marker is markup only if it sits inside a tag.
            if data.rfind(b"<", 0, start + 1) > data.rfind(b">", 0, start):
                spots.setdefault(match.group(0), []).append(start)
        self.html = data
        self.spots = spots

    def __getstate__(self):
        return self.html, self.spots

    def __setstate__(self, state):
        self.html, self.spots = state

    def replace(self, changes: Mapping[bytes, bytes]) -> bytes:
        """The HTML with each marker that is a key of `changes` replaced by its value."""
        found = sorted((start, marker) for marker in changes for start in self.spots.get(marker, ()))
        if not found:
            return self.html
        parts, end = [], 0
        for start, marker in found:
            parts.append(self.html[end:start])
            parts.append(changes[marker])
            end = start + len(marker)
        parts.append(self.html[end:])
        return b"".join(parts)
