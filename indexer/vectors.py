"""The FAISS vector index: inner product over L2-normalised vectors, int64 ids = document ids."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import faiss
import numpy as np

if TYPE_CHECKING:
    from indexer.gpu_search import TopK

log = logging.getLogger(__name__)

# Past this many vectors an exact scan gets slow enough to switch to HNSW (approximate, ~0.95+ recall).
ANN_THRESHOLD = 200_000


class VectorIndex:
    """A FAISS index under document ids. Exact (flat) while small, HNSW past ``ANN_THRESHOLD``."""

    def __init__(self, dim: int, index: faiss.Index | None = None) -> None:
        self.dim = dim
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    @property
    def ntotal(self) -> int:
        return int(self._index.ntotal)

    @property
    def supports_removal(self) -> bool:
        """False for HNSW: FAISS cannot remove ids from it, so changes past the threshold mean a rebuild."""
        inner = self._index.index if isinstance(self._index, faiss.IndexIDMap2) else self._index
        return not isinstance(faiss.downcast_index(inner), faiss.IndexHNSW)

    @classmethod
    def load(cls, path: Path, dim: int) -> VectorIndex:
        index = faiss.read_index(str(path))
        if index.d != dim:
            raise ValueError(f"{path}: vectors have dimension {index.d}, manifest says {dim}")
        return cls(dim, index)

    @classmethod
    def build(cls, dim: int, ids: np.ndarray, vectors: np.ndarray) -> VectorIndex:
        """A fresh index over all vectors, of the kind their count calls for."""
        if len(ids) >= ANN_THRESHOLD:
            hnsw = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efSearch = 128
            index = faiss.IndexIDMap2(hnsw)
        else:
            index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        out = cls(dim, index)
        out.add(ids, vectors)
        return out

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )

    def remove(self, ids: Sequence[int]) -> None:
        if len(ids):
            self._index.remove_ids(np.asarray(list(ids), dtype=np.int64))  # type: ignore[arg-type]

    def search(
        self, query: np.ndarray, k: int, allowed_ids: Sequence[int] | None = None
    ) -> list[tuple[int, float]]:
        """Top-k (id, score) for one query vector, optionally only among ``allowed_ids``."""
        if self.ntotal == 0 or k <= 0:
            return []
        params = None
        if allowed_ids is not None:
            if not len(allowed_ids):
                return []
            selector = faiss.IDSelectorBatch(np.asarray(list(allowed_ids), dtype=np.int64))
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        scores, ids = self._index.search(q, min(k, self.ntotal), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

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
