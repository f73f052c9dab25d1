"""Versioned cache keys for a roadmap's structure.

Every content change gives the roadmap a new version token (after the transaction commits),
so cached structures are never invalidated key by key: old versions simply stop being read
and expire. A token is random, never a counter, so a version key lost to eviction can never
bring an old cached structure back.
"""

import uuid

from django.core.cache import cache
from django.db import transaction

STRUCTURE_TIMEOUT = 60 * 60


def _version_key(roadmap_id: int) -> str:
    return f"roadmap:{roadmap_id}:version"


def structure_version(roadmap_id: int) -> str:
    key = _version_key(roadmap_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, None)
        version = cache.get(key) or "uncached"
    return version


def structure_key(roadmap_id: int, name: str = "structure") -> str:
    return f"roadmap:{roadmap_id}:{structure_version(roadmap_id)}:{name}"


def bump_structure_version(roadmap_id: int) -> None:
    """Invalidate everything cached about this roadmap once the current transaction commits."""
    transaction.on_commit(
        lambda: cache.set_many(
            {_version_key(roadmap_id): uuid.uuid4().hex, CATALOGUE_KEY: uuid.uuid4().hex}, None
        )
    )


CATALOGUE_KEY = "roadmap:catalogue:version"


def catalogue_version() -> str:
    """Changes whenever any roadmap's content does (for lists of roadmaps)."""
    version = cache.get(CATALOGUE_KEY)
    if version is None:
        cache.add(CATALOGUE_KEY, uuid.uuid4().hex, None)
        version = cache.get(CATALOGUE_KEY) or "uncached"
    return version
