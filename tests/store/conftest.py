"""The stores the contract suite runs against, each a real engine: the local store (SQLite + FTS5 + FAISS,
through today's code paths), milvus-lite 2.5 (Milvus's C++ core in-process: BM25, FLAT/IVF) and a standalone
Milvus 2.3.5 server that this file starts in a temporary folder (the ``milvus`` wheel: no Docker; no BM25,
so its lexical side is the FTS5 sidecar).

The server starts once per test session (7-40 s on two shared cores), on free ports (the proxy from 19530
up), waited for through its health endpoint with a bounded timeout, and is stopped at the end.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from indexer.local_read import LocalGeneration, open_generation
from indexer.milvus.rows import StoredDocument
from indexer.store import EmbeddingCache, Manifest, commit_generation, connect, rebuild_vectors, set_meta
from indexer.store_write import SqliteStoreWriter
from indexer.vectors import ANN_THRESHOLD, VectorIndex

SERVER_START_TIMEOUT_S = 180


class LocalContractStore:
    """The local store behind the contract suite's operations. Reads are the real read side
    (``indexer.local_read.open_generation``: a ``LocalGeneration``, the ``StoreGeneration`` the Searcher
    reads); writes go through ``indexer.store`` (documents with the ids the suite gives them, the embedding
    cache, ``commit_generation``) and ``SqliteStoreWriter`` (repositories, ``clear``)."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self.db: sqlite3.Connection | None = None
        self.vectors: VectorIndex | None = None
        self.model = self.fingerprint = ""
        self.dim = 0
        self._generation: LocalGeneration | None = None

    def begin(self, *, model: str, fingerprint: str, dim: int, rebuild: bool = False) -> bool:
        self.index_dir.mkdir(parents=True, exist_ok=True)
        self.db = connect(self.index_dir)
        manifest = Manifest.read(self.index_dir)
        fresh = rebuild or manifest is None or (manifest.fingerprint, manifest.dim) != (fingerprint, dim)
        self.model, self.fingerprint, self.dim = model, fingerprint, dim
        if fresh:
            SqliteStoreWriter(self.db).clear()
            self.vectors = VectorIndex(dim)
        else:
            assert manifest is not None and manifest.vectors_file
            self.vectors = VectorIndex.load(self.index_dir / manifest.vectors_file, dim)
        return fresh

    def _file_id(self, row: StoredDocument) -> int:
        assert self.db is not None
        repo_id, name = SqliteStoreWriter(self.db).upsert_repo(Path(row.root), False)
        assert name == row.repo
        self.db.execute(
            "INSERT OR IGNORE INTO files (repo_id, path, language, size, mtime_ns, content_hash) VALUES (?, ?, ?, ?, ?, ?)",
            (repo_id, row.path, row.language, row.size, row.mtime_ns, row.content_hash),
        )
        return int(
            self.db.execute(
                "SELECT id FROM files WHERE repo_id=? AND path=?", (repo_id, row.path)
            ).fetchone()[0]
        )

    def upsert(self, rows: Sequence[StoredDocument], vectors: np.ndarray) -> None:
        assert self.db is not None and self.vectors is not None
        ids = [r.id for r in rows]
        with self.db:
            self.db.executemany("DELETE FROM documents WHERE id=?", [(i,) for i in ids])
            self.db.executemany("DELETE FROM documents_fts WHERE rowid=?", [(i,) for i in ids])
            for r in rows:
                self.db.execute(
                    "INSERT INTO documents (id, file_id, kind, name, qualified_name, signature, doc, code, start_line, "
                    "end_line, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (r.id, self._file_id(r), r.kind, r.name, r.qualified_name, r.signature, r.doc, r.code,
                     r.start_line, r.end_line, r.content_hash),
                )  # fmt: skip
                self.db.execute(
                    "INSERT INTO documents_fts (rowid, name, path, doc, code) VALUES (?, ?, ?, ?, ?)",
                    (r.id, *r.lexical.split("\t")),
                )
        EmbeddingCache(self.db, self.fingerprint, self.dim).put([r.content_hash for r in rows], vectors)
        self.vectors.remove(ids)
        self.vectors.add(np.asarray(ids, dtype=np.int64), np.asarray(vectors, dtype=np.float32))

    def delete_file(self, repo: str, path: str) -> list[int]:
        assert self.db is not None and self.vectors is not None
        sql = (
            "SELECT d.id, f.id FROM documents d JOIN files f ON f.id=d.file_id JOIN repos r ON r.id=f.repo_id"
        )
        found = self.db.execute(sql + " WHERE r.name=? AND f.path=?", (repo, path)).fetchall()
        ids = [r[0] for r in found]
        with self.db:
            self.db.executemany("DELETE FROM documents_fts WHERE rowid=?", [(i,) for i in ids])
            self.db.executemany("DELETE FROM files WHERE id=?", {(r[1],) for r in found})  # cascades
        self.vectors.remove(ids)
        return ids

    def commit(self) -> Manifest:
        assert self.db is not None and self.vectors is not None
        previous = Manifest.read(self.index_dir)
        if not self.vectors.approximate and self.vectors.live >= ANN_THRESHOLD:  # as the pipeline does
            self.vectors = rebuild_vectors(self.db, self.fingerprint, self.dim)
        with self.db:
            set_meta(self.db, "generation", str((previous.generation if previous else 0) + 1))
        m = commit_generation(
            self.index_dir, self.db, model=self.model, fingerprint=self.fingerprint, dim=self.dim,
            previous=previous, vectors=self.vectors,
        )  # fmt: skip
        self.db.close()
        self.db = None
        return m

    # -- reads: the real read side over the committed generation -------------------------------------------

    def manifest(self) -> Manifest | None:
        return Manifest.read(self.index_dir)

    def reader(self) -> LocalGeneration:
        """The committed generation, opened as the Searcher opens it (the previous one closed)."""
        if self._generation is not None:
            self._generation.close()
        self._generation = open_generation(self.index_dir)
        assert self._generation is not None
        return self._generation

    def close(self) -> None:
        if self._generation is not None:
            self._generation.close()


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real standalone Milvus 2.3.5 for the session: its store URI prefix ``milvus://127.0.0.1:PORT``."""
    from milvus import MilvusServer

    server = MilvusServer(wait_for_started=False)
    server.set_base_dir(str(tmp_path_factory.mktemp("milvus-server")))
    server.start()
    try:
        server.wait_started(timeout=SERVER_START_TIMEOUT_S * 1000)
        yield f"milvus://127.0.0.1:{server.listen_port}"
    finally:
        server.stop()


