"""The read side of the local store (``meta.sqlite`` with FTS5, a FAISS file per generation, the manifest).

``open_generation`` loads what the manifest names: its vectors and a read snapshot of ``meta.sqlite`` pinned
to the same generation (``indexer.snapshot``); ``LocalGeneration`` answers the ``StoreGeneration`` protocol
over them. All SQL a search needs lives here.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from codesearch.errors import IndexIOError
from codesearch.types import DocumentFacts
from indexer.lexical import TermVariants
from indexer.lexical_ranker import LexicalRanker, filtered_ids_sql
from indexer.snapshot import pinned_snapshot
from indexer.store import Manifest, filling_pid, get_meta, no_index, writer_pid
from indexer.store_read import (
    DenseIndex,
    EnglishVectors,
    Filters,
    IndexStatus,
    LanguageCount,
    Ranking,
    RepoStatus,
    StoreGeneration,
)
from indexer.vectors import VectorIndex

log = logging.getLogger(__name__)

# how long a reader waits for the manifest of a live writer that committed its rows (it writes one small file)
WRITER_WAIT_S = 5.0
SQL_BATCH = 10_000  # ids per `IN (...)`: SQLite allows 32,766 variables
_JOINS = "FROM documents d JOIN files f ON f.id=d.file_id JOIN repos r ON r.id=f.repo_id"

# what a reader does with a generation's vectors once loaded: keep them, share one copy, move them to a GPU
VectorLoader = Callable[[Manifest, VectorIndex], DenseIndex]
# the BM25 ranker of a generation (a pool shares one: ``codesearch.api.pool``)
RankerFactory = Callable[[Manifest], LexicalRanker]


def filters_sql(filters: Filters) -> tuple[str, list[Any]]:
    """``filters`` as a WHERE clause over ``documents d``, ``files f``, ``repos r`` and its arguments."""
    clauses, args = [], []
    if filters.lang:
        clauses.append("f.language = ?")
        args.append(filters.lang.lower())
    if filters.glob:
        clauses.append("f.path GLOB ?")
        args.append(filters.glob)
    if filters.repo:
        clauses.append("r.name = ?")
        args.append(filters.repo)
    if filters.kind:
        clauses.append("d.kind = ?")
        args.append(filters.kind)
    return " AND ".join(clauses), args


def english_vectors(index_dir: Path, manifest: Manifest) -> EnglishVectors | None:
    """How many documents of the generation have the English part's vector, and which process is filling
    the rest (None: the model has no English-only part beside another)."""
    english = [p for p in manifest.parts if p.english_only]
    if not english:
        return None
    missing = english[0].missing
    pid = filling_pid(index_dir) if missing else None
    return EnglishVectors(manifest.documents, manifest.documents - missing, pid)


class LocalGeneration:
    """One generation of a local index (``StoreGeneration``). One SQLite connection, used by one thread at
    a time; the vectors and the ranker may be shared with other readers."""

    def __init__(
        self,
        index_dir: Path,
        manifest: Manifest,
        vectors: DenseIndex | None,
        db: sqlite3.Connection,
        ranker: LexicalRanker,
        ahead: bool = False,
    ) -> None:
        self.index_dir = index_dir
        # the metadata already holds a later generation than the vectors (a writer was killed, or is, between
        # its database commit and its manifest): the metadata is answered as it is, and a vector only for a
        # document it still holds (ids are never reused, so a vector never stands for other text)
        self.ahead = ahead
        self.manifest, self.vectors, self.ranker = manifest, vectors, ranker
        self._db = db
        self._lock = threading.Lock()  # one statement at a time on the connection
        self._users = 0  # searches reading this generation now
        self._retired = False
        LexicalRanker.attach(db)

    @property
    def has_vectors(self) -> bool:
        return self.vectors is not None

    @contextmanager
    def _sql(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._db

    def allowed_ids(self, filters: Filters) -> list[int] | None:
        where, args = filters_sql(filters)
        if not where:
            return None
        with self._sql() as db:
            return [r[0] for r in db.execute(filtered_ids_sql(where), args)]

    def dense(
        self, vector: np.ndarray, depth: int, filters: Filters, allowed: Sequence[int] | None
    ) -> Ranking:
        if self.vectors is None:
            return []
        return self._still_held(self.vectors.search(vector, depth, allowed))

    def _still_held(self, ranking: Ranking) -> Ranking:
        """``ranking`` without the documents the metadata no longer holds (only ever when ``ahead``)."""
        if not self.ahead or not ranking:
            return ranking
        held: set[int] = set()
        ids = [i for i, _ in ranking]
        for start in range(0, len(ids), SQL_BATCH):
            batch = ids[start : start + SQL_BATCH]
            with self._sql() as db:
                sql = f"SELECT id FROM documents WHERE id IN ({','.join('?' * len(batch))})"
                held.update(r[0] for r in db.execute(sql, batch))
        return [(i, s) for i, s in ranking if i in held]

    def dense_batch(self, vectors: np.ndarray, depth: int) -> list[Ranking] | None:
        index = self.vectors
        if index is None or index.live == 0 or not hasattr(index, "search_batch") or self.ahead:
            return None
        return index.search_batch(np.ascontiguousarray(vectors, dtype=np.float32), depth)  # type: ignore[no-any-return]

    def lexical(
        self,
        terms: Sequence[str],
        depth: int,
        filters: Filters,
        allowed: Sequence[int] | None,
        weights: Sequence[float] | None = None,
        variants: TermVariants | None = None,
    ) -> Ranking:
        where, args = filters_sql(filters)
        with self._sql() as db:
            return self.ranker.rank(db, terms, depth, where, args, allowed, weights, variants)

    def known_words(self, words: Sequence[str]) -> set[str]:
        with self._sql() as db:
            return self.ranker.known(db, list(words))

    def common_words(self, limit: int) -> list[str]:
        with self._sql() as db:
            return self.ranker.common_words(db, limit)

    def exact_names(self, spellings: Sequence[str], filters: Filters, limit: int = 50) -> list[int]:
        where, args = filters_sql(filters)
        sql = (
            f"SELECT d.id {_JOINS} WHERE d.name COLLATE NOCASE IN ({','.join('?' * len(spellings))})"
            + (f" AND {where}" if where else "")
            + f" LIMIT {int(limit)}"
        )
        with self._sql() as db:
            found = [r[0] for r in db.execute(sql, [*spellings, *args])]
        return found

    def facts(self, ids: Sequence[int]) -> dict[int, DocumentFacts]:
        out: dict[int, DocumentFacts] = {}
        for start in range(0, len(ids), SQL_BATCH):  # a huge k must not pass SQLite's variable limit
            batch = list(ids[start : start + SQL_BATCH])
            sql = (
                "SELECT d.id, f.repo_id, f.path, d.kind, d.name, d.qualified_name, instr(d.code, '{') = 0 "
                f"FROM documents d JOIN files f ON f.id=d.file_id WHERE d.id IN ({','.join('?' * len(batch))})"
            )
            with self._sql() as db:
                out.update(
                    (r[0], DocumentFacts(str(r[1]), r[2], r[3], r[4], r[5], bool(r[6])))
                    for r in db.execute(sql, batch)
                )
        return out

    def rows(self, ids: Sequence[int]) -> dict[int, Mapping[str, Any]]:
        out: dict[int, Mapping[str, Any]] = {}
        for start in range(0, len(ids), SQL_BATCH):
            batch = list(ids[start : start + SQL_BATCH])
            sql = (
                "SELECT d.id, d.kind, d.name, d.qualified_name, d.signature, d.doc, d.code, d.start_line, "
                "d.end_line, d.content_hash, f.size, f.mtime_ns, f.path, f.language, r.name AS repo, r.root "
                f"{_JOINS} WHERE d.id IN ({','.join('?' * len(batch))})"
            )
            with self._sql() as db:
                out.update((r["id"], r) for r in db.execute(sql, batch))
        return out

    def document_at(self, abs_path: str, line: int) -> Mapping[str, Any] | None:
        path = Path(abs_path)
        with self._sql() as db:
            for repo in db.execute("SELECT id, root FROM repos").fetchall():
                try:
                    rel = path.relative_to(repo["root"]).as_posix()
                except ValueError:
                    continue
                row = db.execute(
                    "SELECT d.id, d.qualified_name, d.kind, d.code, d.start_line, d.end_line, f.id AS file_id "
                    "FROM documents d JOIN files f ON f.id=d.file_id WHERE f.repo_id=? AND f.path=? "
                    "AND d.start_line<=? AND d.end_line>=? ORDER BY d.end_line - d.start_line LIMIT 1",
                    (repo["id"], rel, line, line),
                ).fetchone()
                if row is not None:
                    return row  # type: ignore[no-any-return]
        return None

    def same_symbol(self, file_id: int, qualified_name: str, kind: str) -> set[int]:
        with self._sql() as db:
            return {
                r[0]
                for r in db.execute(
                    "SELECT id FROM documents WHERE file_id=? AND qualified_name=? AND kind=?",
                    (file_id, qualified_name, kind),
                )
            }

    def status(self) -> IndexStatus:
        m = self.manifest
        with self._sql() as db:
            repos = [
                RepoStatus(r["name"], r["root"], r["indexed_at"], r["files"], r["symbols"])
                for r in db.execute(
                    "SELECT r.name, r.root, r.indexed_at, COUNT(f.id) AS files, "
                    "COALESCE(SUM(f.n_symbols), 0) AS symbols FROM repos r "
                    "LEFT JOIN files f ON f.repo_id=r.id GROUP BY r.id ORDER BY r.name"
                )
            ]
            langs = {
                lang: LanguageCount(n, s or 0)
                for lang, n, s in db.execute(
                    "SELECT language, COUNT(*), SUM(n_symbols) FROM files GROUP BY language ORDER BY 2 DESC"
                )
            }
        return IndexStatus(
            str(self.index_dir),
            m.model,
            m.fingerprint,
            m.dim,
            m.generation,
            m.documents,
            m.updated_at,
            repos,
            langs,
            english_vectors(self.index_dir, m),
        )

    @contextmanager
    def pin(self) -> Iterator[LocalGeneration]:
        """This generation, kept open (even once retired by ``close``) until the block ends."""
        with self._lock:
            self._users += 1
        try:
            yield self
        finally:
            with self._lock:
                self._users -= 1
                if self._retired and self._users == 0:
                    self._db.close()

    def close(self) -> None:
        """Close now, or when the last ``pin`` ends."""
        with self._lock:
            self._retired = True
            if self._users == 0:
                self._db.close()


SYMBOL_COLUMNS = (
    "SELECT d.id, d.kind, d.name, d.qualified_name, d.signature, d.doc, d.code, d.start_line, d.end_line, "
    f"f.path, f.language, r.name AS repo, r.root {_JOINS} "
)


def indexed_roots(db: sqlite3.Connection) -> list[str]:
    """The root folder of every indexed repository, by name."""
    return [r["root"] for r in db.execute("SELECT root FROM repos ORDER BY name")]


def symbol_by_id(db: sqlite3.Connection, doc_id: int) -> sqlite3.Row | None:
    """One document with its file and repository (``GET /symbols/ID``)."""
    return db.execute(SYMBOL_COLUMNS + "WHERE d.id=?", (doc_id,)).fetchone()  # type: ignore[no-any-return]


def symbol_at_location(db: sqlite3.Connection, where: str, line: int) -> sqlite3.Row | None:
    """The innermost document spanning ``line`` of the file ``where`` (``REPO/PATH``) names."""
    # a repo name may itself hold a slash ("parent/name"): try the longest name that prefixes the ref
    names = sorted((r["name"] for r in db.execute("SELECT name FROM repos")), key=len, reverse=True)
    for name in names:
        if where.startswith(name + "/"):
            rel = where[len(name) + 1 :]
            return db.execute(  # type: ignore[no-any-return]
                SYMBOL_COLUMNS + "WHERE r.name=? AND f.path=? AND d.start_line<=? AND d.end_line>=? "
                "ORDER BY d.end_line - d.start_line LIMIT 1",
                (name, rel, line, line),
            ).fetchone()
    return None


def keep_vectors(manifest: Manifest, vectors: VectorIndex) -> DenseIndex:
    """The default ``VectorLoader``: the loaded FAISS index as it is."""
    return vectors


def new_ranker(manifest: Manifest) -> LexicalRanker:
    """The default ``RankerFactory``: a ranker of the generation's own."""
    return LexicalRanker()


