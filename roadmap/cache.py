"""Versioned cache keys for a roadmap's structure and for each learner's progress.

Every content change gives the roadmap a new version token, and every change to a learner's
progress gives them one (at once and after the commit), so cached structures and statuses are
never invalidated key by key: old versions simply stop being read and expire (tokens:
config.cache.version_token).
"""

from django.db import transaction

from config.cache import bump_version_tokens, version_token

STRUCTURE_TIMEOUT = 60 * 60
CATALOGUE_KEY = "roadmap:catalogue:version"


def structure_version_key(roadmap_id: int) -> str:
    return f"roadmap:{roadmap_id}:version"


def structure_version(roadmap_id: int) -> str:
    return version_token(structure_version_key(roadmap_id))


def structure_key(roadmap_id: int, name: str = "structure") -> str:
    return f"roadmap:{roadmap_id}:{structure_version(roadmap_id)}:{name}"


def bump_structure_version(roadmap_id: int) -> None:
    """Invalidate everything cached about this roadmap, now and again once the transaction commits.

    The second bump retires what a reader cached between the two from rows it read before
    the commit (the same rule as community.versions.thread_changed).
    """

    def bump():
        bump_version_tokens(structure_version_key(roadmap_id), CATALOGUE_KEY)

    bump()
    transaction.on_commit(bump)


def progress_version_key(user_id) -> str:
    return f"roadmap:progress:{user_id}:version"


def progress_changed(*, user_id: int) -> None:
    """This learner's statuses changed (any roadmap): now and again once the transaction commits."""

    def bump():
        bump_version_tokens(progress_version_key(user_id))

    bump()
    transaction.on_commit(bump)
