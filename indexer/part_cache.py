"""The embedding cache of an index whose vectors are several models side by side (``use+minilm-int8``).

Each part's vectors are cached under the part's own fingerprint, in the same ``embeddings`` table, so the
``use`` vectors a ``use`` index cached serve a ``use+minilm-int8`` index of the same code, and the other
way round. ``PartCache`` keeps ``EmbeddingCache``'s interface (``missing``, ``put``, ``get``) over the
whole vector, and adds the per-part view the pipeline and the English fill embed through.

A document's whole vector is its unit part vectors side by side divided by sqrt(number of parts)
(``codesearch.embedding.composite``); a part not cached yet is zeros there.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from collections.abc import Sequence

import numpy as np

from codesearch.embedding.base import Embedder
from indexer.store import EmbeddingCache, StoredPart, rebuild_vectors
from indexer.vectors import VectorIndex

log = logging.getLogger(__name__)


class PartCache:
    """The caches of ``parts`` seen as one cache of their side-by-side vectors.

    ``legacy``: the fingerprint of the whole model, under which builds before per-part caching cached
    whole vectors; such vectors are split into the parts' caches when first asked for.
    """

    def __init__(
        self, db: sqlite3.Connection, parts: Sequence[StoredPart], legacy: str | None = None
    ) -> None:
        self.db = db
        self.parts = tuple(parts)
        self.caches = tuple(EmbeddingCache(db, p.fingerprint, p.dim) for p in self.parts)
        self.dim = sum(p.dim for p in self.parts)
        self.scale = np.float32(1.0 / np.sqrt(len(self.parts)))
        self._legacy = EmbeddingCache(db, legacy, self.dim) if legacy else None

    def missing_part(self, part: int, hashes: list[str]) -> list[str]:
        """The hashes (deduplicated, order kept) with no vector of part number ``part`` yet."""
        missing = self.caches[part].missing(hashes)
        if missing and self._adopt_legacy(missing):
            missing = self.caches[part].missing(missing)
        return missing

    def missing(self, hashes: list[str]) -> list[str]:
        """The hashes (deduplicated, order kept) that lack a vector of some part."""
        lacking: set[str] = set()
        for n in range(len(self.parts)):
            lacking.update(self.missing_part(n, hashes))
        return [h for h in dict.fromkeys(hashes) if h in lacking]

    def put_part(self, part: int, hashes: list[str], vectors: np.ndarray) -> None:
        """Cache unit vectors of one part (committed at once: a killed run keeps them)."""
        self.caches[part].put(hashes, vectors)

    def put(self, hashes: list[str], vectors: np.ndarray) -> None:
        """Cache whole vectors (parts side by side, scaled as ``get`` returns them) part by part."""
        start = 0
        for n, part in enumerate(self.parts):
            self.put_part(n, hashes, vectors[:, start : start + part.dim] / self.scale)
            start += part.dim

    def get(self, hashes: list[str]) -> np.ndarray:
        """Whole vectors in the order of ``hashes``; a part not cached is zeros in its place."""
        if self._legacy is not None:
            self._adopt_legacy(self.missing_raw(hashes))
        return np.hstack([cache.get(hashes) for cache in self.caches]) * self.scale

    def missing_raw(self, hashes: list[str]) -> list[str]:
        lacking: set[str] = set()
        for cache in self.caches:
            lacking.update(cache.missing(hashes))
        return [h for h in dict.fromkeys(hashes) if h in lacking]

    def _adopt_legacy(self, hashes: list[str]) -> bool:
        """Split whole vectors cached under the legacy fingerprint into the parts' caches; whether any were."""
        if self._legacy is None or not hashes:
            return False
        absent = set(self._legacy.missing(hashes))
        found = [h for h in dict.fromkeys(hashes) if h not in absent]
        if not found:
            return False
        log.info(
            "splitting %d cached vectors of %s into its models' caches", len(found), self._legacy.fingerprint
        )
        self.put(found, self._legacy.get(found))
        return True

    def adopt_legacy(self) -> int:
        """Split every whole vector cached under the legacy fingerprint into the parts' caches (once, for an
        index built before per-part caching); how many there were."""
        if self._legacy is None:
            return 0
        hashes = [
            r[0]
            for r in self.db.execute(
                "SELECT content_hash FROM embeddings WHERE fingerprint=?", (self._legacy.fingerprint,)
            )
        ]
        for i in range(0, len(hashes), 10_000):
            self._adopt_legacy(hashes[i : i + 10_000])
        return len(hashes)

    def lacking(self) -> list[int]:
        """For each part, how many documents of the store have no vector of it cached."""
        return [count_lacking(self.db, p.fingerprint) for p in self.parts]


def parts_of(embedder: Embedder) -> tuple[StoredPart, ...]:
    """The parts of a model of several (none for one model), as a manifest records them."""
    parts = embedder.stored_parts
    if len(parts) < 2:
        return ()
    return tuple(StoredPart(p.fingerprint, p.dim, p.english_only) for p in parts)


def cache_of(db: sqlite3.Connection, embedder: Embedder) -> PartCache:
    """The embedding cache ``embedder`` writes to: its parts' caches, or its own for one model."""
    parts = parts_of(embedder) or (StoredPart(embedder.fingerprint, embedder.dim),)
    return PartCache(db, parts, legacy=embedder.fingerprint if len(parts) > 1 else None)


def cache_for(db: sqlite3.Connection, fingerprint: str, dim: int, parts: Sequence[StoredPart]) -> PartCache:
    """The embedding cache of an index as its manifest describes it (no model needed)."""
    if len(parts) > 1:
        return PartCache(db, parts, legacy=fingerprint)
    return PartCache(db, (StoredPart(fingerprint, dim),))


def recount(db: sqlite3.Connection, parts: Sequence[StoredPart]) -> tuple[StoredPart, ...]:
    """``parts`` with how many documents of the store lack each now (none for one model)."""
    if len(parts) < 2:
        return ()
    return tuple(dataclasses.replace(p, missing=count_lacking(db, p.fingerprint)) for p in parts)


def count_lacking(db: sqlite3.Connection, fingerprint: str) -> int:
    """Documents of the store with no vector cached under ``fingerprint``."""
    row = db.execute(
        "SELECT COUNT(*) FROM documents d WHERE NOT EXISTS (SELECT 1 FROM embeddings e "
        "WHERE e.fingerprint = ? AND e.content_hash = d.content_hash)",
        (fingerprint,),
    ).fetchone()
    return int(row[0])


def rebuild_vectors_of(
    db: sqlite3.Connection, fingerprint: str, dim: int, parts: Sequence[StoredPart] = ()
) -> VectorIndex:
    """All document vectors, from the embedding cache: of a model of several ``parts``, every document with
    a vector of some part, from the parts' caches (a part not cached as zeros)."""
    if len(parts) < 2:
        return rebuild_vectors(db, fingerprint, dim)
    cache = PartCache(db, parts, legacy=fingerprint)
    rows = db.execute("SELECT id, content_hash FROM documents ORDER BY id").fetchall()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    vectors = cache.get([r[1] for r in rows]).astype(np.float32, copy=False)
    have = np.linalg.norm(vectors, axis=1) > 0 if len(rows) else np.zeros(0, dtype=bool)
    return VectorIndex.build(cache.dim, ids[have], vectors[have])