def one_search_ranker(manifest: Manifest) -> LexicalRanker:
    """The ``RankerFactory`` of a searcher that searches once (a CLI search): it keeps no postings."""
    return LexicalRanker(keep_postings=False)


def open_generation(
    index_dir: Path,
    *,
    check: Callable[[Manifest], None] | None = None,
    have_one: bool = False,
    vector_loader: VectorLoader = keep_vectors,
    ranker_factory: RankerFactory = new_ranker,
    attempts: int = 3,
) -> LocalGeneration | None:
    """The generation the manifest names: its vectors and a snapshot of its metadata.

    None when the metadata is not yet the manifest's (a writer is between its documents and its manifest)
    and the caller ``have_one`` to answer from. A writer may replace both between our reads (and delete the
    vectors we were about to load): read again. A live writer that has committed the next generation's rows
    is about to write its manifest: read it again, for up to ``WRITER_WAIT_S``. Rows ahead of the manifest
    are answered as they are (``ahead``) only after that, or when no live writer will finish them (a killed
    one: then with a warning). ``check`` refuses a manifest (another model's index).
    """
    attempt, deadline = 0, time.monotonic() + WRITER_WAIT_S
    while True:
        manifest = Manifest.read(index_dir)
        if manifest is None:
            raise no_index(index_dir)
        if check is not None:
            check(manifest)
        db = pinned_snapshot(index_dir, manifest.generation, accept_other=not have_one)
        if db is None:
            return None
        found = get_meta(db, "generation", "")
        ahead = found != str(manifest.generation)
        writer = writer_pid(index_dir) if ahead else None
        if ahead and _sooner_whole(found, manifest, writer, attempt, attempts, deadline):
            db.close()
            attempt += 1
            time.sleep(0.05)
            continue
        if not manifest.vectors_file:
            return LocalGeneration(index_dir, manifest, None, db, ranker_factory(manifest), ahead)
        try:
            loaded = VectorIndex.load(index_dir / manifest.vectors_file, manifest.dim, mapped=True)
        except (OSError, RuntimeError) as exc:  # faiss reports a missing file as RuntimeError
            db.close()
            attempt += 1
            log.debug("loading %s failed (%s), attempt %d", manifest.vectors_file, exc, attempt)
            if attempt >= attempts:
                raise IndexIOError(
                    f"the vectors of the index at {index_dir} cannot be read; run `codesearch index` to "
                    "repair them"
                ) from None
            time.sleep(0.05)
            continue
        if ahead and writer is None:
            log.warning(
                "the index at %s was not finished (its data is ahead of its manifest): code written since "
                "generation %d is found by its words, not yet by its meaning; run `codesearch index` to finish it",
                index_dir, manifest.generation,
            )  # fmt: skip
        elif ahead:
            log.debug(
                "the index at %s is being written by pid %d: its data is ahead of its manifest",
                index_dir,
                writer,
            )
        try:
            vectors = vector_loader(manifest, loaded)
        except BaseException:
            db.close()
            raise
        return LocalGeneration(index_dir, manifest, vectors, db, ranker_factory(manifest), ahead)


def _sooner_whole(
    found: str, manifest: Manifest, writer: int | None, attempt: int, attempts: int, deadline: float
) -> bool:
    """Whether to read the manifest again rather than answer from rows ahead of it (``found``: their
    generation): a few times in any case (the manifest may have been replaced between our two reads), and
    while a live ``writer`` that committed a later generation's rows has yet to write its manifest."""
    if attempt < attempts - 1:
        return True
    later = found.isdigit() and int(found) > manifest.generation
    return writer is not None and later and time.monotonic() < deadline


def _is_a_store_generation(generation: LocalGeneration) -> StoreGeneration:
    return generation  # mypy checks here that the local store keeps the read-side contract
