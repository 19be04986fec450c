"""Index roots into an index directory: crawl, parse what changed, embed what is new, commit a generation."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import Counter
from collections.abc import Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import parsers
from codesearch.embedding.base import Embedder
from codesearch.errors import IndexIOError
from codesearch.terminal_text import as_bytes_shown
from codesearch.types import Document
from indexer.changes import FileChanges, detect_changes, refresh_metadata
from indexer.crawl import SourceFile, crawl, read_text
from indexer.documents import content_hash, file_documents
from indexer.index_session import IndexSession
from indexer.part_cache import PartCache
from indexer.safe_read import FileTooLargeError
from indexer.store import Manifest
from indexer.store_write import FileRecord, SqliteStoreWriter, StoreWriter

if TYPE_CHECKING:
    from indexer.milvus.store import MilvusStore

log = logging.getLogger(__name__)

EMBED_CHUNK = 256  # texts embedded (and cached) per step, so a killed run keeps what it embedded
# More texts than this lacking the English part of a composite model: the run leaves it to the English fill
# (indexer.fill), so the index is searchable after the fast model's pass alone. Fewer (a small incremental
# run) are embedded inline with both parts.
DEFER_THRESHOLD = 512
# The code of one file's documents is bounded by a multiple of its size: overlapping windows and nested
# symbols repeat lines, but a file must never turn into hundreds of megabytes of index.
MAX_DOCUMENT_BYTES_FACTOR = 4
DOCUMENT_BYTES_SLACK = 64 * 1024  # so a tiny file's windows are never cut


class Progress(Protocol):
    def __call__(self, stage: str, advance: int, total: int | None) -> None: ...


def no_progress(stage: str, advance: int, total: int | None) -> None:
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
    # reason -> every file (or pruned folder, ending in /) skipped for it: the root joined with its path
    skipped_files: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0
    # documents of the committed generation with no vector of some part yet (the English fill's work)
    missing_parts: int = 0
    timings: dict[str, float] = field(
        default_factory=lambda: {"crawl": 0.0, "parse": 0.0, "embed": 0.0, "write": 0.0}
    )
    generation: int = 0
    model: str = "none"  # a lexical-only index (indexer.store.LEXICAL_ONLY)
    errors: list[str] = field(default_factory=list)
    # what the per-file bounds left out: symbols-nested-too-deep, symbols-over-limit, parse-timeout,
    # documents-over-budget (each file with a cut is also named in ``errors``)
    cut: dict[str, int] = field(default_factory=dict)

    def add_skipped(self, root: Path, path: str, reason: str) -> None:
        """Count ``path`` (under ``root``) as skipped for ``reason`` and name it; a name that is not UTF-8
        is named with its bytes as ``\\xff`` (a report is printed and sent as JSON)."""
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        self.skipped_files.setdefault(reason, []).append(as_bytes_shown(f"{root}/{path}"))


@dataclass
class _ParsedFile:
    source: SourceFile
    language: str
    content_hash: str
    documents: list[Document]
    n_symbols: int


def _parse_file(
    repo: str, root: Path, source: SourceFile, report: IndexReport, max_file_size: int
) -> _ParsedFile | None:
    try:  # the file may have changed since the crawl: a FIFO, a symlink out, or grown past the limit
        _, text = read_text(source.abs_path, root, max_bytes=max_file_size)
    except FileTooLargeError:
        report.add_skipped(root, source.path, "too-large")
        return None
    except IndexIOError as exc:  # read_text maps OSError (the file vanished or became unreadable)
        report.errors.append(f"{source.path}: unreadable ({exc})")
        report.add_skipped(root, source.path, "unreadable")
        return None
    language = parsers.language_for_source(source.path, text) or "text"
    symbols = []
    cuts: Counter[str] = Counter()
    if parsers.has_grammar(language):
        try:
            # the decoded text, not the raw bytes: UTF-16/32 and Latin-1 parse as what they say; byte offsets
            # are then offsets into this UTF-8 form, and line numbers are the text's own
            source_bytes = text.encode("utf-8", "surrogatepass")
            symbols = parsers.extract_symbols(source_bytes, language, path=source.path, repo=repo, cuts=cuts)
        except Exception as exc:  # a parser bug must not lose the file: it is indexed as windows
            log.warning("%s: symbol extraction failed (%s); indexing it as plain text", source.path, exc)
            report.errors.append(f"{source.path}: symbol extraction failed ({exc})")
    docs = _within_budget(file_documents(repo, source.path, language, text, symbols), len(text), cuts)
    if cuts:
        for what, n in cuts.items():
            report.cut[what] = report.cut.get(what, 0) + n
        report.errors.append(
            f"{source.path}: bounded ({', '.join(f'{n} {w}' for w, n in sorted(cuts.items()))})"
        )
    return _ParsedFile(source, language, content_hash(text), docs, len(symbols))


def _within_budget(docs: list[Document], text_chars: int, cuts: Counter[str]) -> list[Document]:
    """The documents, in order, until their code reaches the file's budget; the rest counted as cut."""
    budget = MAX_DOCUMENT_BYTES_FACTOR * text_chars + DOCUMENT_BYTES_SLACK
    kept: list[Document] = []
    for doc in docs:
        budget -= len(doc.code)
        if budget < 0:
            cuts["documents-over-budget"] += len(docs) - len(kept)
            break
        kept.append(doc)
    return kept


