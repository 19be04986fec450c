"""Exact inner-product top-k on a GPU: FAISS-GPU when that build is installed, else PyTorch (fp16).

Both answer like ``VectorIndex.search`` (same ids, same order up to ties and fp16 rounding) over the
vectors of an exact (flat) ``VectorIndex``. FAISS-GPU (``faiss.StandardGpuResources`` +
``index_cpu_to_gpu``) stores the vectors as fp16 (``useFloat16``); the PyTorch path keeps an fp16 matrix on
the device and takes ``topk`` of one matrix-vector product. The PyTorch path also runs on ``device="cpu"``
(fp32 or fp16), which is how CI checks it against FAISS without a GPU.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

log = logging.getLogger(__name__)


class TopK(Protocol):
    """What the searchers here share with ``VectorIndex``."""

    def search(
        self, query: np.ndarray, k: int, allowed_ids: Sequence[int] | None = None
    ) -> list[tuple[int, float]]: ...


def faiss_gpu_available() -> bool:
    """Whether the installed FAISS is a GPU build and sees a GPU."""
    if importlib.util.find_spec("faiss") is None:
        return False
    import faiss

    return hasattr(faiss, "StandardGpuResources") and faiss.get_num_gpus() > 0


def torch_cuda_available() -> bool:
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())


def flat_vectors(index: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(ids, vectors)`` of a ``VectorIndex``'s FAISS index: ``IndexIDMap2`` over a flat index, or over
    HNSW, whose vectors are stored flat (on a GPU an exact scan is fast enough to replace the graph).
    Tombstones (id -1) are left out."""
    import faiss

    inner = faiss.downcast_index(index.index) if hasattr(index, "id_map") else index  # type: ignore[attr-defined]
    if isinstance(inner, faiss.IndexHNSW):
        inner = faiss.downcast_index(inner.storage)
    if not isinstance(inner, faiss.IndexFlat):
        raise TypeError(f"GPU search needs an exact (flat) index, not {type(inner).__name__}")
    ids = faiss.vector_to_array(index.id_map).astype(np.int64) if hasattr(index, "id_map") else None
    vectors = inner.reconstruct_n(0, inner.ntotal) if inner.ntotal else np.zeros((0, inner.d), np.float32)
    if ids is None:
        ids = np.arange(inner.ntotal, dtype=np.int64)
    live = ids >= 0  # -1: a document removed from an HNSW index (a tombstone, ``VectorIndex.remove``)
    if not live.all():
        ids, vectors = ids[live], vectors[live]
    return ids, np.ascontiguousarray(vectors, dtype=np.float32)


