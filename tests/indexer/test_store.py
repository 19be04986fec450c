"""The index store: manifest, SQLite schema, embedding cache, generations, FAISS vectors, writer lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from codesearch.errors import IndexIOError, IndexLockedError, IndexNotFoundError, ModelMismatchError
from indexer.schema import SCHEMA_VERSION
from indexer.store import (
    EmbeddingCache,
    Manifest,
    check_model,
    commit_generation,
    connect,
    get_meta,
    rebuild_vectors,
    set_meta,
    writer_lock,
)
from indexer.vectors import VectorIndex


def _unit(rows: int, dim: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _add_document(db, content_hash: str) -> int:
    db.execute("INSERT OR IGNORE INTO repos (id, name, root) VALUES (1, 'r', '/r')")
    db.execute(
        "INSERT OR IGNORE INTO files (id, repo_id, path, language, size, mtime_ns, content_hash) "
        "VALUES (1, 1, 'a.py', 'python', 1, 1, 'h')"
    )
    return db.execute(
        "INSERT INTO documents (file_id, kind, name, qualified_name, signature, doc, code, start_line, "
        "end_line, content_hash) VALUES (1, 'function', 'f', 'f', '', '', '', 1, 1, ?)",
        (content_hash,),
    ).lastrowid


def test_manifest_round_trip_and_unreadable(tmp_path) -> None:
    assert Manifest.read(tmp_path) is None
    m = Manifest(SCHEMA_VERSION, "use", "fp", 8, 3, "vectors.3.faiss", 1.5, 10)
    m.write(tmp_path)
    assert Manifest.read(tmp_path) == m
    assert not list(tmp_path.glob("*.tmp"))
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(IndexIOError, match="--rebuild"):
        Manifest.read(tmp_path)
    (tmp_path / "manifest.json").write_text('{"schema_version": 99, "shiny_new_field": 1}')
    with pytest.raises(IndexIOError, match="another version"):
        Manifest.read(tmp_path)


def test_connect_migrates_once_and_readonly_needs_an_index(tmp_path) -> None:
    with pytest.raises(IndexNotFoundError, match="codesearch index"):
        connect(tmp_path, readonly=True)
    db = connect(tmp_path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with db:
        set_meta(db, "generation", "4")
    db.close()
    db = connect(tmp_path)  # a second open does not re-run migrations (they would fail on existing tables)
    assert get_meta(db, "generation") == "4" and get_meta(db, "absent", "d") == "d"
    db.close()
    ro = connect(tmp_path, readonly=True)
    assert get_meta(ro, "generation") == "4"
    ro.close()


def test_embedding_cache_dedupes_and_keys_by_fingerprint(tmp_path) -> None:
    db = connect(tmp_path)
    cache = EmbeddingCache(db, "model-a", 4)
    assert cache.missing(["x", "y", "x"]) == ["x", "y"]
    vecs = _unit(2, 4)
    cache.put(["x", "y"], vecs)
    assert cache.missing(["x", "z", "y"]) == ["z"]
    got = cache.get(["y", "x", "y", "unknown"])
    # stored as float16: equal to ~1e-3
    assert all(np.allclose(got[i], vecs[j], atol=2e-3) for i, j in [(0, 1), (1, 0), (2, 1)])
    assert not got[3].any()
    assert EmbeddingCache(db, "model-b", 4).missing(["x"]) == ["x"]  # another model's vectors do not count
    many = [f"h{i}" for i in range(1200)]  # more than one SQL chunk
    cache.put(many, _unit(1200, 4, seed=1))
    assert cache.missing(many + ["new"]) == ["new"]
    db.close()


def test_rebuild_vectors_maps_document_ids_to_cached_vectors(tmp_path) -> None:
    db = connect(tmp_path)
    cache = EmbeddingCache(db, "fp", 8)
    vecs = _unit(3, 8)
    cache.put(["a", "b", "c"], vecs)
    with db:
        ids = [_add_document(db, h) for h in ("c", "a", "a")]
    index = rebuild_vectors(db, "fp", 8)
    assert index.ntotal == 3
    top = index.search(vecs[2], 1)
    assert top[0][0] == ids[0] and top[0][1] == pytest.approx(1.0, abs=2e-3)
    assert {i for i, _ in index.search(vecs[0], 2)} == {ids[1], ids[2]}
    assert rebuild_vectors(db, "other", 8).ntotal == 0
    db.close()


def test_commit_generation_writes_vectors_then_manifest_and_drops_old_files(tmp_path) -> None:
    db = connect(tmp_path)
    vectors = VectorIndex.build(4, np.array([1, 2], dtype=np.int64), _unit(2, 4))
    m1 = commit_generation(tmp_path, db, model="m", fingerprint="fp", dim=4, previous=None, vectors=vectors)
    assert m1.generation == 1 and (tmp_path / "vectors.1.faiss").exists()
    m2 = commit_generation(tmp_path, db, model="m", fingerprint="fp", dim=4, previous=m1, vectors=vectors)
    assert m2.generation == 2 and Manifest.read(tmp_path) == m2
    assert sorted(p.name for p in tmp_path.glob("vectors.*")) == ["vectors.2.faiss"]
    assert VectorIndex.load(tmp_path / "vectors.2.faiss", 4).ntotal == 2
    m3 = commit_generation(tmp_path, db, model="none", fingerprint="none", dim=0, previous=m2, vectors=None)
    assert m3.vectors_file is None and not list(tmp_path.glob("vectors.*"))
    db.close()


def test_check_model(tmp_path) -> None:
    m = Manifest(SCHEMA_VERSION, "use", "fp-use", 512, 1, None, 0.0, 5)
    check_model(tmp_path, None, "e5", "fp-e5")
    check_model(tmp_path, m, "use", "fp-use")
    check_model(tmp_path, Manifest(SCHEMA_VERSION, "use", "fp-use", 512, 1, None, 0.0, 0), "e5", "fp-e5")
    with pytest.raises(ModelMismatchError) as err:
        check_model(tmp_path, m, "e5", "fp-e5")
    assert "--model use" in str(err.value) and "index --rebuild --model e5 PATH" in str(err.value)


def test_vector_index_search_filters_removes_and_round_trips(tmp_path) -> None:
    vecs = _unit(5, 16)
    index = VectorIndex.build(16, np.arange(10, 15, dtype=np.int64), vecs)
    assert index.search(vecs[3], 1)[0][0] == 13
    assert [i for i, _ in index.search(vecs[3], 5, allowed_ids=[10, 11])] in ([10, 11], [11, 10])
    assert index.search(vecs[3], 5, allowed_ids=[]) == []
    index.remove([13])
    assert 13 not in [i for i, _ in index.search(vecs[3], 5)] and index.ntotal == 4
    index.save(tmp_path / "v.faiss")
    assert VectorIndex.load(tmp_path / "v.faiss", 16).ntotal == 4
    with pytest.raises(ValueError, match="dimension"):
        VectorIndex.load(tmp_path / "v.faiss", 8)
    assert VectorIndex(16).search(vecs[0], 3) == []


def test_writer_lock_is_exclusive_across_processes(tmp_path) -> None:
    holder = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from indexer.store import writer_lock
        with writer_lock(Path({str(tmp_path)!r})):
            print("held", flush=True)
            sys.stdin.readline()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(IndexLockedError, match=f"pid {proc.pid}"), writer_lock(tmp_path):
            pass
    finally:
        proc.stdin.write("\n")
        proc.stdin.close()
        proc.wait(10)
    with writer_lock(tmp_path):  # released when the holder ends
        assert (tmp_path / "index.lock").read_text() == f"pid {__import__('os').getpid()}"


def test_writer_lock_on_an_unwritable_place_is_an_io_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(IndexIOError), writer_lock(blocker / "index"):
        pass


def test_schema_has_the_tables_the_store_needs(tmp_path) -> None:
    db = connect(tmp_path)
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    assert {"meta", "repos", "files", "documents", "documents_fts", "embeddings"} <= names
    db.close()


def test_deleting_a_file_row_cascades_to_its_documents(tmp_path: Path) -> None:
    db = connect(tmp_path)
    with db:
        _add_document(db, "a")
        db.execute("DELETE FROM files WHERE id=1")
    assert db.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 0
    db.close()


def test_a_failed_vector_write_keeps_the_previous_generation(tmp_path, monkeypatch) -> None:
    """A full disk while writing a generation: one IndexIOError, no temp files, the old manifest stays."""
    import faiss

    db = connect(tmp_path)
    ids = [_add_document(db, f"h{i}") for i in range(3)]
    db.commit()
    first = commit_generation(
        tmp_path,
        db,
        model="m",
        fingerprint="fp",
        dim=4,
        previous=None,
        vectors=VectorIndex.build(4, np.array(ids), _unit(3, 4)),
    )

    def full_disk(index, path):
        open(path, "wb").write(b"partial")
        raise RuntimeError("Error: 'ret == (n)' failed: write error in /x: No space left on device")

    monkeypatch.setattr(faiss, "write_index", full_disk)
    with pytest.raises(IndexIOError, match="No space left on device.*previous generation is intact"):
        commit_generation(
            tmp_path,
            db,
            model="m",
            fingerprint="fp",
            dim=4,
            previous=first,
            vectors=VectorIndex.build(4, np.array(ids), _unit(3, 4)),
        )
    assert Manifest.read(tmp_path) == first
    assert (tmp_path / first.vectors_file).exists()
    assert not list(tmp_path.glob("*.tmp"))
