"""What one running API holds: the searcher (opened lazily), the query batcher, the index jobs."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool

from codesearch.api.batching import PrecomputedQueries, QueryBatcher
from codesearch.api.jobs import IndexJobs
from codesearch.embedding.base import Embedder
from codesearch.errors import IndexNotFoundError
from codesearch.search import Searcher, SearchResult
from codesearch.settings import Settings
from indexer.pipeline import Progress

log = logging.getLogger(__name__)

# the shape Searcher reads as an identifier query (codesearch.search._IDENTIFIER; a mismatch costs only a
# direct, unbatched embedding, which the tests would notice)
_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*(?:(?:\.|::|#)[A-Za-z_$][\w$]*)*$")


def model_embedder(settings: Settings) -> Embedder | None:
    """The embedder the index at ``settings.index_dir`` was built with (the settings' model when none)."""
    from codesearch.cli import _embedder
    from indexer.store import Manifest

    manifest = Manifest.read(settings.index_dir)
    if manifest is None:
        return _embedder(settings)  # type: ignore[no-any-return]
    if settings.dim is None and manifest.dim and manifest.model != "none":
        settings = dataclasses.replace(settings, dim=manifest.dim)
    return _embedder(settings, manifest.model) if manifest.vectors_file else None  # type: ignore[no-any-return]


class ApiState:
    """Shared by every request of one app."""

    def __init__(self, settings: Settings, searcher: Searcher | None, batch_window: float) -> None:
        self.settings = settings
        self.batch_window = batch_window
        self.batcher: QueryBatcher | None = None
        self._searcher: Searcher | None = None
        self._opening = asyncio.Lock()
        if searcher is not None:
            self._adopt(searcher)
        self.jobs = IndexJobs(self._reindex)

    @property
    def index_dir(self) -> Path:
        return self._searcher.index_dir if self._searcher is not None else self.settings.index_dir

    def _adopt(self, searcher: Searcher) -> None:
        """Route the searcher's query embeddings through the batcher (documents are untouched)."""
        embedder = searcher.embedder
        if embedder is not None and not isinstance(embedder, PrecomputedQueries):
            searcher.embedder = PrecomputedQueries(embedder)
        if isinstance(searcher.embedder, PrecomputedQueries):
            self.batcher = QueryBatcher(searcher.embedder.inner, window=self.batch_window)
        self._searcher = searcher

    def query_embedder(self) -> Embedder | None:
        """The model itself (not the wrapper), once a searcher is open."""
        embedder = self._searcher.embedder if self._searcher is not None else None
        return embedder.inner if isinstance(embedder, PrecomputedQueries) else embedder

    async def searcher(self) -> Searcher:
        """The searcher, opened on first use (and again after a missing index appears)."""
        if self._searcher is not None:
            return self._searcher
        async with self._opening:
            if self._searcher is None:
                from codesearch.cli_commands import open_searcher

                searcher = await run_in_threadpool(open_searcher, self.settings, None)
                if searcher.embedder is not None:
                    await run_in_threadpool(searcher.embedder.load)
                self._adopt(searcher)
        assert self._searcher is not None
        return self._searcher

    async def search(self, query: str, k: int, mode: str, filters: dict[str, Any]) -> SearchResult:
        """``Searcher.search`` with the query vector from the batcher, off the event loop."""
        searcher = await self.searcher()
        query = query.strip()
        vector, instruction = None, ""
        wrapper = searcher.embedder
        if (
            query
            and mode != "lexical"
            and self.batcher is not None
            and isinstance(wrapper, PrecomputedQueries)
        ):
            instruction = searcher.instructions["identifier" if _IDENTIFIER.match(query) else "text"]
            vector = await self.batcher.embed(query, instruction)

        def run() -> SearchResult:
            if isinstance(wrapper, PrecomputedQueries):
                wrapper.set_vector(query, instruction, vector)
            try:
                return searcher.search(query, k=k, mode=mode, **filters)
            finally:
                if isinstance(wrapper, PrecomputedQueries):
                    wrapper.set_vector(query, instruction, None)

        return await run_in_threadpool(run)

    def _reindex(self, roots: list[Path], progress: Progress) -> dict[str, Any]:
        from indexer.pipeline import index_paths
        from indexer.store import Manifest

        manifest = Manifest.read(self.index_dir)
        if manifest is None:
            raise IndexNotFoundError(f"no index at {self.index_dir}: run `codesearch index PATH` first")
        embedder = self.query_embedder() or model_embedder(self.settings)
        report = index_paths(
            roots,
            index_dir=self.index_dir,
            embedder=embedder if manifest.vectors_file else None,
            model=manifest.model,
            max_file_size=self.settings.max_file_size,
            ignore=self.settings.ignore,
            progress=progress,
        )
        return dataclasses.asdict(report)

    def close(self) -> None:
        if self.batcher is not None:
            self.batcher.close()
        self.jobs.close()
