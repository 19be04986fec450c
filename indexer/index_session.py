"""One writer's session over an index: the lock held, the manifest read and checked, ``meta.sqlite`` open,
and any number of commits, each a new generation.

``index_paths`` opens a session for one run (one commit); ``indexer.ahead`` keeps one open for a whole
organisation-scale run and commits every N repositories, keeping the vectors in memory between commits so a
commit does not read the previous generation's file back.

The rows of a generation (what ``--rebuild`` forgets, what each repository's write changes) are written in
one SQLite transaction, opened by ``begin`` and committed by ``commit`` with the generation's number once
its vectors are saved aside: a reader opened meanwhile reads the previous generation as a whole. Nothing
that commits on the connection (the embedding cache's writes) may run between the two; texts are embedded
before ``begin``. A killed writer's rows are rolled back; what it embedded stays in the cache.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import numpy as np

from codesearch.embedding.base import Embedder
from codesearch.errors import ConfigError, IndexIOError, ModelMismatchError
from indexer.forget import forget_roots_for_rebuild
from indexer.lacking import embed_lacking
from indexer.part_cache import cache_of, count_lacking, parts_of, rebuild_vectors_of, recount
from indexer.store import (
    LEXICAL_ONLY,
    Manifest,
    check_model,
    commit_generation,
    connect,
    embedded_another_way,
    get_meta,
    indexed_roots,
    vectors_path,
    writer_lock,
)
from indexer.store_write import SqliteStoreWriter
from indexer.vectors import ANN_THRESHOLD, VectorIndex

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from indexer.milvus.store import MilvusStore
    from indexer.milvus.writers import Writer

log = logging.getLogger(__name__)

REEMBED_CHUNK = 256  # texts embedded (and cached) per step when an index is embedded again


class IndexSession:
    """The writer's side of one index (local directory, or a Milvus store with its local tables) while the
    writer lock is held. Use as a context manager; ``add`` what each repository's write changed, then
    ``commit``."""

    def __init__(
        self,
        index_dir: Path,
        *,
        embedder: Embedder | None,
        model: str | None = None,
        store: MilvusStore | None = None,
        rebuild: bool = False,
    ) -> None:
        self.index_dir, self.embedder, self.store, self.rebuild = index_dir, embedder, store, rebuild
        self.fingerprint = embedder.fingerprint if embedder else LEXICAL_ONLY
        self.model = model or (embedder.model_id if embedder else LEXICAL_ONLY)
        self._reembedded = False  # this session embedded the index again (``begin``)
        self.removed: list[int] = []
        self.added: list[tuple[int, str]] = []
        self._lock: AbstractContextManager[None] | None = None
        self._vectors: VectorIndex | None = None  # the last committed generation's vectors (local store)
        self._db: sqlite3.Connection | None = None

    @property
    def db(self) -> sqlite3.Connection:
        assert self._db is not None, "IndexSession used outside its `with` block"
        return self._db

    def __enter__(self) -> IndexSession:
        self._lock = writer_lock(self.index_dir)
        self._lock.__enter__()
        try:
            self._open()
        except BaseException as exc:
            self._lock.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def _open(self) -> None:
        for leftover in self.index_dir.glob("*.tmp"):  # files a killed writer was writing aside
            leftover.unlink(missing_ok=True)
        try:
            self.previous = self.store.manifest() if self.store is not None else Manifest.read(self.index_dir)
        except IndexIOError:
            if not self.rebuild:
                raise
            self.previous = None  # --rebuild is the way out of an unreadable manifest
        self.manifest = None if self.rebuild else self.previous
        dim = self.embedder.dim if self.embedder else None
        # another version of codesearch embedded this index another way with the same model: embed it again
        self.reembed = embedded_another_way(self.previous, self.fingerprint, dim)
        if self.reembed and self.store is not None and not self.rebuild:
            roots = " ".join(indexed_roots(self.index_dir)) or "PATH"
            raise ModelMismatchError(
                f"the store was embedded by another version of codesearch's {self.model}: embed it again "
                f"with `codesearch index --rebuild {roots}` (and this run's --index and --store)"
            )
        check_model(self.index_dir, self.manifest, self.model, self.fingerprint, dim=dim)
        try:
            self._db = connect(self.index_dir)
        except sqlite3.Error as exc:
            raise IndexIOError(f"cannot open the index database in {self.index_dir}: {exc}") from None
        self.cache = cache_of(self.db, self.embedder) if self.embedder else None
        if self.cache is not None and self.manifest is not None and not self.manifest.parts:
            if len(self.cache.parts) > 1:
                self.cache.adopt_legacy()  # a composite index from before per-part caches: its cache, split
        # read before this session writes: documents written since are what the next commit adds
        self.consistent = self._tables_match()
        self.sent_generation = int(get_meta(self.db, "generation", "0"))  # what a Milvus store was last sent
        self.writer: Writer | None = None
        if self.store is not None:  # this machine's number among the store's writers, and its id range
            from indexer.milvus.writers import claim_writer

            self.writer = claim_writer(self.store, self.db)
            if self.rebuild:  # refused before anything is written when other machines write the store
                self.store.check_new_collection(self.writer)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._db is not None:
                self._db.close()
        finally:
            assert self._lock is not None
            self._lock.__exit__(kind, exc, tb)

    @property
    def generation(self) -> int:
        """The generation readers see now (a rebuild still numbers on from it)."""
        return self.previous.generation if self.previous else 0

    def _tables_match(self) -> bool:
        """Whether the local tables belong to the generation readers see (no killed writer between)."""
        return int(get_meta(self.db, "generation", "0")) == self.generation

    def begin(self) -> None:
        """Open the transaction the next generation's rows are written in (a no-op while it is open). An
        index embedded another way is embedded again first: the cache's writes commit as they go."""
        if self.reembed and not self._reembedded and self.embedder is not None:
            self._embed_again(self.embedder)
        SqliteStoreWriter(self.db).begin()

    def forget_for_rebuild(self, roots: Sequence[Path]) -> None:
        """``--rebuild``: the given roots only; other repositories of the index stay as they are. Inside the
        generation's transaction: readers keep the forgotten rows until it commits."""
        self.begin()
        forget_roots_for_rebuild(self.db, self.index_dir, roots, self.previous, self.fingerprint)
        self.consistent = self._tables_match()
        self.sent_generation = int(get_meta(self.db, "generation", "0"))

    def add(self, removed: Sequence[int], added: Sequence[tuple[int, str]]) -> None:
        """What a repository's write changed: removed document ids, (new id, content hash) added."""
        self.removed += removed
        self.added += added

    def commit(self) -> int:
        """Commit what was added since the last commit as a new generation (none when nothing changed and
        the tables match the readers' generation); returns the generation readers see afterwards."""
        if self.manifest is not None and self.consistent and not self.removed and not self.added:
            if not self.reembed:
                self.db.commit()  # files' metadata alone (mtimes, when indexed): no new generation
                return self.generation  # nothing changed: keep the generation readers have
        if self.store is not None:
            new = self._push()
        else:
            new = self._commit_local()
        self.previous = self.manifest = new
        self.consistent = True
        self.rebuild = False  # a rebuild's later commits add to the collection or vectors it made
        self.reembed = self._reembedded = False
        self.removed, self.added = [], []
        return new.generation

    def _push(self) -> Manifest:
        from indexer.milvus.push import push_run

        assert self.store is not None
        if self.embedder is None:
            raise ConfigError("a Milvus store needs an embedding model (--model none is for local indexes)")
        # a Milvus store's readers read Milvus, not these tables: their rows are committed (marked ahead of
        # every generation) before the push, as a killed push must find them
        self.db.commit()
        sent = push_run(
            self.db, self.store, model=self.model, fingerprint=self.fingerprint, dim=self.embedder.dim,
            sent_generation=self.sent_generation, removed=self.removed,
            added=[i for i, _ in self.added], rebuild=self.rebuild, writer=self.writer,
            parts=parts_of(self.embedder),
        )  # fmt: skip
        with self.db:
            SqliteStoreWriter(self.db).set_generation(
                sent.generation
            )  # the generation these tables last sent
        return sent

    def _commit_local(self) -> Manifest:
        vectors = None
        if self.embedder is not None:
            self.begin()  # embeds again first when it must (nothing was written yet)
            vectors = _update_vectors(
                self.index_dir, self.db, None if self.reembed else self.manifest, self.consistent,
                self.embedder, self.removed, self.added, loaded=self._vectors,
            )  # fmt: skip
        new = commit_generation(  # commits this generation's rows with its number
            self.index_dir, self.db, model=self.model, fingerprint=self.fingerprint,
            dim=self.embedder.dim if self.embedder else 0, previous=self.previous, vectors=vectors,
            parts=recount(self.db, parts_of(self.embedder)) if self.embedder else (),
        )  # fmt: skip
        self._vectors = vectors
        return new

    def _embed_again(self, embedder: Embedder) -> None:
        """Embed what the index lacks under this version's way of embedding with its model: every document
        for one model; a composite's parts but the English one, which the fill embeds behind the search as
        after a first build (its vectors count 0 until then)."""
        parts = embedder.stored_parts
        english = [p for p in parts if len(parts) > 1 and p.english_only]
        lacking = max((count_lacking(self.db, p.fingerprint) for p in parts), default=0)
        log.warning(
            "the index at %s was embedded by another version of codesearch's %s: embedding %d documents again%s",
            self.index_dir,
            self.model,
            lacking,
            " (the English part behind the search)" if english else "",
        )
        embed_lacking(self.db, embedder, REEMBED_CHUNK, english=False)
        self._reembedded = True


