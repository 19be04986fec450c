"""The store's write side: every SQL statement the indexing pipeline needs to change ``meta.sqlite``.

The pipeline decides *what* changes (which files to parse, which documents they yield); a ``StoreWriter``
records it. ``SqliteStoreWriter`` is the local store; another store (Milvus) implements the same protocol.
Vectors and the generation are committed by ``indexer.store.commit_generation`` once every repository is
written, in the same SQLite transaction as the rows; ``set_generation(-1)`` marks the rows as ahead of every
committed generation should they be committed before it (a Milvus store's push).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence, Set
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from codesearch.types import Document
from indexer.milvus.rows import StoredDocument
from indexer.store import set_meta

_DELETE_CHUNK = 500  # ids per DELETE ... IN (...), under SQLite's variable limit


@dataclass(frozen=True)
class FileRecord:
    """What the store keeps about one indexed file (its documents are written beside it)."""

    path: str  # root-relative POSIX path
    language: str
    blob_id: str | None
    size: int
    mtime_ns: int
    content_hash: str
    n_symbols: int


@dataclass(frozen=True)
class RootSummary:
    """What the store holds for a set of roots after a run."""

    files: int
    documents: int
    symbols_by_language: dict[str, int]


class StoreWriter(Protocol):
    """The write side a store provides to the indexing pipeline. Calls between ``begin`` and ``commit``
    form one transaction: a killed writer leaves the store as it was before ``begin``."""

    def begin(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def upsert_repo(self, root: Path, is_git: bool, name: str | None = None) -> tuple[int, str]: ...
    def delete_files(self, file_ids: Sequence[int]) -> list[int]: ...
    def replace_file(
        self, repo_id: int, record: FileRecord, documents: Sequence[Document]
    ) -> tuple[list[int], list[tuple[int, str]]]: ...
    def mark_indexed(self, repo_id: int) -> None: ...
    def set_generation(self, generation: int) -> None: ...
    def clear(self) -> None: ...
    def summary(self, roots: Sequence[Path]) -> RootSummary: ...


class SqliteStoreWriter:
    """``StoreWriter`` over ``meta.sqlite`` (documents, their FTS rows, files and repositories)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def begin(self) -> None:
        # IMMEDIATE: the write lock now (waiting out the busy timeout). A deferred BEGIN reads first and
        # fails at once ("database is locked", SQLITE_BUSY_SNAPSHOT, no busy wait) when another connection
        # (embed-ahead's cache writes) committed between that read and this transaction's first write
        if not self.db.in_transaction:
            self.db.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self.db.commit()

    def rollback(self) -> None:
        self.db.rollback()

    def upsert_repo(self, root: Path, is_git: bool, name: str | None = None) -> tuple[int, str]:
        """``(id, name)`` of the repository at ``root``, created if new (as ``name``, the one it was prepared
        under: a rebuild names its roots before forgetting them), in the open transaction (``begin``)."""
        name = name or self.repo_name(root)
        self.db.execute(
            "INSERT INTO repos (name, root, is_git) VALUES (?, ?, ?) "
            "ON CONFLICT(root) DO UPDATE SET is_git=excluded.is_git",
            (name, str(root), int(is_git)),
        )
        row = self.db.execute("SELECT id, name FROM repos WHERE root=?", (str(root),)).fetchone()
        return int(row[0]), str(row[1])

    def repo_name(self, root: Path, also_taken: Set[str] = frozenset()) -> str:
        """The name of the repository at ``root``: the one it has, else its folder's name (qualified with
        the parent when another repository, or one of ``also_taken``, has that name)."""
        row = self.db.execute("SELECT name FROM repos WHERE root=?", (str(root),)).fetchone()
        if row:
            return str(row[0])
        name = root.name or str(root)
        taken = {r[0] for r in self.db.execute("SELECT name FROM repos")} | also_taken
        if name in taken:  # two roots with one folder name: qualify with the parent
            name = f"{root.parent.name}/{name}"
        return name

    def _document_ids(self, file_id: int) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM documents WHERE file_id=?", (file_id,))]

    def _delete_lexical(self, doc_ids: list[int]) -> None:
        for i in range(0, len(doc_ids), _DELETE_CHUNK):
            chunk = doc_ids[i : i + _DELETE_CHUNK]
            self.db.execute(f"DELETE FROM documents_fts WHERE rowid IN ({','.join('?' * len(chunk))})", chunk)

    def delete_files(self, file_ids: Sequence[int]) -> list[int]:
        """Forget these files and their documents; returns the removed document ids."""
        removed: list[int] = []
        for file_id in file_ids:
            removed.extend(self._document_ids(file_id))
            self.db.execute("DELETE FROM documents WHERE file_id=?", (file_id,))
            self.db.execute("DELETE FROM files WHERE id=?", (file_id,))
        self._delete_lexical(removed)
        return removed

    def replace_file(
        self, repo_id: int, record: FileRecord, documents: Sequence[Document]
    ) -> tuple[list[int], list[tuple[int, str]]]:
        """Write ``record`` and replace its documents. Returns (removed doc ids, (new doc id, content hash))."""
        r = record
        row = self.db.execute("SELECT id FROM files WHERE repo_id=? AND path=?", (repo_id, r.path)).fetchone()
        removed: list[int] = []
        if row:
            file_id = int(row[0])
            removed = self._document_ids(file_id)
            self.db.execute("DELETE FROM documents WHERE file_id=?", (file_id,))
            self._delete_lexical(removed)
            self.db.execute(
                "UPDATE files SET language=?, blob_id=?, size=?, mtime_ns=?, content_hash=?, n_symbols=? WHERE id=?",
                (r.language, r.blob_id, r.size, r.mtime_ns, r.content_hash, r.n_symbols, file_id),
            )
        else:
            new_id = self.db.execute(
                "INSERT INTO files (repo_id, path, language, blob_id, size, mtime_ns, content_hash, n_symbols) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (repo_id, r.path, r.language, r.blob_id, r.size, r.mtime_ns, r.content_hash, r.n_symbols),
            ).lastrowid
            assert new_id is not None
            file_id = new_id
        return removed, [(self._insert_document(file_id, d), d.content_hash) for d in documents]

    def _insert_document(self, file_id: int, d: Document) -> int:
        doc_id = self.db.execute(
            "INSERT INTO documents (file_id, kind, name, qualified_name, signature, doc, code, start_line, "
            "end_line, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                file_id,
                d.kind,
                d.name,
                d.qualified_name,
                d.signature,
                d.doc,
                d.code,
                d.start_line,
                d.end_line,
                d.content_hash,
            ),
        ).lastrowid
        assert doc_id is not None
        self.db.execute(
            "INSERT INTO documents_fts (rowid, name, path, doc, code) VALUES (?, ?, ?, ?, ?)",
            (doc_id, *d.lexical.split("\t")),
        )
        return doc_id

    def mark_indexed(self, repo_id: int) -> None:
        self.db.execute("UPDATE repos SET indexed_at=? WHERE id=?", (time.time(), repo_id))

    def set_generation(self, generation: int) -> None:
        """The generation these documents belong to; -1 while no committed generation's vectors match them."""
        set_meta(self.db, "generation", str(generation))

    def clear(self) -> None:
        """Forget every file and document (the embedding cache stays: it is keyed by model)."""
        with self.db:
            self.db.execute("DELETE FROM documents_fts")
            self.db.execute("DELETE FROM documents")
            self.db.execute("DELETE FROM files")
            self.db.execute("DELETE FROM repos")
            # matches no manifest: a writer killed before its commit leaves vectors to rebuild, not to trust
            self.set_generation(-1)

    def summary(self, roots: Sequence[Path]) -> RootSummary:
        where = f"r.root IN ({','.join('?' * len(roots))})"
        args = [str(r) for r in roots]
        files = self.db.execute(
            f"SELECT COUNT(*) FROM files f JOIN repos r ON r.id=f.repo_id WHERE {where}", args
        ).fetchone()[0]
        rows = self.db.execute(
            f"SELECT f.language, SUM(f.n_symbols) FROM files f JOIN repos r ON r.id=f.repo_id WHERE {where} "
            "GROUP BY f.language ORDER BY 2 DESC",
            args,
        )
        by_language = {lang: int(n) for lang, n in rows if n}
        documents = self.db.execute(
            "SELECT COUNT(*) FROM documents d JOIN files f ON f.id=d.file_id JOIN repos r ON r.id=f.repo_id "
            f"WHERE {where}",
            args,
        ).fetchone()[0]
        return RootSummary(int(files), int(documents), by_language)


