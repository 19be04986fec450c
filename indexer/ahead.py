"""Many repositories into one index, the embedder kept busy: while one repository is written and committed,
the next ones are crawled and parsed, and their new texts embedded together.

Three stages joined by bounded queues, repositories kept in the order they were named:

- **prepare** (a thread): resolve the spec (clone a URL), crawl, compare with the index, parse;
- **embed** (a thread): the texts missing from the embedding cache, pooled across repositories into calls of
  a full batch for every endpoint (``Embedder.batch_size * Embedder.concurrency`` texts); each call's
  vectors go into the cache before the next call, so a killed run keeps what it embedded;
- **write** (the caller's thread): every ``commit_every`` repositories (1: a generation per repository),
  their documents in order, in the transaction that commits them as a generation (readers keep the previous
  one until then). A run killed at any point resumes: what was committed is in the tables, what was
  embedded is in the cache, and the next run parses the uncommitted repositories again, embedding nothing.

One session (``IndexSession``) holds the writer lock for the whole run, so nothing else writes between a
repository's prepare and its write; a repository whose name was taken meanwhile (two roots with one folder
name) or a root named twice is prepared again at its write.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codesearch.embedding.base import Embedder
from codesearch.errors import CodesearchError, ConfigError, IndexIOError, NotFoundError
from indexer.index_session import IndexSession
from indexer.part_cache import PartCache, cache_of
from indexer.pipeline import (
    IndexReport,
    PreparedRoot,
    embed_missing,
    known_repo,
    no_progress,
    own_files,
    prepare_root,
    summarise,
    write_root,
)
from indexer.store import connect

if TYPE_CHECKING:
    from indexer.milvus.store import MilvusStore

log = logging.getLogger(__name__)

# what one repository's failure is (its path, its clone, its files); anything else (the index locked, the
# embedding servers gone, the store down) would fail every repository alike, so it ends the run
PER_REPOSITORY_ERRORS = (NotFoundError, IndexIOError, ConfigError)
AHEAD = 16  # repositories prepared (and embedded) ahead of the one being written
BUSY_TIMEOUT_MS = 600_000  # the stages share meta.sqlite: a big repository's write may hold it a while
_POLL_S = 0.1


@dataclass
class RepositoryResult:
    """What the run did with one named repository: its report, or the error that skipped it."""

    spec: str
    name: str
    report: IndexReport | None = None
    error: CodesearchError | None = None
    seconds: float = 0.0


@dataclass
class _Item:
    """A repository between the stages."""

    result: RepositoryResult
    root: Path | None = None
    prepared: PreparedRoot | None = None  # None: failed, or to prepare at the write (a root named twice)
    missing: set[str] = field(default_factory=set)  # its texts the embed stage has not embedded yet


@dataclass
class _Crash:
    error: BaseException


_END = object()


@dataclass
class _Options:
    index_dir: Path
    max_file_size: int
    ignore: Sequence[str]
    rebuild: bool


def _put(q: queue.Queue[Any], item: object, stop: threading.Event) -> bool:
    while not stop.is_set():
        try:
            q.put(item, timeout=_POLL_S)
            return True
        except queue.Full:
            continue
    return False


def _get(q: queue.Queue[Any], stop: threading.Event) -> Any:
    while not stop.is_set():
        try:
            return q.get(timeout=_POLL_S)
        except queue.Empty:
            continue
    return _END


def _prepare_one(
    db: sqlite3.Connection,
    spec: str,
    resolve: Callable[[str], Path],
    options: _Options,
    state: dict[str, set[Any]],
) -> _Item:
    result = RepositoryResult(spec, Path(spec.rstrip("/")).name or spec)
    started = time.perf_counter()
    item = _Item(result)
    try:
        item.root = root = resolve(spec)
        result.name = root.name
        report = result.report = IndexReport(roots=[str(root)])
        if root not in state["roots"]:  # a root named twice is prepared again once the first is written
            state["roots"].add(root)
            repo_id, result.name = known_repo(db, root, state["names"])
            state["names"].add(result.name)
            item.prepared = prepare_root(
                db, root, result.name, repo_id=None if options.rebuild else repo_id,
                max_file_size=options.max_file_size, ignore=[*options.ignore, *own_files(options.index_dir, root)],
                progress=no_progress, report=report,
            )  # fmt: skip
    except PER_REPOSITORY_ERRORS as exc:
        result.report, result.error = None, exc
    result.seconds = time.perf_counter() - started
    return item


def _prepare_all(
    specs: Sequence[str],
    resolve: Callable[[str], Path],
    options: _Options,
    out: queue.Queue[Any],
    stop: threading.Event,
) -> None:
    try:
        db = connect(options.index_dir, readonly=True)
        try:
            state: dict[str, set[Any]] = {"roots": set(), "names": set()}
            for spec in specs:
                if stop.is_set() or not _put(out, _prepare_one(db, spec, resolve, options, state), stop):
                    return
        finally:
            db.close()
    except BaseException as exc:  # handed to the writer, which raises it
        _put(out, _Crash(exc), stop)
    _put(out, _END, stop)


class _EmbedStage:
    """Texts of several repositories embedded together, a full batch for every endpoint per call."""

    def __init__(self, embedder: Embedder, index_dir: Path, stop: threading.Event) -> None:
        self.embedder, self.index_dir, self.stop = embedder, index_dir, stop
        self.full = max(1, embedder.batch_size * max(1, embedder.concurrency))
        self.waiting: deque[_Item] = deque()
        self.texts: dict[str, str] = {}  # hash -> text, still to embed, in the order repositories came
        self.owner: dict[str, _Item] = {}  # the repository a text is embedded (and counted) for
        self.asked: set[str] = set()  # every hash this run has looked up
        self.ended = False

    def run(self, inq: queue.Queue[Any], outq: queue.Queue[Any]) -> None:
        try:
            db = connect(self.index_dir)
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            try:
                self._loop(cache_of(db, self.embedder), inq, outq)
            finally:
                db.close()
        except BaseException as exc:  # handed to the writer, which raises it
            _put(outq, _Crash(exc), self.stop)
            return
        _put(outq, _END, self.stop)

    def _loop(self, cache: PartCache, inq: queue.Queue[Any], outq: queue.Queue[Any]) -> None:
        while not self.stop.is_set():
            while self.waiting and not self.waiting[0].missing:  # in order: a repository's texts all cached
                if not _put(outq, self.waiting.popleft(), self.stop):
                    return
            if self.ended and not self.waiting:
                return
            if not self.texts:  # nothing to embed: wait for the next repository
                self._take(cache, _get(inq, self.stop))
                continue
            while not self.ended and len(self.texts) < self.full:  # more, if they are ready, up to a batch
                try:
                    self._take(cache, inq.get_nowait())
                except queue.Empty:
                    break
            self._embed(cache, list(self.texts)[: self.full])

    def _take(self, cache: PartCache, item: object) -> None:
        if item is _END:
            self.ended = True
            return
        if isinstance(item, _Crash):
            raise item.error
        assert isinstance(item, _Item)
        if item.prepared is not None:
            texts = {
                d.content_hash: d.text for d in item.prepared.documents() if d.content_hash not in self.asked
            }
            self.asked.update(texts)
            for h in cache.missing(list(texts)):
                self.texts[h], self.owner[h] = texts[h], item
                item.missing.add(h)
        self.waiting.append(item)

    def _embed(self, cache: PartCache, hashes: list[str]) -> None:
        started = time.perf_counter()
        vectors = self.embedder.embed_documents([self.texts[h] for h in hashes])
        cache.put(hashes, vectors)
        seconds = time.perf_counter() - started
        for h in hashes:
            del self.texts[h]
            item = self.owner.pop(h)
            item.missing.discard(h)
            report = item.result.report
            assert report is not None
            report.embedded += 1
            report.timings["embed"] += seconds / len(hashes)


@dataclass
class _Stages:
    """The prepare and embed threads of a run, and the queue the writer reads."""

    ready: queue.Queue[Any]
    stop: threading.Event
    threads: list[threading.Thread]

    def items(self) -> Iterator[_Item]:
        while True:
            item = _get(self.ready, self.stop)
            if item is _END:
                return
            if isinstance(item, _Crash):
                raise item.error
            yield item

    def close(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=5)


def _start(
    specs: Sequence[str],
    resolve: Callable[[str], Path],
    options: _Options,
    embedder: Embedder | None,
    ahead: int,
) -> _Stages:
    stop = threading.Event()
    prepared: queue.Queue[Any] = queue.Queue(maxsize=ahead)
    threads = [
        threading.Thread(target=_prepare_all, args=(specs, resolve, options, prepared, stop), daemon=True)
    ]
    ready = prepared
    if embedder is not None:
        ready = queue.Queue(maxsize=ahead)
        stage = _EmbedStage(embedder, options.index_dir, stop)
        threads.append(threading.Thread(target=stage.run, args=(prepared, ready), daemon=True))
    for thread in threads:
        thread.start()
    return _Stages(ready, stop, threads)


def index_repositories_ahead(
    specs: Sequence[str],
    resolve: Callable[[str], Path],
    *,
    index_dir: Path,
    embedder: Embedder | None,
    model: str | None = None,
    store: MilvusStore | None = None,
    max_file_size: int = 1 << 20,
    ignore: Sequence[str] = (),
    rebuild: bool = False,
    commit_every: int = 1,
    ahead: int = AHEAD,
    on_done: Callable[[RepositoryResult], None] | None = None,
) -> list[RepositoryResult]:
    """Index each repository ``specs`` names (``resolve`` turns a spec into its folder), in order, with up
    to ``ahead`` repositories prepared and embedded ahead of the one being written, and a commit every
    ``commit_every`` repositories; ``on_done`` is called for each, in order, once it is committed."""
    if commit_every < 1 or ahead < 1:
        raise ConfigError("commit_every and ahead must be at least 1")
    options = _Options(index_dir, max_file_size, ignore, rebuild)
    results: list[RepositoryResult] = []
    with IndexSession(index_dir, embedder=embedder, model=model, store=store, rebuild=rebuild) as session:
        session.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        stages = _start(specs, resolve, options, embedder, ahead)
        uncommitted: list[RepositoryResult] = []
        # written at their commit, all in its transaction: a transaction held while waiting for the next
        # repository would stall the embed stage's cache writes, which that repository may wait for
        pending: list[_Item] = []
        try:
            for item in stages.items():
                if item.result.report is not None and item.root is not None:
                    pending.append(item)
                uncommitted.append(item.result)
                if sum(r.report is not None for r in uncommitted) >= commit_every:
                    _write_all(session, pending, options)
                    _commit(session, uncommitted, results, on_done)
            _write_all(session, pending, options)
            _commit(session, uncommitted, results, on_done)
        except sqlite3.OperationalError as exc:
            raise IndexIOError(f"writing the index in {index_dir} failed: {exc}") from None
        finally:
            stages.close()
    return results


def _write_all(session: IndexSession, pending: list[_Item], options: _Options) -> None:
    for item in pending:
        _write(session, item, options)
    pending.clear()


def _write(session: IndexSession, item: _Item, options: _Options) -> None:
    """Write one prepared repository in the generation's transaction (preparing it again when what it was
    prepared against changed; should that embed anything, its cache writes commit the rows written so far,
    marked ahead of every generation, as before this transaction)."""
    assert item.root is not None and item.result.report is not None
    report, root = item.result.report, item.root
    started = time.perf_counter()
    session.begin()
    if options.rebuild:
        session.forget_for_rebuild([root])
    prepared = item.prepared
    repo_id, name = known_repo(session.db, root)
    if prepared is None or prepared.name != name:
        log.debug("%s: prepared again at its write (named twice, or its name was taken)", root)
        report = item.result.report = IndexReport(roots=[str(root)])
        prepared = prepare_root(
            session.db, root, name, repo_id=repo_id, max_file_size=options.max_file_size,
            ignore=[*options.ignore, *own_files(options.index_dir, root)], progress=no_progress, report=report,
        )  # fmt: skip
        if session.embedder is not None and session.cache is not None:
            embed_missing(prepared.documents(), session.embedder, session.cache, no_progress, report)
    item.result.name = name
    session.add(*write_root(session.db, prepared, report))
    summarise(session.db, [root], report)
    item.result.seconds += time.perf_counter() - started


def _commit(
    session: IndexSession,
    uncommitted: list[RepositoryResult],
    results: list[RepositoryResult],
    on_done: Callable[[RepositoryResult], None] | None,
) -> None:
    started = time.perf_counter()
    generation = session.commit() if any(r.report is not None for r in uncommitted) else session.generation
    share = (time.perf_counter() - started) / max(1, len(uncommitted))
    for result in uncommitted:
        if result.report is not None:
            result.report.generation = generation
            result.report.timings["write"] += share
            result.report.seconds = sum(result.report.timings.values())
            result.seconds += share
        results.append(result)
        if on_done is not None:
            on_done(result)
    uncommitted.clear()
