"""What the community app adds to roadmap pages, without roadmap importing community.

community registers its providers in its AppConfig.ready(); with none registered the roadmap
pages simply show no discussion parts.
"""

from collections.abc import Callable

_providers: dict[str, Callable] = {}


def register(name: str, provider: Callable) -> None:
    _providers[name] = provider


def discussion_counts(*, roadmap_id: int) -> dict[int, int]:
    """{topic_id: number of visible threads} for one roadmap."""
    provider = _providers.get("discussion_counts")
    return provider(roadmap_id=roadmap_id) if provider else {}


def topic_discussion(*, topic_id: int, viewer):
    """Context for the topic page's discussion block, or None."""
    provider = _providers.get("topic_discussion")
    return provider(topic_id=topic_id, viewer=viewer) if provider else None


def version(*, roadmap_id: int) -> str:
    """A token that changes whenever what the providers show for a roadmap changes (page caches)."""
    provider = _providers.get("version")
    return provider(roadmap_id=roadmap_id) if provider else "0"


def lists_version() -> str:
    """A token that changes whenever thread lists change (for topic pages' discussion block)."""
    provider = _providers.get("lists_version")
    return provider() if provider else "0"
