"""The English fill: embed the part of a composite model that a fast build left out, then commit it.

A first build of a ``use+minilm-int8`` index embeds only ``use`` (``pipeline.DEFER_THRESHOLD``) and
records in its manifest how many documents lack the English part; searches weigh that part 0 meanwhile.
The fill reads those documents' texts back from the store (no crawl, no parse), embeds them in
``EMBED_CHUNK`` chunks into the embedding cache (each chunk committed: a killed fill resumes where it
stopped), then, under the index's writer lock, rebuilds the vectors from the cache and commits a new
generation. Embedding runs without the writer lock, so a hook or ``watch`` reindex is never held up by
it; only one fill of an index runs at a time (``fill.lock``, which also names its pid for ``status``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from codesearch.embedding.base import Embedder
from codesearch.errors import IndexLockedError, ModelMismatchError
from indexer.lacking import embed_lacking
from indexer.part_cache import rebuild_vectors_of, recount
from indexer.pipeline import EMBED_CHUNK
from indexer.store import (
    FILL_LOCK,
    Manifest,
    commit_next_generation,
    connect,
    embedded_another_way,
    get_meta,
    held_lock,
    writer_lock,
)

log = logging.getLogger(__name__)

FILL_LOG = "fill.log"
FILL_CHUNK = EMBED_CHUNK  # documents embedded and committed to the cache per step
LOCK_WAIT_SECONDS = 600.0  # a reindex may hold the writer lock: wait this long to commit
LOCK_RETRY_SECONDS = 0.5

FillProgress = Callable[[int, int], None]  # (documents done, documents to do)


@dataclass
class FillReport:
    """What one fill did."""

    embedded: int = 0  # texts sent to a model
    generation: int = 0  # the generation the index is at afterwards
    missing: int = 0  # documents still lacking a part afterwards (0: complete)
    seconds: float = 0.0


def _fill_lock(index_dir: Path) -> contextlib.AbstractContextManager[None]:
    return held_lock(
        index_dir / FILL_LOCK,
        str(os.getpid()),  # filling_pid reads it
        busy=f"the English vectors of {index_dir} are being filled by pid {{holder}}",
        cannot_open=f"cannot write in the index at {index_dir}: {{reason}}",
        unknown="?",
    )


def fill_missing_parts(
    index_dir: Path,
    embedder: Embedder,
    progress: FillProgress | None = None,
    *,
    lock_wait: float = LOCK_WAIT_SECONDS,
) -> FillReport:
    """Embed every part the index's documents lack and commit a generation with them; a no-op when none
    lack any. Raises ``IndexLockedError`` when another fill runs, ``ModelMismatchError`` when ``embedder``
    is not the index's model."""
    started = time.perf_counter()
    index_dir = Path(index_dir)
    report = FillReport()
    with _fill_lock(index_dir):
        manifest = Manifest.read(index_dir)
        if embedded_another_way(manifest, embedder.fingerprint, embedder.dim):
            raise ModelMismatchError(
                f"the index at {index_dir} was embedded by another version of codesearch's "
                f"{embedder.registry_name or embedder.model_id}: `codesearch index` embeds it again"
            )
        while True:
            manifest = Manifest.read(index_dir)
            if manifest is None or not manifest.missing_parts:
                break
            if manifest.fingerprint != embedder.fingerprint:
                raise ModelMismatchError(
                    f"the index at {index_dir} was built with model {manifest.model}, not "
                    f"{embedder.registry_name or embedder.model_id}: its English vectors are not filled"
                )
            db = connect(index_dir)
            # a reindex's write transaction may outlast sqlite's 5 s default: wait for it, do not fail
            db.execute(f"PRAGMA busy_timeout = {int(lock_wait * 1000)}")
            try:
                embedded = _embed_lacking(db, embedder, progress)
                committed = _commit_filled(index_dir, db, lock_wait)
            finally:
                db.close()
            report.embedded += embedded
            if committed is None or not embedded:  # nothing more this pass can do (see the log)
                break
    final = Manifest.read(index_dir)
    report.generation = final.generation if final else 0
    report.missing = final.missing_parts if final else 0
    report.seconds = time.perf_counter() - started
    log.info("English fill: %d texts embedded, %d documents still lacking", report.embedded, report.missing)
    return report


def _embed_lacking(db: sqlite3.Connection, embedder: Embedder, progress: FillProgress | None) -> int:
    """Embed, part by part, the texts of the store's documents that a part has no cached vector of."""
    return embed_lacking(db, embedder, FILL_CHUNK, progress)


def _commit_filled(index_dir: Path, db: sqlite3.Connection, lock_wait: float) -> Manifest | None:
    """Under the writer lock (waiting for a reindex that holds it), a generation whose vectors come from
    the cache as it is now; the current manifest when the cache holds nothing it lacks."""
    deadline = time.monotonic() + lock_wait
    while True:
        try:
            with writer_lock(index_dir):
                return _commit_under_lock(index_dir, db)
        except IndexLockedError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(LOCK_RETRY_SECONDS)


def _commit_under_lock(index_dir: Path, db: sqlite3.Connection) -> Manifest | None:
    manifest = Manifest.read(index_dir)
    if manifest is None or not manifest.parts or not manifest.vectors_file:
        return manifest
    parts = recount(db, manifest.parts)
    consistent = int(get_meta(db, "generation", "0")) == manifest.generation
    if consistent and parts == manifest.parts:
        return manifest
    vectors = rebuild_vectors_of(db, manifest.fingerprint, manifest.dim, parts)
    return commit_next_generation(index_dir, db, manifest, vectors, parts)
