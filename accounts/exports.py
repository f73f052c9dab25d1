"""The account export: each app registers what it holds about a user.

accounts sits below roadmap and community, so it cannot import them; instead they register a
function here (in their AppConfig.ready) that returns JSON-ready data for one user.
"""

from collections.abc import Callable

_sections: dict[str, Callable] = {}


def register(name: str, build: Callable) -> None:
    _sections[name] = build


def sections() -> dict[str, Callable]:
    return dict(_sections)
