"""Warm the pages that show something, write, then read them again as the next visitor would.

A case says, for a set of pages and viewers, which texts a write must remove (`gone`) and which
it must bring (`shown`). Before the write each page is requested once per viewer, which fills
every cache it is built from (whole anonymous pages, fragments, structures, search results,
API lists), and must show the old state: so the case cannot pass because a page never showed
the thing at all. After the write the same requests must show the new state.
"""

from dataclasses import dataclass

from django.test import Client

from tests.freshness.world import HTMX_PAGES

ANONYMOUS, MEMBER = "anonymous", "member"
VIEWERS = (ANONYMOUS, MEMBER)


@dataclass(frozen=True)
class Shows:
    """On these pages, for these viewers, the write removes `gone` and brings `shown`."""

    pages: tuple[str, ...]
    gone: tuple[str, ...] = ()
    shown: tuple[str, ...] = ()
    viewers: tuple[str, ...] = VIEWERS


class Viewers:
    """An anonymous visitor (a new client each time: no cookie, so the shared page cache
    serves them) and a signed-in member (one session throughout)."""

    def __init__(self, member):
        self.member = Client()
        self.member.force_login(member)

    def read(self, viewer: str, url: str, *, htmx: bool = False) -> str:
        client = Client() if viewer == ANONYMOUS else self.member
        headers = {"HX-Request": "true"} if htmx else {}
        return client.get(url, follow=True, headers=headers).content.decode()  # an old slug redirects


def _differences(text: str, *, absent, present) -> str:
    """What in `text` contradicts the expectation, or ""."""
    wrong = [f"shows {word!r}" for word in absent if word in text]
    wrong += [f"does not show {word!r}" for word in present if word not in text]
    return ", ".join(wrong)


class Watch:
    """The pages and viewers of a case's expectations, read before a write and after it."""

    def __init__(self, viewers: Viewers, pages: dict[str, str], expectations: list[Shows]):
        self.viewers = viewers
        self.pages = pages
        self.expected: dict[tuple[str, str], list[Shows]] = {}  # (page, viewer): what it shows
        for expected in expectations:
            for page in expected.pages:
                for viewer in expected.viewers:
                    self.expected.setdefault((page, viewer), []).append(expected)

    def _problems(self, *, after: bool) -> list[str]:
        """Each page read once per viewer, and what in it contradicts the state expected."""
        problems = []
        for (page, viewer), expectations in self.expected.items():
            url = self.pages[page]
            text = self.viewers.read(viewer, url, htmx=page in HTMX_PAGES)
            absent = [
                word for expected in expectations for word in (expected.gone if after else expected.shown)
            ]
            present = [
                word for expected in expectations for word in (expected.shown if after else expected.gone)
            ]
            wrong = _differences(text, absent=absent, present=present)
            if wrong:
                problems.append(f"{page} ({url}) as {viewer}: {wrong}")
        return problems

    def warm(self) -> None:
        """Request every page once per viewer; each must show the state before the write."""
        problems = self._problems(after=False)
        assert not problems, "before the write (the case is wrong, not the cache):\n" + "\n".join(problems)

    def assert_fresh(self) -> None:
        """The next request to each page, per viewer, shows the write."""
        problems = self._problems(after=True)
        assert not problems, "stale on the next request after the write:\n" + "\n".join(problems)
