"""A ``Searcher`` whose dense top-k runs on a GPU (setting ``device = "cuda"``).

Each generation's vectors are loaded as usual, then copied to the device once (``VectorIndex.on_gpu``:
FAISS-GPU when installed, else an fp16 matrix in PyTorch); queries then scan them exactly there, with the
same ids and order as the CPU index up to ties. Everything else is the plain ``Searcher``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from codesearch.errors import ConfigError
from codesearch.search import Searcher
from indexer.gpu_search import TopK
from indexer.local_read import VectorLoader
from indexer.store import Manifest
from indexer.store_read import DenseIndex
from indexer.vectors import VectorIndex

log = logging.getLogger(__name__)


class DeviceVectors:
    """A loaded ``VectorIndex`` answered by a GPU searcher (what ``Searcher`` needs of its vectors)."""

    def __init__(self, vectors: VectorIndex, searcher: TopK) -> None:
        self.dim = vectors.dim
        self._ntotal = vectors.live  # what a search can return (an HNSW index may hold tombstones)
        self._searcher = searcher

    @property
    def ntotal(self) -> int:
        return self._ntotal

    @property
    def live(self) -> int:
        return self._ntotal

    def search(
        self, query: np.ndarray, k: int, allowed_ids: Sequence[int] | None = None
    ) -> list[tuple[int, float]]:
        if self._ntotal == 0 or k <= 0:
            return []
        return self._searcher.search(query, k, allowed_ids)


def device_loader(device: str = "cuda", backend: str = "auto") -> VectorLoader:
    """A ``VectorLoader`` that copies each generation's vectors to ``device`` once, as they load."""

    def load(manifest: Manifest, vectors: VectorIndex) -> DenseIndex:
        log.info("moving %d vectors to %s", vectors.live, device)
        try:
            searcher = vectors.on_gpu(backend=backend, device=device)
        except (RuntimeError, ImportError) as exc:  # no CUDA, no FAISS-GPU, no torch: one line at this edge
            raise ConfigError(f"vector search on {device} is not available here: {exc}") from None
        return DeviceVectors(vectors, searcher)

    return load


class GpuSearcher(Searcher):
    """``Searcher`` with its vectors on ``device`` (``cuda``, ``cuda:1``; ``cpu`` runs the same code): a
    plain ``Searcher`` whose vector loader is ``device_loader``."""

    def __init__(self, *args: Any, device: str = "cuda", backend: str = "auto", **kwargs: Any) -> None:
        self.device, self.backend = device, backend
        super().__init__(*args, vector_loader=device_loader(device, backend), **kwargs)
