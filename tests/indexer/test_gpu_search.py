"""GPU vector search against real FAISS: the PyTorch top-k runs on CPU in CI; CUDA tests are ``gpu``."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.gpu_search import TorchTopK, flat_vectors, gpu_top_k
from indexer.vectors import VectorIndex

torch = pytest.importorskip("torch", reason="needs torch: the 'local' extra")


def _index(n: int = 3000, dim: int = 64, seed: int = 0, ann: bool = False) -> tuple[VectorIndex, np.ndarray]:
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = rng.choice(10 * n, size=n, replace=False).astype(np.int64)  # sparse, unordered document ids
    if ann:
        import faiss

        hnsw = faiss.IndexHNSWFlat(dim, 16, faiss.METRIC_INNER_PRODUCT)
        index = VectorIndex(dim, faiss.IndexIDMap2(hnsw))
        index.add(ids, vectors)
    else:
        index = VectorIndex.build(dim, ids, vectors)
    return index, vectors


def same_up_to_ties(expected: list[tuple[int, float]], got: list[tuple[int, float]], tol: float) -> None:
    """Scores agree rank by rank; ids agree except among scores within ``tol`` of each other."""
    assert len(expected) == len(got)
    np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], atol=tol)
    for rank, ((e_id, e_s), (g_id, _)) in enumerate(zip(expected, got, strict=True)):
        if e_id != g_id:
            tied = [i for i, s in expected if abs(s - e_s) <= 2 * tol]
            assert g_id in tied, f"rank {rank}: {g_id} is not tied with {e_id}"


@pytest.mark.parametrize("dtype,tol", [("float32", 1e-5), ("float16", 3e-3)])
def test_torch_top_k_equals_faiss(dtype: str, tol: float) -> None:
    index, _ = _index()
    ids, vectors = flat_vectors(index._index)
    searcher = TorchTopK(ids, vectors, device="cpu", dtype=dtype)
    assert searcher.ntotal == index.ntotal
    queries = np.random.default_rng(1).standard_normal((20, 64)).astype(np.float32)
    for q in queries:
        q /= np.linalg.norm(q)
        expected = index.search(q, 10)
        got = searcher.search(q, 10)
        if dtype == "float32":
            assert [i for i, _ in got] == [i for i, _ in expected]
        same_up_to_ties(expected, got, tol)


def test_torch_top_k_filters_batches_and_edges() -> None:
    index, vectors = _index(n=500)
    ids, flat = flat_vectors(index._index)
    searcher = TorchTopK(ids, flat, device="cpu", dtype="float32")
    q = vectors[7]
    allowed = [int(i) for i in ids[::5]] + [10**9]  # one id that is not in the index
    assert [i for i, _ in searcher.search(q, 5, allowed)] == [i for i, _ in index.search(q, 5, allowed)]
    assert searcher.search(q, 5, []) == []
    assert searcher.search(q, 0) == []
    assert len(searcher.search(q, 10_000)) == 500
    batch = searcher.search_batch(vectors[:3], 4)
    assert [row[0][0] for row in batch] == [int(i) for i in ids[:3]]  # each vector finds itself first


def test_hnsw_index_vectors_are_searched_exactly() -> None:
    index, vectors = _index(n=800, ann=True)
    ids, flat = flat_vectors(index._index)
    assert len(ids) == 800 and flat.shape == (800, 64)
    got = TorchTopK(ids, flat, device="cpu", dtype="float32").search(vectors[3], 10)
    exact = np.argsort(-(vectors @ vectors[3]), kind="stable")[:10]
    assert [i for i, _ in got] == [int(ids[j]) for j in exact]


def test_gpu_top_k_says_clearly_when_no_gpu_is_there() -> None:
    if torch.cuda.is_available():
        pytest.skip("a GPU is present: this checks the message on machines without one")
    index, _ = _index(n=10)
    with pytest.raises(RuntimeError, match="no GPU search available"):
        index.on_gpu()
    with pytest.raises(RuntimeError, match="no GPU support"):
        index.on_gpu(backend="faiss")


@pytest.mark.gpu
@pytest.mark.parametrize("backend", ["auto", "torch"])
def test_gpu_search_equals_cpu_index(backend: str) -> None:
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device: torch.cuda.is_available() is False")
    index, vectors = _index(n=20_000)
    searcher = index.on_gpu(backend=backend)
    for q in vectors[:20]:
        same_up_to_ties(index.search(q, 10), searcher.search(q, 10), 3e-3)
    allowed = list(range(0, 200_000, 3))
    same_up_to_ties(index.search(vectors[0], 10, allowed), searcher.search(vectors[0], 10, allowed), 3e-3)


def test_gpu_top_k_torch_backend_on_cpu_device() -> None:
    index, vectors = _index(n=200)
    searcher = gpu_top_k(index._index, backend="torch", device="cpu")
    assert searcher.search(vectors[0], 1)[0][0] == index.search(vectors[0], 1)[0][0]
