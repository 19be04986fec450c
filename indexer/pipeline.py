"""Index roots into an index directory: crawl, parse what changed, embed what is new, commit a generation."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

import parsers
from codesearch.embedding.base import Embedder
from codesearch.errors import IndexIOError
from codesearch.types import Document
from indexer.changes import detect_changes, refresh_metadata
from indexer.crawl import SourceFile, crawl, read_text
from indexer.documents import content_hash, file_documents
from indexer.forget import forget_roots_for_rebuild
from indexer.store import (
    LEXICAL_ONLY,
    EmbeddingCache,
    Manifest,
    check_model,
    commit_generation,
    connect,
    get_meta,
    rebuild_vectors,
    set_meta,
    vectors_path,
    writer_lock,
)
from indexer.vectors import ANN_THRESHOLD, VectorIndex

log = logging.getLogger(__name__)

EMBED_CHUNK = 256  # texts embedded (and cached) per step, so a killed run keeps what it embedded


class Progress(Protocol):
    def __call__(self, stage: str, advance: int, total: int | None) -> None: ...


def _no_progress(stage: str, advance: int, total: int | None) -> None:
    return None


@dataclass
class IndexReport:
    """What one ``index_paths`` run did."""

    roots: list[str] = field(default_factory=list)
    files: int = 0  # files in the index for these roots after the run
    files_parsed: int = 0
    files_removed: int = 0
    symbols: int = 0
    symbols_by_language: dict[str, int] = field(default_factory=dict)
    documents: int = 0
    embedded: int = 0  # texts sent to the model in this run (cache misses)
    skipped: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    timings: dict[str, float] = field(
        default_factory=lambda: {"crawl": 0.0, "parse": 0.0, "embed": 0.0, "write": 0.0}
    )
    generation: int = 0
    model: str = LEXICAL_ONLY
    errors: list[str] = field(default_factory=list)


@dataclass
class _ParsedFile:
    source: SourceFile
    language: str
    content_hash: str
    documents: list[Document]
    n_symbols: int


def _repo_name(db: sqlite3.Connection, root: Path) -> str:
    row = db.execute("SELECT name FROM repos WHERE root=?", (str(root),)).fetchone()
    if row:
        return str(row[0])
    name = root.name or str(root)
    taken = {r[0] for r in db.execute("SELECT name FROM repos")}
    if name in taken:  # two roots with one folder name: qualify with the parent
        name = f"{root.parent.name}/{name}"
    return name


def _parse_file(repo: str, source: SourceFile, report: IndexReport) -> _ParsedFile | None:
    try:
        raw, text = read_text(source.abs_path)
    except IndexIOError as exc:  # read_text maps OSError (the file vanished or became unreadable)
        report.errors.append(f"{source.path}: unreadable ({exc})")
        report.skipped["unreadable"] = report.skipped.get("unreadable", 0) + 1
        return None
    language = parsers.language_for_path(source.path) or "text"
    symbols = []
    if parsers.has_grammar(language):
        try:
            symbols = parsers.extract_symbols(raw, language, path=source.path, repo=repo)
        except Exception as exc:  # a parser bug must not lose the file: it is indexed as windows
            log.warning("%s: symbol extraction failed (%s); indexing it as plain text", source.path, exc)
            report.errors.append(f"{source.path}: symbol extraction failed ({exc})")
    docs = file_documents(repo, source.path, language, text, symbols)
    return _ParsedFile(source, language, content_hash(text), docs, len(symbols))


def _embed_missing(
    docs: Sequence[Document],
    embedder: Embedder,
    cache: EmbeddingCache,
    progress: Progress,
    report: IndexReport,
) -> None:
    texts = {d.content_hash: d.text for d in docs}
    missing = cache.missing(list(texts))
    progress("embed", 0, len(missing))
    started = time.perf_counter()
    for i in range(0, len(missing), EMBED_CHUNK):
        chunk = missing[i : i + EMBED_CHUNK]
        vectors = embedder.embed_documents([texts[h] for h in chunk])
        cache.put(chunk, vectors)
        report.embedded += len(chunk)
        progress("embed", len(chunk), len(missing))
    report.timings["embed"] += time.perf_counter() - started


def _write_repo(
    db: sqlite3.Connection, repo_id: int, parsed: list[_ParsedFile], gone: list[int]
) -> tuple[list[int], list[tuple[int, str]]]:
    """Replace the documents of changed and deleted files. Returns (removed doc ids, (new id, hash))."""
    removed: list[int] = []
    added: list[tuple[int, str]] = []
    for file_id in gone:
        removed.extend(r[0] for r in db.execute("SELECT id FROM documents WHERE file_id=?", (file_id,)))
        db.execute("DELETE FROM documents WHERE file_id=?", (file_id,))
        db.execute("DELETE FROM files WHERE id=?", (file_id,))
    for p in parsed:
        f = p.source
        row = db.execute("SELECT id FROM files WHERE repo_id=? AND path=?", (repo_id, f.path)).fetchone()
        if row:
            file_id = row[0]
            removed.extend(r[0] for r in db.execute("SELECT id FROM documents WHERE file_id=?", (file_id,)))
            db.execute("DELETE FROM documents WHERE file_id=?", (file_id,))
            db.execute(
                "UPDATE files SET language=?, blob_id=?, size=?, mtime_ns=?, content_hash=?, n_symbols=? WHERE id=?",
                (p.language, f.blob_id, f.size, f.mtime_ns, p.content_hash, p.n_symbols, file_id),
            )
        else:
            new_id = db.execute(
                "INSERT INTO files (repo_id, path, language, blob_id, size, mtime_ns, content_hash, n_symbols) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (repo_id, f.path, p.language, f.blob_id, f.size, f.mtime_ns, p.content_hash, p.n_symbols),
            ).lastrowid
            assert new_id is not None
            file_id = new_id
        for d in p.documents:
            doc_id = db.execute(
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
            db.execute(
                "INSERT INTO documents_fts (rowid, name, path, doc, code) VALUES (?, ?, ?, ?, ?)",
                (doc_id, *d.lexical.split("\t")),
            )
            added.append((doc_id, d.content_hash))
    if removed:
        for i in range(0, len(removed), 500):
            chunk = removed[i : i + 500]
            db.execute(f"DELETE FROM documents_fts WHERE rowid IN ({','.join('?' * len(chunk))})", chunk)
    return removed, added


def _index_root(
    db: sqlite3.Connection,
    root: Path,
    *,
    embedder: Embedder | None,
    cache: EmbeddingCache | None,
    max_file_size: int,
    ignore: Sequence[str],
    progress: Progress,
    report: IndexReport,
) -> tuple[list[int], list[tuple[int, str]]]:
    started = time.perf_counter()
    examined = 0

    def crawl_progress(total: int) -> None:  # the crawler reports running totals; bars advance by steps
        nonlocal examined
        progress("crawl", total - examined, None)
        examined = total

    crawled = crawl(root, max_file_size=max_file_size, extra_ignore=ignore, progress=crawl_progress)
    report.timings["crawl"] += time.perf_counter() - started
    for reason, count in crawled.skipped_by_reason().items():
        report.skipped[reason] = report.skipped.get(reason, 0) + count
    name = _repo_name(db, root)
    with db:
        db.execute(
            "INSERT INTO repos (name, root, is_git) VALUES (?, ?, ?) ON CONFLICT(root) DO UPDATE SET is_git=excluded.is_git",
            (name, str(root), int(crawled.is_git)),
        )
    repo_id = db.execute("SELECT id FROM repos WHERE root=?", (str(root),)).fetchone()[0]
    changes = detect_changes(db, repo_id, crawled)
    to_parse, gone = changes.to_parse, changes.gone

    started = time.perf_counter()
    parsed: list[_ParsedFile] = []
    progress("parse", 0, len(to_parse))
    for f in to_parse:
        p = _parse_file(name, f, report)
        if p is not None:
            parsed.append(p)
        progress("parse", 1, len(to_parse))
    report.timings["parse"] += time.perf_counter() - started
    report.files_parsed += len(parsed)
    report.files_removed += len(gone)

    if embedder is not None and cache is not None:
        _embed_missing([d for p in parsed for d in p.documents], embedder, cache, progress, report)

    started = time.perf_counter()
    with db:
        removed, added = _write_repo(db, repo_id, parsed, gone)
        refresh_metadata(db, changes.touched)
        if removed or added:  # no generation's vectors match these documents until the manifest is written
            set_meta(db, "generation", "-1")
        db.execute("UPDATE repos SET indexed_at=? WHERE id=?", (time.time(), repo_id))
    report.timings["write"] += time.perf_counter() - started
    return removed, added


def _summarise(db: sqlite3.Connection, roots: list[Path], report: IndexReport) -> None:
    marks = ",".join("?" * len(roots))
    where = f"r.root IN ({marks})"
    args = [str(r) for r in roots]
    report.files = db.execute(
        f"SELECT COUNT(*) FROM files f JOIN repos r ON r.id=f.repo_id WHERE {where}", args
    ).fetchone()[0]
    rows = db.execute(
        f"SELECT f.language, SUM(f.n_symbols) FROM files f JOIN repos r ON r.id=f.repo_id WHERE {where} "
        "GROUP BY f.language ORDER BY 2 DESC",
        args,
    )
    report.symbols_by_language = {lang: int(n) for lang, n in rows if n}
    report.symbols = sum(report.symbols_by_language.values())
    report.documents = db.execute(
        f"SELECT COUNT(*) FROM documents d JOIN files f ON f.id=d.file_id JOIN repos r ON r.id=f.repo_id WHERE {where}",
        args,
    ).fetchone()[0]


def _update_vectors(
    index_dir: Path,
    db: sqlite3.Connection,
    manifest: Manifest | None,
    consistent: bool,
    embedder: Embedder,
    removed: list[int],
    added: list[tuple[int, str]],
) -> VectorIndex:
    """The previous generation's vectors with this run's changes, or a rebuild from the cache."""
    cache = EmbeddingCache(db, embedder.fingerprint, embedder.dim)
    previous = vectors_path(index_dir, manifest.generation) if manifest and manifest.vectors_file else None
    if consistent and previous is not None and previous.exists():
        vectors = VectorIndex.load(previous, embedder.dim)
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
    return rebuild_vectors(db, embedder.fingerprint, embedder.dim)


def index_paths(
    paths: Sequence[Path],
    *,
    index_dir: Path,
    embedder: Embedder | None,
    model: str | None = None,
    max_file_size: int = 1 << 20,
    ignore: Sequence[str] = (),
    rebuild: bool = False,
    progress: Progress | None = None,
) -> IndexReport:
    """Index each root (a folder or a git work tree) into ``index_dir``, incrementally.

    Only files that changed since the last run are parsed and only texts new to the embedding cache are
    embedded. ``embedder=None`` builds a lexical-only index.
    """
    progress = progress or _no_progress
    started = time.perf_counter()
    roots = [Path(p).expanduser().resolve() for p in paths]
    fingerprint = embedder.fingerprint if embedder else LEXICAL_ONLY
    model = model or (embedder.model_id if embedder else LEXICAL_ONLY)
    report = IndexReport(roots=[str(r) for r in roots], model=model)
    with writer_lock(index_dir):
        for leftover in index_dir.glob("*.tmp"):  # files a killed writer was writing aside
            leftover.unlink(missing_ok=True)
        try:
            previous = Manifest.read(index_dir)
        except IndexIOError:
            if not rebuild:
                raise
            previous = None  # --rebuild is the way out of an unreadable manifest
        manifest = None if rebuild else previous
        check_model(index_dir, manifest, model, fingerprint, dim=embedder.dim if embedder else None)
        try:
            db = connect(index_dir)
        except sqlite3.Error as exc:
            raise IndexIOError(f"cannot open the index database in {index_dir}: {exc}") from None
        try:
            if rebuild:  # the given roots only: other repositories of the index stay as they are
                forget_roots_for_rebuild(db, index_dir, roots, previous, fingerprint)
            # a rebuild still numbers on from the last generation: readers take a new number as new data
            generation = previous.generation if previous else 0
            consistent = int(get_meta(db, "generation", "0")) == generation
            cache = EmbeddingCache(db, fingerprint, embedder.dim) if embedder else None
            removed: list[int] = []
            added: list[tuple[int, str]] = []
            for root in roots:
                r, a = _index_root(
                    db,
                    root,
                    embedder=embedder,
                    cache=cache,
                    max_file_size=max_file_size,
                    ignore=[*ignore, *_own_files(index_dir, root)],
                    progress=progress,
                    report=report,
                )
                removed += r
                added += a
            _summarise(db, roots, report)
            if manifest is not None and consistent and not removed and not added:
                report.generation = generation  # nothing changed: keep the generation readers have
            else:
                t = time.perf_counter()
                vectors = (
                    _update_vectors(index_dir, db, manifest, consistent, embedder, removed, added)
                    if embedder
                    else None
                )
                with db:
                    set_meta(db, "generation", str(generation + 1))
                new = commit_generation(
                    index_dir,
                    db,
                    model=model,
                    fingerprint=fingerprint,
                    dim=embedder.dim if embedder else 0,
                    previous=previous,
                    vectors=vectors,
                )
                report.generation = new.generation
                report.timings["write"] += time.perf_counter() - t
        except sqlite3.OperationalError as exc:
            raise IndexIOError(f"writing the index in {index_dir} failed: {exc}") from None
        finally:
            db.close()
    report.seconds = time.perf_counter() - started
    return report


def _own_files(index_dir: Path, root: Path) -> list[str]:
    """An ignore pattern for the index itself when it lives inside a root (never index the index)."""
    try:
        rel = Path(index_dir).expanduser().resolve().relative_to(root)
    except ValueError:
        return []
    return [f"/{rel.as_posix()}/"] if rel.parts else []
