"""Demo content hooks: apps above accounts add their own demo data to `seed_demo`."""

from collections.abc import Callable

_steps: list[tuple[str, Callable]] = []


def register(name: str, step: Callable) -> None:
    """step(users={"learner": ..., "mentor": ..., "admin": ...}, stdout=...) must be idempotent."""
    if name not in {registered for registered, _ in _steps}:
        _steps.append((name, step))


def steps() -> list[tuple[str, Callable]]:
    return list(_steps)