def embed_missing(
    docs: Sequence[Document],
    embedder: Embedder,
    cache: PartCache,
    progress: Progress,
    report: IndexReport,
    defer_over: int | None = None,
) -> None:
    """Embed, part by part, the texts each part has no cached vector of. An English-only part of a model
    of several that lacks more than ``defer_over`` texts is left for the English fill (``indexer.fill``)."""
    texts = {d.content_hash: d.text for d in docs}
    parts = embedder.stored_parts
    todo: list[tuple[int, Embedder, list[str]]] = []
    for n, part in enumerate(parts):
        missing = cache.missing_part(n, list(texts))
        if defer_over is not None and len(parts) > 1 and part.english_only and len(missing) > defer_over:
            log.info("%d texts lack %s: left for the English fill", len(missing), part.model_id)
            continue
        todo.append((n, part, missing))
    total = sum(len(missing) for _, _, missing in todo)
    progress("embed", 0, total)
    started = time.perf_counter()
    embedded: set[str] = set()
    for n, part, missing in todo:
        for i in range(0, len(missing), EMBED_CHUNK):
            chunk = missing[i : i + EMBED_CHUNK]
            cache.put_part(n, chunk, part.embed_documents([texts[h] for h in chunk]))
            embedded.update(chunk)
            progress("embed", len(chunk), total)
    report.embedded += len(embedded)
    report.timings["embed"] += time.perf_counter() - started


def _write_repo(
    writer: StoreWriter, repo_id: int, parsed: list[_ParsedFile], gone: list[int]
) -> tuple[list[int], list[tuple[int, str]]]:
    """Replace the documents of changed and deleted files. Returns (removed doc ids, (new id, hash))."""
    removed = writer.delete_files(gone)
    added: list[tuple[int, str]] = []
    for p in parsed:
        f = p.source
        record = FileRecord(f.path, p.language, f.blob_id, f.size, f.mtime_ns, p.content_hash, p.n_symbols)
        r, a = writer.replace_file(repo_id, record, p.documents)
        removed += r
        added += a
    return removed, added


@dataclass
class PreparedRoot:
    """One root crawled, compared with the index and its changed files parsed: what ``write_root`` records.
    ``repo_id`` is None for a repository the index does not hold yet (it is created at the write)."""

    root: Path
    name: str
    is_git: bool
    repo_id: int | None
    changes: FileChanges
    parsed: list[_ParsedFile]

    def documents(self) -> list[Document]:
        return [d for p in self.parsed for d in p.documents]


def prepare_root(
    db: sqlite3.Connection,
    root: Path,
    name: str,
    *,
    repo_id: int | None,
    max_file_size: int,
    ignore: Sequence[str],
    progress: Progress,
    report: IndexReport,
) -> PreparedRoot:
    """Crawl ``root``, find what changed against the index's files of ``repo_id`` (none: a new repository)
    and parse the changed files, as repository ``name``. Only reads ``db``."""
    started = time.perf_counter()
    examined = 0

    def crawl_progress(total: int) -> None:  # the crawler reports running totals; bars advance by steps
        nonlocal examined
        progress("crawl", total - examined, None)
        examined = total

    crawled = crawl(root, max_file_size=max_file_size, extra_ignore=ignore, progress=crawl_progress)
    report.timings["crawl"] += time.perf_counter() - started
    for path, reason in crawled.skipped:
        report.add_skipped(root, path, reason)
    changes = (
        detect_changes(db, repo_id, crawled) if repo_id is not None else FileChanges(list(crawled.files))
    )

    started = time.perf_counter()
    parsed: list[_ParsedFile] = []
    progress("parse", 0, len(changes.to_parse))
    for f in changes.to_parse:
        p = _parse_file(name, root, f, report, max_file_size)
        if p is not None:
            parsed.append(p)
        progress("parse", 1, len(changes.to_parse))
    report.timings["parse"] += time.perf_counter() - started
    report.files_parsed += len(parsed)
    report.files_removed += len(changes.gone)
    return PreparedRoot(root, name, crawled.is_git, repo_id, changes, parsed)


def write_root(
    db: sqlite3.Connection, prepared: PreparedRoot, report: IndexReport
) -> tuple[list[int], list[tuple[int, str]]]:
    """Record a prepared root's changes in the generation's transaction (``IndexSession.begin``; its
    documents' vectors must be cached by now), which the session's commit commits with its vectors.
    Returns (removed doc ids, (new id, content hash))."""
    started = time.perf_counter()
    writer = SqliteStoreWriter(db)
    writer.begin()
    try:
        repo_id, _ = writer.upsert_repo(prepared.root, prepared.is_git, prepared.name)
        removed, added = _write_repo(writer, repo_id, prepared.parsed, prepared.changes.gone)
        refresh_metadata(db, prepared.changes.touched)
        if removed or added:  # no generation's vectors match these documents until the manifest is written
            writer.set_generation(-1)
        writer.mark_indexed(repo_id)
    except BaseException:
        writer.rollback()
        raise
    report.timings["write"] += time.perf_counter() - started
    return removed, added


