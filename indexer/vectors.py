"""The FAISS vector index: inner product over L2-normalised vectors, int64 ids = document ids.

Small indexes are exact (``IndexIDMap2(IndexFlatIP)``); past ``ANN_THRESHOLD`` vectors they are HNSW
(``IndexIDMap2(IndexHNSWFlat)``). FAISS cannot remove ids from HNSW, so there a removal is a tombstone: the
entry's external id in the ``IndexIDMap2``'s ``id_map`` becomes -1 (the graph keeps the vector as a stepping
stone) and every search passes a selector that skips -1. Tombstones live in ``id_map`` and so persist through
``faiss.write_index``; once more than ``MAX_DEAD_FRACTION`` of the stored vectors are dead
``needs_rebuild`` asks the writer to rebuild the index from the embedding cache.

A reader maps the file instead of reading it (``load(mapped=True)``): opening a 50k x 896 index takes ~15 ms
instead of ~140 ms, which is most of a one-shot CLI search's work, and the pages are the OS's file cache, shared
by every process that reads the same index. A writer never changes a file in place (``save`` writes aside, and
an old generation's file is unlinked, which leaves a mapping valid), so a mapped index stays what it was.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import faiss
import numpy as np

if TYPE_CHECKING:
    from indexer.gpu_search import TopK

log = logging.getLogger(__name__)

# Past this many vectors an exact scan gets slow (~9 ms per query at 50k x 512) and HNSW takes over
# (~0.7 ms at 151k, recall@10 ~0.99 with these settings).
ANN_THRESHOLD = 50_000
HNSW_M = 32
HNSW_EF_SEARCH = 128
# More dead entries than this fraction of the stored vectors: rebuild the HNSW index from the cache.
MAX_DEAD_FRACTION = 0.25
# An ``allowed_ids`` filter at most this fraction of an HNSW index is scored exactly: a graph search under
# a narrow filter reaches too few allowed vectors (recall@10 ~0.85 at 1%, ~0.5 at 0.2%) and exact scoring
# of a few thousand vectors is cheap.
EXACT_FILTER_FRACTION = 0.05
DEAD = -1
# FAISS's zero-copy mapping of a flat index's vectors (faiss >= 1.11); 0 where this faiss lacks it: read instead
MAP_FLAG = int(getattr(faiss, "IO_FLAG_MMAP_IFC", 0))
_LIVE = faiss.IDSelectorRange(0, 2**62)  # every document id (ids are >= 0): tombstones (-1) fall outside


def _hnsw_of(index: faiss.Index) -> Any:
    """The ``IndexHNSW`` under an ``IndexIDMap2``, or None for an exact index."""
    inner = faiss.downcast_index(index.index) if isinstance(index, faiss.IndexIDMap2) else index
    return inner if isinstance(inner, faiss.IndexHNSW) else None


class VectorIndex:
    """A FAISS index under document ids. Exact (flat) while small, HNSW past ``ANN_THRESHOLD``."""

    def __init__(self, dim: int, index: faiss.Index | None = None, *, read_only: bool = False) -> None:
        self.dim = dim
        self.read_only = read_only  # mapped from its file: FAISS would abort the process on a change
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._hnsw = _hnsw_of(self._index)
        self._dead = int(np.count_nonzero(self._ids() == DEAD)) if self._hnsw is not None else 0
        self._positions: tuple[np.ndarray, np.ndarray] | None = None  # (sorted live ids, their rows)

    @property
    def ntotal(self) -> int:
        """Vectors stored, tombstones included (FAISS's count)."""
        return int(self._index.ntotal)

    @property
    def dead(self) -> int:
        """Tombstones: removed from an HNSW index, still stored in its graph."""
        return self._dead

    @property
    def live(self) -> int:
        """Vectors a search can return."""
        return self.ntotal - self._dead

    @property
    def approximate(self) -> bool:
        """HNSW (approximate, removals are tombstones) rather than an exact scan."""
        return self._hnsw is not None

    def too_many_dead(self, adding: int = 0) -> bool:
        """Whether the tombstones would exceed ``MAX_DEAD_FRACTION`` once ``adding`` more vectors are in."""
        return self._dead > MAX_DEAD_FRACTION * (self.ntotal + adding)

    @property
    def needs_rebuild(self) -> bool:
        """Too many tombstones: searches waste work on dead entries; rebuild from the embedding cache."""
        return self.too_many_dead()

    @classmethod
    def load(cls, path: Path, dim: int, *, mapped: bool = False) -> VectorIndex:
        """The index in ``path``; ``mapped``: its vectors mapped from the file, not copied (a reader's: searches
        only, ``read_only``)."""
        flag = MAP_FLAG if mapped else 0
        index = faiss.read_index(str(path), flag)
        if index.d != dim:
            raise ValueError(f"{path}: vectors have dimension {index.d}, manifest says {dim}")
        return cls(dim, index, read_only=bool(flag))

    @classmethod
    def build(cls, dim: int, ids: np.ndarray, vectors: np.ndarray) -> VectorIndex:
        """A fresh index over all vectors, of the kind their count calls for."""
        if len(ids) >= ANN_THRESHOLD:
            hnsw = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efSearch = HNSW_EF_SEARCH
            index = faiss.IndexIDMap2(hnsw)
        else:
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        out = cls(dim, index)
        out.add(ids, vectors)
        return out

    def live_ids(self) -> np.ndarray:
        """The document id of every vector a search can return (tombstones left out)."""
        ids = self._ids()
        return ids[ids >= 0]

    def _ids(self) -> np.ndarray:
        """The external id of every stored vector, by row (-1: a tombstone)."""
        if not isinstance(self._index, faiss.IndexIDMap2):
            return np.arange(self.ntotal, dtype=np.int64)
        return faiss.vector_to_array(self._index.id_map).astype(np.int64, copy=False)

    def _writable(self) -> None:
        if self.read_only:
            raise RuntimeError(
                "this vector index is mapped from its file to be searched: load it to change it"
            )

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self._writable()
        if len(ids):
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )
            self._positions = None

    def remove(self, ids: Sequence[int]) -> None:
        """Drop ``ids``: from a flat index for good, from HNSW as tombstones (ids absent are ignored)."""
        self._writable()
        if not len(ids):
            return
        wanted = np.asarray(list(ids), dtype=np.int64)
        if self._hnsw is None:
            self._index.remove_ids(wanted)  # type: ignore[arg-type]
            return
        stored = self._ids()
        gone = np.isin(stored, wanted) & (stored != DEAD)
        if not gone.any():
            return
        stored = stored.copy()
        stored[gone] = DEAD
        idmap: Any = self._index
        faiss.copy_array_to_vector(stored, idmap.id_map)
        idmap.construct_rev_map()  # IDMap2's id -> row map; -1 ends up there too, never looked up
        self._dead += int(gone.sum())
        self._positions = None

    def _params(self, selector: Any) -> Any:
        if self._hnsw is not None:  # its own parameters, or the search would run at the default efSearch 16
            return faiss.SearchParametersHNSW(sel=selector, efSearch=int(self._hnsw.hnsw.efSearch))  # type: ignore[attr-defined]
        return faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]

    def search(
        self, query: np.ndarray, k: int, allowed_ids: Sequence[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top-k (id, score) for one query vector, optionally only among ``allowed_ids``."""
        return self.search_batch(np.asarray(query).reshape(1, -1), k, allowed_ids)[0]

    def search_batch(
        self, queries: np.ndarray, k: int, allowed_ids: Sequence[int] | None = None
    ) -> list[list[tuple[int, float]]]:
        """Top-k (id, score) per query row, best first, never a removed id."""
        queries = np.ascontiguousarray(np.asarray(queries).reshape(-1, self.dim), dtype=np.float32)
        empty: list[list[tuple[int, float]]] = [[] for _ in range(len(queries))]
        if self.live == 0 or k <= 0 or not len(queries):
            return empty
        selector: Any = None
        n = self.live
        if allowed_ids is not None:
            if not len(allowed_ids):
                return empty
            wanted = np.asarray(list(allowed_ids), dtype=np.int64)
            if self._hnsw is not None and len(wanted) <= EXACT_FILTER_FRACTION * self.live:
                return self._exact(queries, k, wanted)
            selector = faiss.IDSelectorBatch(wanted)  # excludes tombstones: document ids are >= 0
            n = min(n, len(wanted))
        elif self._dead:
            selector = _LIVE
        params = self._params(selector) if selector is not None else None
        # ``selector`` and ``params`` stay referenced here until the search returns (SWIG keeps no reference)
        scores, ids = self._index.search(queries, min(k, n), params=params)
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True) if i >= 0]
            for row_ids, row_scores in zip(ids, scores, strict=True)
        ]

    def _exact(self, queries: np.ndarray, k: int, wanted: np.ndarray) -> list[list[tuple[int, float]]]:
        """Score the allowed vectors of an HNSW index exactly (narrow filters)."""
        if self._positions is None:
            stored = self._ids()
            rows = np.flatnonzero(stored != DEAD)
            order = np.argsort(stored[rows], kind="stable")
            self._positions = (stored[rows][order], rows[order])
        live_ids, live_rows = self._positions
        wanted = np.unique(wanted)
        at = np.clip(np.searchsorted(live_ids, wanted), 0, max(len(live_ids) - 1, 0))
        found = live_ids[at] == wanted if len(live_ids) else np.zeros(len(wanted), bool)
        rows, ids = live_rows[at[found]], wanted[found]
        if not len(rows):
            return [[] for _ in range(len(queries))]
        assert self._hnsw is not None
        storage = faiss.downcast_index(self._hnsw.storage)
        vectors = storage.reconstruct_batch(rows.astype(np.int64))
        scores = queries @ vectors.T
        out = []
        for row in scores:
            best = np.argsort(-row, kind="stable")[:k]
            out.append([(int(ids[b]), float(row[b])) for b in best])
        return out

    def on_gpu(self, backend: str = "auto", device: str = "cuda") -> TopK:
        """An exact GPU searcher over these vectors (FAISS-GPU, else PyTorch fp16): ``indexer.gpu_search``."""
        from indexer.gpu_search import gpu_top_k

        return gpu_top_k(self._index, backend=backend, device=device)

    def save(self, path: Path) -> None:
        """Write aside, then ``os.replace``: the file is either the old one or the new one."""
        tmp = path.with_name(path.name + ".tmp")
        faiss.write_index(self._index, str(tmp))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
