"""Searchers for a server under load: dense scans shared by a batch, several searches at once.

A ``Searcher`` runs one SQLite statement at a time (one connection). The server opens a few
``BatchedSearcher``s (one per core) so lexical and metadata work run in parallel, and the batcher scans
the vectors once for a whole batch of unfiltered queries (one matrix product instead of one pass over
every vector per query: the exact scan is bound by memory bandwidth). Each search then gets its query's
vector and dense ranking with its ``Query`` instead of embedding and scanning again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from codesearch.search import Searcher
from indexer.lexical_ranker import LexicalRanker
from indexer.store import Manifest
from indexer.store_read import DenseIndex
from indexer.vectors import VectorIndex

log = logging.getLogger(__name__)

Ranking = list[tuple[int, float]]


class SharedVectors:
    """One copy of a generation's vectors and of its lexical ranker (with its in-memory postings) for every
    searcher of a pool: FAISS searches may share an index, and the ranker takes each searcher's connection.
    Hand ``vectors`` and ``ranker`` to each ``Searcher`` as its ``vector_loader`` and ``ranker_factory``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: tuple[tuple[str, int], Any] | None = None
        self._ranker: tuple[int, LexicalRanker] | None = None

    def ranker(self, manifest: Manifest) -> LexicalRanker:
        """The ranker of the manifest's generation, made by the first searcher to ask."""
        with self._lock:
            if self._ranker is None or self._ranker[0] != manifest.generation:
                self._ranker = (manifest.generation, LexicalRanker())
            return self._ranker[1]

    def vectors(self, manifest: Manifest, vectors: VectorIndex) -> DenseIndex:
        """The copy already held for the manifest's vectors (the one just loaded is dropped), else ``vectors``."""
        return self.share((str(manifest.vectors_file), manifest.generation), vectors)  # type: ignore[no-any-return]

    def share(self, key: tuple[str, int], vectors: Any) -> Any:
        """The copy already held for ``key`` (the one just loaded is dropped), else ``vectors``."""
        with self._lock:
            if self._current is not None and self._current[0] == key:
                return self._current[1]
            self._current = (key, vectors)  # a new generation: the old copy goes when its readers do
            return vectors


class BatchedSearcher(Searcher):
    """A ``Searcher`` of a pool: the pool's ``SharedVectors`` are its vector loader and ranker factory.
    Its query's vector and dense ranking come with the ``Query`` (``Searcher.analyse``, ``Query.with_vector``)."""

    def __init__(self, *args: Any, shared: SharedVectors | None = None, **kwargs: Any) -> None:
        if shared is not None:
            kwargs.setdefault("vector_loader", shared.vectors)
            kwargs.setdefault("ranker_factory", shared.ranker)
        super().__init__(*args, **kwargs)


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