# -- what another store (Milvus) is sent: the documents the local tables hold ------------------------------

_STORED_SQL = (
    "SELECT d.id, r.name, r.root, f.path, f.language, d.kind, d.name, d.qualified_name, d.signature, d.doc, "
    "d.code, d.start_line, d.end_line, d.content_hash, f.size, f.mtime_ns, x.name, x.path, x.doc, x.code "
    "FROM documents d JOIN files f ON f.id=d.file_id JOIN repos r ON r.id=f.repo_id "
    "JOIN documents_fts x ON x.rowid=d.id WHERE d.id IN ({marks}) ORDER BY d.id"
)


_STORED_FIELDS = (
    "id", "repo", "root", "path", "language", "kind", "name", "qualified_name", "signature", "doc", "code",
    "start_line", "end_line", "content_hash", "size", "mtime_ns",
)  # fmt: skip


def document_ids(db: sqlite3.Connection) -> list[int]:
    """Every document id the local tables hold, ascending."""
    return [r[0] for r in db.execute("SELECT id FROM documents ORDER BY id")]


def stored_documents(db: sqlite3.Connection, ids: Sequence[int]) -> list[StoredDocument]:
    """The documents ``ids`` name, with their file's facts and lexical text, as another store keeps them."""
    out: list[StoredDocument] = []
    for i in range(0, len(ids), _DELETE_CHUNK):
        chunk = list(ids[i : i + _DELETE_CHUNK])
        for row in db.execute(_STORED_SQL.format(marks=",".join("?" * len(chunk))), chunk):
            fields = dict(zip(_STORED_FIELDS, row[:16], strict=True))
            out.append(StoredDocument(**fields, lexical="\t".join(row[16:])))
    return out


def store_facts(db: sqlite3.Connection) -> dict[str, object]:
    """What ``status`` shows beyond the documents: repositories (root, files, when indexed) and, per
    language, files and symbols (``MilvusStore.commit``'s ``facts``)."""
    repos = db.execute(
        "SELECT r.name, r.root, r.indexed_at, COUNT(f.id), COALESCE(SUM(f.n_symbols), 0) FROM repos r "
        "LEFT JOIN files f ON f.repo_id=r.id GROUP BY r.id"
    ).fetchall()
    languages = db.execute("SELECT language, COUNT(*), SUM(n_symbols) FROM files GROUP BY language")
    return {
        "repos": {name: root for name, root, *_ in repos},
        "repo_files": {
            name: {"files": n, "symbols": symbols, "indexed_at": when} for name, _, when, n, symbols in repos
        },
        "languages": {lang: [n, int(s or 0)] for lang, n, s in languages},
    }
