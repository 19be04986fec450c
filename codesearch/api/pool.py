"""Searchers for a server under load: dense scans shared by a batch, several searches at once.

A ``Searcher`` runs one query at a time (one lock, one SQLite connection). The server opens a few
``BatchedSearcher``s (one per core) so lexical and metadata work run in parallel, and the batcher scans
the vectors once for a whole batch of unfiltered queries (one matrix product instead of one pass over
every vector per query: the exact scan is bound by memory bandwidth). Each searcher then takes its
query's precomputed dense ranking from a thread-local instead of scanning again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import numpy as np

from codesearch.lexical_ranker import LexicalRanker
from codesearch.search import Searcher
from indexer.store import Manifest

log = logging.getLogger(__name__)

Ranking = list[tuple[int, float]]


class SharedVectors:
    """One copy of a generation's vectors and of its lexical ranker (with its in-memory postings) for every
    searcher of a pool: FAISS searches may share an index, and the ranker takes each searcher's connection."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: tuple[tuple[str, int], Any] | None = None
        self._ranker: tuple[int, LexicalRanker] | None = None

    def ranker(self, generation: int) -> LexicalRanker:
        """The ranker of ``generation``, made by the first searcher to ask."""
        with self._lock:
            if self._ranker is None or self._ranker[0] != generation:
                self._ranker = (generation, LexicalRanker())
            return self._ranker[1]

    def share(self, key: tuple[str, int], vectors: Any) -> Any:
        """The copy already held for ``key`` (the one just loaded is dropped), else ``vectors``."""
        with self._lock:
            if self._current is not None and self._current[0] == key:
                return self._current[1]
            self._current = (key, vectors)  # a new generation: the old copy goes when its readers do
            return vectors


class BatchedSearcher(Searcher):
    """A ``Searcher`` whose dense ranking for the current thread's query may be computed beforehand."""

    def __init__(self, *args: Any, shared: SharedVectors | None = None, **kwargs: Any) -> None:
        self._precomputed = threading.local()
        self._shared = shared
        super().__init__(*args, **kwargs)
        self.scans_skipped = 0  # queries answered from a batch scan (the tests watch it)

    def set_dense(self, query: str, query_type: str, ranking: Ranking | None, depth: int = 0) -> None:
        """The dense ranking of ``query`` (embedded as ``query_type``) on this thread: its top ``depth``
        (fewer when the index is smaller)."""
        self._precomputed.entry = None if ranking is None else (query, query_type, depth, ranking)

    def _load_generation(self, *args: Any, **kwargs: Any) -> Any:
        loaded = super()._load_generation(*args, **kwargs)
        if loaded is None:
            return None
        manifest, vectors, db = loaded
        if self._shared is not None and vectors is not None:
            vectors = self._shared.share((str(manifest.vectors_file), manifest.generation), vectors)
        return manifest, vectors, db

    def _new_ranker(self, manifest: Manifest) -> LexicalRanker:
        if self._shared is None:
            return super()._new_ranker(manifest)
        return self._shared.ranker(manifest.generation)

    def _dense(
        self,
        query: str,
        depth: int,
        allowed: list[int] | None,
        query_type: str = "text",
        part_weights: Sequence[float] | None = None,
    ) -> list[tuple[int, float]]:
        entry = getattr(self._precomputed, "entry", None)
        if (
            entry is not None
            and allowed is None
            and part_weights is None
            and entry[:2] == (query, query_type)
            and entry[2] >= depth
        ):
            self.scans_skipped += 1
            return list(entry[3][:depth])
        return super()._dense(query, depth, allowed, query_type, part_weights)

    def dense_batch(self, vectors: np.ndarray, depth: int) -> list[Ranking] | None:
        """The top ``depth`` (id, score) of every row of ``vectors`` in one scan (None: no vectors)."""
        self._reload()
        index = self._vectors
        if index is None or index.live == 0:
            return None
        return index.search_batch(np.ascontiguousarray(vectors, dtype=np.float32), depth)


class SearcherPool:
    """Hands out searchers one request at a time (``async with pool.acquire() as searcher``)."""

    def __init__(self, searchers: Sequence[Searcher]) -> None:
        self.searchers = list(searchers)
        self._free: asyncio.Queue[Searcher] | None = None

    @property
    def first(self) -> Searcher:
        return self.searchers[0]

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Searcher]:
        if self._free is None:  # made on the running loop
            self._free = asyncio.Queue()
            for searcher in self.searchers:
                self._free.put_nowait(searcher)
        searcher = await self._free.get()
        try:
            yield searcher
        finally:
            self._free.put_nowait(searcher)

    def close(self) -> None:
        for searcher in self.searchers:
            searcher.close()
