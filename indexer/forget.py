"""Taking repositories out of an index: ``codesearch forget REPO`` and what ``index --rebuild`` forgets.

A repository's files, documents, lexical rows and vectors go; the embedding cache stays (it is keyed by model
and text, so indexing the repository again embeds nothing). Other repositories are not touched.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from codesearch.errors import IndexIOError, IndexNotFoundError, ModelMismatchError, NotFoundError
from indexer.part_cache import rebuild_vectors_of, recount
from indexer.store import (
    Manifest,
    commit_next_generation,
    connect,
    embedded_another_way,
    get_meta,
    set_meta,
    vectors_path,
    writer_lock,
)
from indexer.vectors import VectorIndex

if TYPE_CHECKING:
    from indexer.milvus.store import MilvusStore

log = logging.getLogger(__name__)

_CHUNK = 500  # ids per `IN (...)`, well under SQLite's variable limit


@dataclass(frozen=True)
class ForgetReport:
    """What ``forget_repository`` removed."""

    repo: str
    root: str
    files: int
    documents: int
    generation: int


def forget_rows(db: sqlite3.Connection, repo_ids: Sequence[int]) -> list[int]:
    """Delete the repositories ``repo_ids`` with their files, documents and lexical rows (inside the caller's
    transaction); returns the removed document ids. Readers see nothing of it until a generation is committed."""
    removed: list[int] = []
    for repo_id in repo_ids:
        removed += [
            r[0]
            for r in db.execute(
                "SELECT d.id FROM documents d JOIN files f ON f.id=d.file_id WHERE f.repo_id=?", (repo_id,)
            )
        ]
    for i in range(0, len(removed), _CHUNK):
        chunk = removed[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        db.execute(f"DELETE FROM documents_fts WHERE rowid IN ({marks})", chunk)
        db.execute(f"DELETE FROM documents WHERE id IN ({marks})", chunk)
    for repo_id in repo_ids:
        db.execute("DELETE FROM files WHERE repo_id=?", (repo_id,))
        db.execute("DELETE FROM repos WHERE id=?", (repo_id,))
    if removed or repo_ids:  # no generation's vectors match these rows until the manifest is written
        set_meta(db, "generation", "-1")
    return removed


def forget_roots_for_rebuild(
    db: sqlite3.Connection,
    index_dir: Path,
    roots: Sequence[Path],
    previous: Manifest | None,
    fingerprint: str,
) -> None:
    """What ``index --rebuild ROOT...`` forgets: those roots only, inside the caller's transaction (readers
    keep them until the rebuild's generation commits). A rebuild with another model must re-embed every
    repository (one index holds one model's vectors), so leaving any out is refused."""
    given = {str(r) for r in roots}
    repos = db.execute("SELECT id, name, root FROM repos").fetchall()
    others = [r for r in repos if r["root"] not in given]
    if (
        previous is not None
        and previous.documents
        and previous.fingerprint != fingerprint
        and not embedded_another_way(previous, fingerprint)  # the same model: the rest is embedded again
        and others
    ):
        every = " ".join(sorted({*given, *(r["root"] for r in others)}))
        raise ModelMismatchError(
            f"the index at {index_dir} also holds {', '.join(r['name'] for r in others)}, embedded with "
            f"{previous.model}: a rebuild with another model must re-embed them too; give every root "
            f"(`... index --rebuild {every}`) or `codesearch forget` them first"
        )
    forget_rows(db, [r["id"] for r in repos if r["root"] in given])  # in the rebuild's transaction


def forget_repository(index_dir: Path, name: str, store: MilvusStore | None = None) -> ForgetReport:
    """Remove the repository called ``name`` (or rooted at the path ``name``) from the index at
    ``index_dir`` and commit a generation without it; ``NotFoundError`` lists the repositories there.

    With a Milvus ``store``, ``index_dir`` holds this machine's tables of it (``Settings.store_dir``): the
    repository's documents are deleted in Milvus too, and the store commits the generation."""
    with writer_lock(index_dir):
        manifest = Manifest.read(index_dir) if store is None else store.manifest()
        if manifest is None:
            raise IndexNotFoundError(f"no index at {index_dir}: nothing to forget")
        try:
            db = connect(index_dir)
        except sqlite3.Error as exc:
            raise IndexIOError(f"cannot open the index database in {index_dir}: {exc}") from None
        try:
            if store is not None:
                return _forget_in_store(index_dir, db, store, manifest, name)
            return _forget(index_dir, db, manifest, name)
        except sqlite3.OperationalError as exc:
            raise IndexIOError(f"writing the index in {index_dir} failed: {exc}") from None
        finally:
            db.close()


def _named_repo(index_dir: Path, db: sqlite3.Connection, name: str) -> sqlite3.Row:
    repos = db.execute("SELECT id, name, root FROM repos ORDER BY name").fetchall()
    as_path = str(Path(name).expanduser().resolve())
    repo = next((r for r in repos if r["name"] == name), None) or next(
        (r for r in repos if r["root"] == as_path), None
    )
    if repo is None:
        listed = ", ".join(r["name"] for r in repos) or "none"
        raise NotFoundError(f"no repository {name!r} in the index at {index_dir}; it holds: {listed}")
    return repo  # type: ignore[no-any-return]


def _forget_in_store(
    index_dir: Path, db: sqlite3.Connection, store: MilvusStore, manifest: Manifest, name: str
) -> ForgetReport:
    from indexer.milvus.push import push_run

    repo = _named_repo(index_dir, db, name)
    files = db.execute("SELECT COUNT(*) FROM files WHERE repo_id=?", (repo["id"],)).fetchone()[0]
    # the generation these tables last sent, read before forgetting marks them ahead of it: when it is the
    # store's, only the removed ids are deleted there; otherwise (a killed run) the store is refilled from
    # these tables, which no longer hold them
    sent_generation = int(get_meta(db, "generation", "0"))
    from indexer.milvus.writers import claim_writer

    writer = claim_writer(store, db)
    with db:
        removed = forget_rows(db, [repo["id"]])
    sent = push_run(
        db, store, model=manifest.model, fingerprint=manifest.fingerprint, dim=manifest.dim,
        sent_generation=sent_generation, removed=removed, added=[], writer=writer,
    )  # fmt: skip
    with db:
        set_meta(db, "generation", str(sent.generation))
    log.info("forgot %s in %s (%d files, %d documents)", repo["name"], store.target, files, len(removed))
    return ForgetReport(repo["name"], repo["root"], files, len(removed), sent.generation)


def _forget(index_dir: Path, db: sqlite3.Connection, manifest: Manifest, name: str) -> ForgetReport:
    repo = _named_repo(index_dir, db, name)
    files = db.execute("SELECT COUNT(*) FROM files WHERE repo_id=?", (repo["id"],)).fetchone()[0]
    consistent = int(get_meta(db, "generation", "0")) == manifest.generation
    # the rows go in the transaction that commits the generation without them: readers keep them till then
    db.execute("BEGIN IMMEDIATE")
    removed = forget_rows(db, [repo["id"]])
    vectors = _vectors_without(index_dir, db, manifest, removed, consistent)
    new = commit_next_generation(index_dir, db, manifest, vectors, recount(db, manifest.parts))
    log.info("forgot %s (%d files, %d documents)", repo["name"], files, len(removed))
    return ForgetReport(repo["name"], repo["root"], files, len(removed), new.generation)


def _vectors_without(
    index_dir: Path, db: sqlite3.Connection, manifest: Manifest, removed: list[int], consistent: bool
) -> VectorIndex | None:
    """The manifest's vectors less ``removed``; rebuilt from the embedding cache when they cannot be
    trusted (a killed writer) or hold too many tombstones. None for a lexical-only index."""
    if not manifest.vectors_file:
        return None
    previous = vectors_path(index_dir, manifest.generation)
    if consistent and previous.exists() and not manifest.missing_parts:
        vectors = VectorIndex.load(previous, manifest.dim)
        vectors.remove(removed)
        if not vectors.too_many_dead():
            return vectors
    return rebuild_vectors_of(db, manifest.fingerprint, manifest.dim, manifest.parts)