def _update_vectors(
    index_dir: Path,
    db: sqlite3.Connection,
    manifest: Manifest | None,
    consistent: bool,
    embedder: Embedder,
    removed: list[int],
    added: list[tuple[int, str]],
    *,
    loaded: VectorIndex | None = None,
) -> VectorIndex:
    """The previous generation's vectors (``loaded``: already in memory) with this run's changes, or a
    rebuild from the cache (always when the previous generation lacked some part: the cache may hold more of
    it now than its vectors)."""
    cache = cache_of(db, embedder)
    previous = vectors_path(index_dir, manifest.generation) if manifest and manifest.vectors_file else None
    if (
        consistent
        and manifest is not None
        and not manifest.missing_parts
        and previous is not None
        and (loaded is not None or previous.exists())
    ):
        vectors = loaded if loaded is not None else VectorIndex.load(previous, embedder.dim)
        # an exact index growing past the threshold becomes HNSW; an HNSW index whose live count fell back
        # under it stays HNSW (removals are tombstones) until too many tombstones call for a rebuild
        crosses_threshold = (
            not vectors.approximate and vectors.live + len(added) - len(removed) >= ANN_THRESHOLD
        )
        if not crosses_threshold:
            vectors.remove(removed)
            if not vectors.too_many_dead(adding=len(added)):
                ids = np.array([i for i, _ in added], dtype=np.int64)
                vectors.add(ids, cache.get([h for _, h in added]))
                return vectors
            log.info(
                "%d of %d vectors are removed documents: rebuilding the vector index",
                vectors.dead,
                vectors.ntotal,
            )
    return rebuild_vectors_of(db, embedder.fingerprint, embedder.dim, parts_of(embedder))