def _new_store(kind: str, folder: Path, request: pytest.FixtureRequest, name: str) -> Any:
    """An empty store of ``kind`` keeping its files under ``folder``."""
    if kind == "local":
        return LocalContractStore(folder / "local")
    from indexer.milvus import MilvusStore

    if kind == "milvus-lite":
        (folder / "lite").mkdir(parents=True, exist_ok=True)
        uri = f"milvus-lite:{folder / 'lite' / 'milvus.db'}"
    else:  # a collection prefix of its own: tests share the session's server
        uri = f"{request.getfixturevalue('milvus_server')}/{name}"
    store = MilvusStore(uri, lexical_dir=folder / "lexical")
    store.drop()
    return store


def _close(store: Any) -> None:
    target = getattr(store, "target", None)
    if target is not None and not target.embedded:
        store.drop()  # the server outlives the test
    store.close()


@pytest.fixture
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """``make_store(kind)``: an empty store of that kind (local, milvus-lite, milvus-server), closed (and
    dropped) after the test."""
    made: list[Any] = []

    def make(kind: str) -> Any:
        n = len(made)
        made.append(
            _new_store(
                kind, tmp_path / f"store{n}", request, f"t{abs(hash(request.node.nodeid)) % 10**8}_{n}"
            )
        )
        return made[-1]

    yield make
    for store in made:
        _close(store)


@pytest.fixture(scope="module")
def make_shared_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """``make_shared_store(kind, fill)``: one store per kind for a module's read-only tests, filled once by
    ``fill(store)``; what ``fill`` returns is handed back with it."""
    made: dict[str, tuple[Any, Any]] = {}

    def make(kind: str, fill: Any) -> tuple[Any, Any]:
        if kind not in made:
            store = _new_store(
                kind, tmp_path_factory.mktemp(f"shared-{kind}"), request, f"shared_{kind.replace('-', '_')}"
            )
            made[kind] = (store, fill(store))
        return made[kind]

    yield make
    for store, _ in made.values():
        _close(store)
