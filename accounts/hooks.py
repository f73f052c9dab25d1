"""What the apps above accounts add to it, without accounts importing them.

roadmap and community register here in their AppConfig.ready(): their part of the account
export, their demo content for `seed_demo`, and their sections of the public profile.
"""

from collections.abc import Callable

_export_sections: dict[str, Callable] = {}
_demo_steps: dict[str, Callable] = {}
_profile_sections: dict[str, Callable] = {}


def register_export(name: str, build: Callable) -> None:
    """build(user) -> JSON-ready data about that user, stored under `name` in the export."""
    _export_sections[name] = build


def export_sections() -> dict[str, Callable]:
    return dict(_export_sections)


def register_demo(name: str, step: Callable) -> None:
    """step(users={"learner": ..., "mentor": ..., "admin": ...}, stdout=...) must be idempotent."""
    _demo_steps[name] = step


def demo_steps() -> list[tuple[str, Callable]]:
    return list(_demo_steps.items())


def register_profile_section(name: str, build: Callable) -> None:
    """build(profile_user=..., viewer=...) -> {"template": ..., **context} or None to show nothing."""
    _profile_sections[name] = build


def profile_sections(*, profile_user, viewer) -> list[dict]:
    sections = (build(profile_user=profile_user, viewer=viewer) for build in _profile_sections.values())
    return [section for section in sections if section]