class _Positions:
    """Document ids <-> row positions, for ``allowed_ids`` filters."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self._order = np.argsort(self.ids, kind="stable")
        self._sorted = self.ids[self._order]

    def rows(self, allowed_ids: Sequence[int]) -> np.ndarray:
        wanted = np.asarray(list(allowed_ids), dtype=np.int64)
        at = np.searchsorted(self._sorted, wanted)
        at = np.clip(at, 0, max(len(self._sorted) - 1, 0))
        found = self._sorted[at] == wanted if len(self._sorted) else np.zeros(len(wanted), bool)
        return np.unique(self._order[at[found]])


class TorchTopK:
    """Vectors as one matrix on ``device`` (fp16 by default); top-k of ``matrix @ query``."""

    def __init__(self, ids: np.ndarray, vectors: np.ndarray, *, device: str = "cuda", dtype: str = "float16"):
        import torch

        self.torch: Any = torch
        self.device = device
        self.dtype: Any = getattr(torch, dtype)
        self._positions = _Positions(ids)
        self._ids = torch.as_tensor(self._positions.ids)
        self.matrix = torch.as_tensor(np.ascontiguousarray(vectors, dtype=np.float32)).to(device, self.dtype)

    @classmethod
    def from_tensor(cls, ids: np.ndarray, matrix: Any) -> TorchTopK:
        """Over a matrix already on its device (benchmarks: 5M vectors never touch host memory)."""
        import torch

        out = cls.__new__(cls)
        out.torch, out.device, out.dtype, out.matrix = torch, str(matrix.device), matrix.dtype, matrix
        out._positions = _Positions(ids)
        out._ids = torch.as_tensor(out._positions.ids)
        return out

    @property
    def ntotal(self) -> int:
        return int(self.matrix.shape[0])

    def search(
        self, query: np.ndarray, k: int, allowed_ids: Sequence[int] | None = None
    ) -> list[tuple[int, float]]:
        return self.search_batch(np.asarray(query).reshape(1, -1), k, allowed_ids)[0]

    def search_batch(
        self, queries: np.ndarray, k: int, allowed_ids: Sequence[int] | None = None
    ) -> list[list[tuple[int, float]]]:
        """Top-k (id, score) per query row, best first."""
        torch = self.torch
        if self.ntotal == 0 or k <= 0:
            return [[] for _ in range(len(queries))]
        matrix, ids = self.matrix, self._ids
        if allowed_ids is not None:
            rows = self._positions.rows(allowed_ids)
            if not len(rows):
                return [[] for _ in range(len(queries))]
            index = torch.as_tensor(rows, device=self.device)
            matrix, ids = matrix.index_select(0, index), ids[torch.as_tensor(rows)]
        q = torch.as_tensor(np.ascontiguousarray(queries, dtype=np.float32)).to(self.device, self.dtype)
        with torch.inference_mode():
            scores = (q @ matrix.T).float()
            top = torch.topk(scores, min(k, matrix.shape[0]), dim=1)
        values, positions = top.values.cpu().numpy(), top.indices.cpu().numpy()
        ids_np = ids.numpy()
        return [
            [(int(ids_np[p]), float(s)) for p, s in zip(row_pos, row_val, strict=True)]
            for row_pos, row_val in zip(positions, values, strict=True)
        ]


class FaissGpuTopK:
    """The flat index copied to the GPU with ``index_cpu_to_gpu`` (fp16 storage)."""

    def __init__(self, ids: np.ndarray, vectors: np.ndarray, *, device: int = 0, float16: bool = True):
        import faiss

        self.resources = faiss.StandardGpuResources()  # type: ignore[attr-defined]
        options = faiss.GpuClonerOptions()  # type: ignore[attr-defined]
        options.useFloat16 = float16
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(np.ascontiguousarray(vectors, dtype=np.float32))  # type: ignore[call-arg]
        self.index = faiss.index_cpu_to_gpu(self.resources, device, flat, options)  # type: ignore[attr-defined]
        self._positions = _Positions(ids)

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    def search(
        self, query: np.ndarray, k: int, allowed_ids: Sequence[int] | None = None
    ) -> list[tuple[int, float]]:
        if self.ntotal == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(np.asarray(query).reshape(1, -1), dtype=np.float32)
        ids = self._positions.ids
        if allowed_ids is None:
            scores, rows = self.index.search(q, min(k, self.ntotal))  # type: ignore[call-arg]
            return [(int(ids[r]), float(s)) for r, s in zip(rows[0], scores[0], strict=True) if r >= 0]
        # GPU indexes take no ID selector: score the allowed rows exactly on the host (filters are small)
        rows = self._positions.rows(allowed_ids)
        if not len(rows):
            return []
        vectors = self.index.reconstruct_batch(rows)  # type: ignore[attr-defined]
        scores = vectors @ q[0]
        best = np.argsort(-scores, kind="stable")[:k]
        return [(int(ids[rows[b]]), float(scores[b])) for b in best]


def gpu_top_k(index: Any, *, backend: str = "auto", device: str = "cuda") -> TopK:
    """A GPU searcher over a flat index: ``faiss`` (a FAISS-GPU build), ``torch``, or ``auto`` (the first
    that can run). Raises ``RuntimeError`` when neither can."""
    ids, vectors = flat_vectors(index)
    if backend in ("auto", "faiss") and faiss_gpu_available():
        log.info("vector search on the GPU with FAISS (%d vectors, fp16)", len(ids))
        return FaissGpuTopK(ids, vectors)
    if backend == "faiss":
        raise RuntimeError("this FAISS build has no GPU support (pip install faiss-gpu-cu12)")
    if backend == "torch" or torch_cuda_available():
        log.info("vector search on %s with PyTorch (%d vectors, fp16)", device, len(ids))
        return TorchTopK(ids, vectors, device=device)
    raise RuntimeError("no GPU search available: needs a FAISS-GPU build or PyTorch with CUDA")