def _prepare_and_embed(
    db: sqlite3.Connection,
    root: Path,
    name: str,
    *,
    repo_id: int | None,
    embedder: Embedder | None,
    cache: PartCache | None,
    max_file_size: int,
    ignore: Sequence[str],
    progress: Progress,
    report: IndexReport,
    defer_over: int | None = None,
) -> PreparedRoot:
    prepared = prepare_root(
        db, root, name, repo_id=repo_id, max_file_size=max_file_size, ignore=ignore, progress=progress,
        report=report,
    )  # fmt: skip
    if embedder is not None and cache is not None:
        embed_missing(prepared.documents(), embedder, cache, progress, report, defer_over)
    return prepared


def known_repo(db: sqlite3.Connection, root: Path, taken: Set[str] = frozenset()) -> tuple[int | None, str]:
    """The index's id of the repository at ``root`` (None: new) and the name it has or will get, with
    ``taken`` names also in use (repositories prepared but not written yet). Only reads ``db``."""
    row = db.execute("SELECT id FROM repos WHERE root=?", (str(root),)).fetchone()
    return (int(row[0]) if row else None), SqliteStoreWriter(db).repo_name(root, taken)


def summarise(db: sqlite3.Connection, roots: list[Path], report: IndexReport) -> None:
    """What the index holds of ``roots`` now, into ``report`` (files, documents, symbols by language)."""
    summary = SqliteStoreWriter(db).summary(roots)
    report.files, report.documents = summary.files, summary.documents
    report.symbols_by_language = summary.symbols_by_language
    report.symbols = sum(summary.symbols_by_language.values())


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
    store: MilvusStore | None = None,
    defer_english: bool = True,
) -> IndexReport:
    """Index each root (a folder or a git work tree) into ``index_dir``, incrementally.

    Only files that changed since the last run are parsed and only texts new to the embedding cache are
    embedded. ``embedder=None`` builds a lexical-only index. With ``store`` (Milvus) the documents and
    vectors go there; the file table and the embedding cache stay in ``index_dir``.

    A model of several parts with an English-only one (``use+minilm-int8``) leaves that part out when
    more than ``DEFER_THRESHOLD`` texts lack it (unless ``defer_english`` is off, or on a Milvus store):
    the run commits a searchable generation sooner, and ``indexer.fill`` embeds the English part behind it.
    """
    defer_over = DEFER_THRESHOLD if defer_english and store is None else None
    progress = progress or no_progress
    started = time.perf_counter()
    roots = list(dict.fromkeys(Path(p).expanduser().resolve() for p in paths))
    session = IndexSession(index_dir, embedder=embedder, model=model, store=store, rebuild=rebuild)
    report = IndexReport(roots=[str(r) for r in roots], model=session.model)
    with session:
        try:
            # every root crawled, parsed and embedded before the generation's transaction opens (the cache's
            # writes commit as they go); a rebuild prepares its roots as new ones
            prepared, taken = [], set[str]()
            for root in roots:
                repo_id, name = known_repo(session.db, root, taken)
                taken.add(name)
                prepared.append(
                    _prepare_and_embed(
                        session.db,
                        root,
                        name,
                        repo_id=None if rebuild else repo_id,
                        embedder=embedder,
                        cache=session.cache,
                        max_file_size=max_file_size,
                        ignore=[*ignore, *own_files(index_dir, root)],
                        progress=progress,
                        report=report,
                        defer_over=defer_over,
                    )
                )
            session.begin()
            if rebuild:  # the given roots only: other repositories of the index stay as they are
                session.forget_for_rebuild(roots)
            for p in prepared:
                session.add(*write_root(session.db, p, report))
            summarise(session.db, roots, report)
            t = time.perf_counter()
            report.generation = session.commit()
            report.timings["write"] += time.perf_counter() - t
            report.missing_parts = _missing_after(index_dir, store)
        except sqlite3.OperationalError as exc:
            raise IndexIOError(f"writing the index in {index_dir} failed: {exc}") from None
    report.seconds = time.perf_counter() - started
    return report


def _missing_after(index_dir: Path, store: MilvusStore | None) -> int:
    """How many documents of the committed generation lack some part's vector (the English fill's work)."""
    manifest = None if store is not None else Manifest.read(index_dir)
    return manifest.missing_parts if manifest is not None else 0


def own_files(index_dir: Path, root: Path) -> list[str]:
    """An ignore pattern for the index itself when it lives inside a root (never index the index)."""
    try:
        rel = Path(index_dir).expanduser().resolve().relative_to(root)
    except ValueError:
        return []
    return [f"/{rel.as_posix()}/"] if rel.parts else []
