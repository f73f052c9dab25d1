"""Versioned cache keys for a roadmap's structure.

Every content change gives the roadmap a new version token (after the transaction commits),
so cached structures are never invalidated key by key: old versions simply stop being read
and expire (tokens: config.cache.version_token).
"""

from django.db import transaction

from config.cache import bump_version_tokens, version_token

STRUCTURE_TIMEOUT = 60 * 60
CATALOGUE_KEY = "roadmap:catalogue:version"


def _version_key(roadmap_id: int) -> str:
    return f"roadmap:{roadmap_id}:version"


def structure_version(roadmap_id: int) -> str:
    return version_token(_version_key(roadmap_id))


def structure_key(roadmap_id: int, name: str = "structure") -> str:
    return f"roadmap:{roadmap_id}:{structure_version(roadmap_id)}:{name}"


def bump_structure_version(roadmap_id: int) -> None:
    """Invalidate everything cached about this roadmap once the current transaction commits."""
    transaction.on_commit(lambda: bump_version_tokens(_version_key(roadmap_id), CATALOGUE_KEY))


def catalogue_version() -> str:
    """Changes whenever any roadmap's content does (for lists of roadmaps)."""
    return version_token(CATALOGUE_KEY)
