"""``VectorIndex`` on real FAISS: HNSW removals as tombstones, their persistence, filters and batches."""

from __future__ import annotations

import numpy as np
import pytest

from indexer import vectors as vectors_module
from indexer.gpu_search import flat_vectors
from indexer.vectors import MAX_DEAD_FRACTION, VectorIndex

N, DIM = 400, 32


def _unit(rows: int, dim: int = DIM, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


@pytest.fixture
def hnsw(monkeypatch) -> tuple[VectorIndex, np.ndarray, np.ndarray]:
    """An HNSW index over N random unit vectors under sparse document ids."""
    monkeypatch.setattr(vectors_module, "ANN_THRESHOLD", 100)
    vectors = _unit(N)
    ids = np.arange(N, dtype=np.int64) * 3 + 7
    index = VectorIndex.build(DIM, ids, vectors)
    assert index.approximate and index.live == index.ntotal == N and index.dead == 0
    return index, ids, vectors


def test_small_indexes_are_exact_and_large_ones_hnsw() -> None:
    index = VectorIndex.build(DIM, np.arange(10, dtype=np.int64), _unit(10))
    assert not index.approximate and vectors_module.ANN_THRESHOLD == 50_000
    index.remove([3])
    assert index.ntotal == index.live == 9 and index.dead == 0  # a flat index drops ids for good


def test_removed_ids_are_tombstones_never_returned_and_k_hits_stay_full(hnsw) -> None:
    index, ids, vectors = hnsw
    gone = ids[::4]  # a quarter, each the nearest neighbour of its own vector
    index.remove(list(gone) + [999_999])  # an id never stored is ignored
    assert index.dead == len(gone) and index.live == N - len(gone) and index.ntotal == N
    index.remove(list(gone[:5]))  # removing twice counts once
    assert index.dead == len(gone)
    for row in range(0, N, 8):
        hits = index.search(vectors[row], 10)
        assert len(hits) == 10 and not set(i for i, _ in hits) & set(gone) and all(i >= 0 for i, _ in hits)
    everything = index.search(vectors[0], N)
    assert {i for i, _ in everything} <= set(ids) - set(gone) and len(everything) >= 0.95 * index.live


def test_tombstones_survive_save_and_load(hnsw, tmp_path) -> None:
    index, ids, vectors = hnsw
    index.remove(list(ids[:50]))
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss", DIM)
    assert loaded.approximate and loaded.dead == 50 and loaded.live == N - 50
    assert loaded._hnsw.hnsw.efSearch == vectors_module.HNSW_EF_SEARCH
    for row in range(0, 50, 5):
        hits = loaded.search(vectors[row], 10)
        assert len(hits) == 10 and not {i for i, _ in hits} & set(ids[:50])
    assert loaded.search(vectors[60], 1)[0][0] == ids[60]
    with pytest.raises(RuntimeError):  # IndexIDMap2's reverse map no longer knows a removed id
        loaded._index.reconstruct(int(ids[0]))


def test_search_batch_skips_tombstones_and_agrees_with_search(hnsw) -> None:
    index, ids, vectors = hnsw
    index.remove(list(ids[:100]))
    batch = index.search_batch(vectors[:20], 10)
    assert len(batch) == 20
    for row, hits in enumerate(batch):
        assert len(hits) == 10 and not {i for i, _ in hits} & set(ids[:100])
        assert hits == index.search(vectors[row], 10)
    assert index.search_batch(vectors[:3], 0) == [[], [], []]


def test_allowed_ids_filters_an_hnsw_index_with_tombstones(hnsw, monkeypatch) -> None:
    index, ids, vectors = hnsw
    index.remove(list(ids[:10]))
    narrow = list(ids[:20])  # half of them removed: an exact score of the other half
    hits = index.search(vectors[15], 5, allowed_ids=narrow)
    assert [i for i, _ in hits][0] == ids[15] and {i for i, _ in hits} <= set(ids[10:20]) and len(hits) == 5
    assert index.search(vectors[0], 5, allowed_ids=list(ids[:10])) == []
    scores = vectors[10:20] @ vectors[15]
    np.testing.assert_allclose([s for _, s in hits], np.sort(scores)[::-1][:5], rtol=1e-5)
    wide = list(ids[:200])  # past EXACT_FILTER_FRACTION: the graph search with a batch selector
    hits = index.search(vectors[150], 10, allowed_ids=wide)
    assert hits[0][0] == ids[150] and len(hits) == 10 and {i for i, _ in hits} <= set(ids[10:200])
    monkeypatch.setattr(vectors_module, "EXACT_FILTER_FRACTION", 0.0)  # the selector path on a narrow filter
    hits = index.search(vectors[15], 5, allowed_ids=narrow)
    assert hits[0][0] == ids[15] and {i for i, _ in hits} <= set(ids[10:20])


def test_needs_rebuild_past_a_quarter_dead_and_adds_keep_working(hnsw) -> None:
    index, ids, vectors = hnsw
    quarter = int(MAX_DEAD_FRACTION * N)
    index.remove(list(ids[:quarter]))
    assert index.dead == quarter and not index.needs_rebuild
    index.remove([int(ids[quarter])])
    assert index.needs_rebuild and not index.too_many_dead(adding=N)
    fresh = _unit(5, seed=1)
    index.add(np.array([10_001, 10_002, 10_003, 10_004, 10_005], dtype=np.int64), fresh)
    assert index.live == N - quarter - 1 + 5 and index.ntotal == N + 5
    assert index.search(fresh[2], 1)[0][0] == 10_003
    index.remove([10_003])
    assert 10_003 not in {i for i, _ in index.search(fresh[2], 10)}
    index.add(np.array([10_003], dtype=np.int64), fresh[2:3])  # an id removed, then written again
    assert index.search(fresh[2], 1)[0][0] == 10_003 and index._index.reconstruct(10_003) == pytest.approx(
        fresh[2]
    )


def test_gpu_vectors_leave_tombstones_out(hnsw) -> None:
    index, ids, vectors = hnsw
    index.remove(list(ids[:30]))
    got_ids, got = flat_vectors(index._index)
    assert len(got_ids) == len(got) == index.live and set(got_ids) == set(ids[30:])
    np.testing.assert_allclose(got[got_ids == ids[40]][0], vectors[40])


@pytest.mark.parametrize("kind", ["flat", "hnsw"])
def test_a_mapped_index_searches_as_the_loaded_one_and_refuses_changes(kind, hnsw, tmp_path) -> None:
    if kind == "hnsw":
        index, ids, vectors = hnsw
        index.remove(list(ids[:20]))
    else:
        vectors, ids = _unit(N), np.arange(N, dtype=np.int64) * 5
        index = VectorIndex.build(DIM, ids, vectors)
    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss", DIM)
    mapped = VectorIndex.load(tmp_path / "v.faiss", DIM, mapped=True)
    assert vectors_module.MAP_FLAG, "faiss >= 1.11 maps a flat index's vectors: this one cannot"
    assert mapped.read_only and not loaded.read_only
    assert (mapped.approximate, mapped.live, mapped.dead) == (loaded.approximate, loaded.live, loaded.dead)
    assert mapped.search_batch(vectors[:30], 10) == loaded.search_batch(vectors[:30], 10)
    allowed = list(ids[20:40])
    assert mapped.search(vectors[25], 5, allowed) == loaded.search(vectors[25], 5, allowed)
    got_ids, got = flat_vectors(mapped._index)  # what a GPU searcher copies
    want_ids, want = flat_vectors(loaded._index)
    assert np.array_equal(got_ids, want_ids) and np.array_equal(got, want)
    # FAISS aborts the whole process on a change to mapped vectors: the index refuses with an error instead
    with pytest.raises(RuntimeError, match="mapped"):
        mapped.add(np.array([10**6], dtype=np.int64), vectors[:1])
    with pytest.raises(RuntimeError, match="mapped"):
        mapped.remove([int(ids[30])])
    assert mapped.search(vectors[30], 1)[0][0] == ids[30]


def test_a_mapped_index_keeps_searching_after_its_file_is_replaced_and_unlinked(tmp_path) -> None:
    """A writer saves the next generation aside and unlinks the old file: a reader's mapping stays whole."""
    vectors, ids = _unit(N), np.arange(N, dtype=np.int64)
    VectorIndex.build(DIM, ids, vectors).save(tmp_path / "v.1.faiss")
    mapped = VectorIndex.load(tmp_path / "v.1.faiss", DIM, mapped=True)
    before = mapped.search_batch(vectors[:20], 10)
    VectorIndex.build(DIM, ids[:10], _unit(10, seed=9)).save(tmp_path / "v.1.faiss")  # os.replace onto it
    (tmp_path / "v.1.faiss").unlink()
    assert mapped.search_batch(vectors[:20], 10) == before


def test_where_faiss_cannot_map_a_reader_reads_the_file_and_may_change_it(tmp_path, monkeypatch) -> None:
    """faiss before 1.11 has no ``IO_FLAG_MMAP_IFC``: ``MAP_FLAG`` is 0 and ``mapped=True`` reads as before."""
    monkeypatch.setattr(vectors_module, "MAP_FLAG", 0)
    vectors, ids = _unit(N), np.arange(N, dtype=np.int64)
    VectorIndex.build(DIM, ids, vectors).save(tmp_path / "v.faiss")
    index = VectorIndex.load(tmp_path / "v.faiss", DIM, mapped=True)
    assert not index.read_only
    index.remove([0])
    assert index.live == N - 1 and index.search(vectors[0], 1)[0][0] != 0
