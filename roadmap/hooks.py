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


def topic_review(*, topic_id: int, viewer, node) -> dict | None:
    """The topic status panel's part about a mentor's review of the viewer's work (their
    request, the verification): {"template": ..., **context}, or None."""
    provider = _providers.get("topic_review")
    if provider is None or not viewer.is_authenticated:
        return None
    return provider(topic_id=topic_id, viewer=viewer, node=node)


def project_hand_in(*, project_id: int, viewer) -> dict | None:
    """The project page's hand-in part for a signed-in learner (their latest request on the
    project, the form to hand in): {"template": ..., **context}, or None."""
    provider = _providers.get("project_hand_in")
    if provider is None or not viewer.is_authenticated:
        return None
    return provider(project_id=project_id, viewer=viewer)


def topic_figures(*, topic_id: int) -> list[str]:
    """Sentences about the learners of a topic ("312 learners finished this, ..."), each
    shown to everyone, so only where enough learners stand behind it."""
    provider = _providers.get("topic_figures")
    return provider(topic_id=topic_id) if provider else []


def version_keys(*, roadmap_id: int) -> list[str]:
    """Cache keys of the version tokens of what the providers show on a roadmap's map: a
    write that changes it bumps one of them (config.cache.version_tokens)."""
    provider = _providers.get("version_keys")
    return provider(roadmap_id=roadmap_id) if provider else []


def topic_version_keys(*, roadmap_id: int, topic_slug: str) -> list[str]:
    """The same for a topic page (the topic with this slug in this roadmap), whose discussion
    block lists threads and whose figures come from the learners' summary of that topic."""
    provider = _providers.get("topic_version_keys")
    return provider(roadmap_id=roadmap_id, topic_slug=topic_slug) if provider else []


def progress_undone(*, user, topic_ids: list[int]) -> None:
    """A learner's topics stop being done (set to learning or skipped, cleared, reset): what
    depended on them being done (an open review request) closes, in the same transaction."""
    provider = _providers.get("progress_undone")
    if provider and topic_ids:
        provider(user=user, topic_ids=topic_ids)
