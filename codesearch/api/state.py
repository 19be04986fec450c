"""What one running API holds: the searcher (opened lazily), the query batcher, the index jobs."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool

from codesearch import assembly
from codesearch.api.batching import QueryBatcher
from codesearch.api.jobs import IndexJobs
from codesearch.api.pool import BatchedSearcher, SearcherPool, SharedVectors
from codesearch.embedding.base import Embedder
from codesearch.search import CANDIDATES, Searcher, SearchResult
from codesearch.settings import Settings
from codesearch.translate import detect_language
from indexer.pipeline import Progress

log = logging.getLogger(__name__)


def open_searchers(settings: Settings, workers: int) -> list[Searcher]:
    """``workers`` searchers over the settings' index that share one copy of its vectors, model loaded."""
    shared = SharedVectors()  # one copy of the vectors, however many workers

    def batched(index_dir: Path, embedder: Embedder | None, instructions: dict[str, str]) -> Searcher:
        return BatchedSearcher(index_dir, embedder, instructions=instructions, shared=shared)

    return assembly.open_searchers(settings, workers, batched)


class ApiState:
    """Shared by every request of one app."""

    def __init__(
        self,
        settings: Settings,
        searcher: Searcher | None,
        batch_window: float,
        workers: int,
        jobs_store: Path | None = None,
    ) -> None:
        self.settings = settings
        self.batch_window = batch_window
        self.workers = workers
        self.batcher: QueryBatcher | None = None
        self.pool: SearcherPool | None = None
        self._opening = asyncio.Lock()
        if searcher is not None:
            self._adopt([searcher])
        self.jobs = IndexJobs(self._reindex, jobs_store)

    @property
    def index_dir(self) -> Path:
        return self.pool.first.index_dir if self.pool is not None else self.settings.index_dir

    @property
    def tables_dir(self) -> Path:
        """Where the index's own tables are (symbols by id or location, the indexed roots): the index
        directory, or for Milvus the indexing machine's folder of it (``assembly.store_dir``)."""
        return assembly.store_dir(dataclasses.replace(self.settings, index_dir=self.index_dir))

    def _adopt(self, searchers: list[Searcher]) -> None:
        """Route the searchers' query embeddings (and dense scans) through the batcher; a search then gets
        its vector with its ``Query``."""
        first = searchers[0]
        inner = first.embedder
        if inner is not None and len(getattr(inner, "part_names", ())) < 2:  # a composite weighs per query
            self.batcher = QueryBatcher(inner, dense=first.dense_batch, window=self.batch_window)
        self.pool = SearcherPool(searchers)

    def query_embedder(self) -> Embedder | None:
        """The model, once the searchers are open."""
        return self.pool.first.embedder if self.pool is not None else None

    async def open(self) -> SearcherPool:
        """The searchers, opened on first use (and again after a missing index appears)."""
        if self.pool is not None:
            return self.pool
        async with self._opening:
            if self.pool is None:
                self._adopt(await run_in_threadpool(open_searchers, self.settings, self.workers))
        assert self.pool is not None
        return self.pool

    async def searcher(self) -> Searcher:
        return (await self.open()).first

    async def search(self, query: str, k: int, mode: str, filters: dict[str, Any]) -> SearchResult:
        """``Searcher.search`` with the query vector (and dense ranking) from the batcher, off the loop."""
        pool = await self.open()
        if not query.strip():
            analysed = None
        elif detect_language(query):  # a dictionary lookup (the first one loads it): off the loop
            analysed = await run_in_threadpool(pool.first.analyse, query)
        else:
            analysed = pool.first.analyse(query)
        if analysed is not None and mode != "lexical" and self.batcher is not None:
            instruction = pool.first.instructions[analysed.type]
            unfiltered = not any(filters.values())
            depth = max(CANDIDATES, 5 * k) if unfiltered else 0
            vector, ranking = await self.batcher.embed(analysed.text, instruction, depth)
            analysed = analysed.with_vector(vector, ranking, depth)
        async with pool.acquire() as searcher:
            return await run_in_threadpool(
                searcher.search, analysed if analysed is not None else query, k=k, mode=mode, **filters
            )

    def _reindex(self, roots: list[Path], progress: Progress) -> dict[str, Any]:
        settings = dataclasses.replace(self.settings, index_dir=self.index_dir)
        model = assembly.index_own_model(settings, assembly.require_manifest(settings), self.query_embedder())
        report = assembly.reindex(settings, roots, progress, model=model)
        english_fill = assembly.after_index(settings, report.missing_parts, model.embedder)
        return {**dataclasses.asdict(report), "english_fill": english_fill}

    def close(self) -> None:
        if self.batcher is not None:
            self.batcher.close()
        self.jobs.close()
