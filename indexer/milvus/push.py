"""A run of the indexing pipeline, sent to a Milvus store.

The pipeline keeps its file table (change detection), documents and embedding cache in the local
``meta.sqlite`` of the indexing machine, exactly as for the local store; instead of FAISS files and a
manifest, each run ends here: the changed files' old documents deleted, their new documents upserted with
their cached vectors, and one commit. When the store's generation is not the one the local tables last sent
(a first run, a model change, ``--rebuild``, a run killed before its commit), a new collection is filled
with every document and swapped in at the commit.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
from collections.abc import Sequence

from indexer.milvus.store import MilvusStore
from indexer.milvus.writers import Writer, next_local_id
from indexer.part_cache import PartCache, cache_for
from indexer.store import Manifest, StoredPart, get_meta, set_meta
from indexer.store_write import document_ids, store_facts, stored_documents

log = logging.getLogger(__name__)

UPSERT_BATCH = 2_000  # documents read, and sent, per step


def push_run(
    db: sqlite3.Connection,
    store: MilvusStore,
    *,
    model: str,
    fingerprint: str,
    dim: int,
    sent_generation: int,
    removed: Sequence[int],
    added: Sequence[int],
    rebuild: bool = False,
    writer: Writer | None = None,
    parts: Sequence[StoredPart] = (),
) -> Manifest:
    """Send one run's changes (``removed`` and ``added`` document ids) to ``store`` and commit; all of the
    local documents when the store's generation is not ``sent_generation`` (the last one these tables sent).

    With ``writer`` (this machine as one of several writers, ``indexer.milvus.writers``) "the store's
    generation" is the one this writer's last commit made, and a repair resends this writer's documents into
    the live collection (its id range deleted first) instead of filling a new collection without the others'.
    """
    current = store.manifest()
    parts = _remember_parts(db, fingerprint, parts)
    cache = cache_for(db, fingerprint, dim, parts)  # a model of several: its parts' caches
    if writer is not None:
        return _push_as(
            db, store, writer, cache, model, fingerprint, dim, sent_generation, removed, added, rebuild
        )
    whole = rebuild or current is None or current.generation != sent_generation
    fresh = store.begin(model=model, fingerprint=fingerprint, dim=dim, rebuild=whole)
    if fresh:
        ids = document_ids(db)
        log.info("%s: filling a new collection with %d documents", store.target, len(ids))
    else:
        store.delete_ids(removed)
        ids = list(added)
    _send(db, store, cache, ids)
    return store.commit(store_facts(db))


def _push_as(
    db: sqlite3.Connection,
    store: MilvusStore,
    writer: Writer,
    cache: PartCache,
    model: str,
    fingerprint: str,
    dim: int,
    sent_generation: int,
    removed: Sequence[int],
    added: Sequence[int],
    rebuild: bool,
) -> Manifest:
    mine = store.writer_row(writer)
    state = store.refresh()
    in_sync = (
        state is not None
        and mine is not None
        and mine.get("collection") == state["collection"]
        and int(mine.get("generation", -2)) == sent_generation
    )
    fresh = store.begin(model=model, fingerprint=fingerprint, dim=dim, rebuild=rebuild, writer=writer)
    if fresh or not in_sync:  # a collection another writer may share, or what a killed run left: resend all
        store.delete_writer_documents(writer)
        ids = document_ids(db)
        log.info("%s: writer %d sends all its %d documents", store.target, writer.number, len(ids))
    else:
        store.delete_ids(removed)
        ids = list(added)
    next_id = next_local_id(db, writer)  # read before sending: every id sent is below it
    _send(db, store, cache, ids)
    return store.commit(store_facts(db), writer=writer, next_id=next_id)


def _send(db: sqlite3.Connection, store: MilvusStore, cache: PartCache, ids: Sequence[int]) -> None:
    for start in range(0, len(ids), UPSERT_BATCH):
        rows = stored_documents(db, ids[start : start + UPSERT_BATCH])
        store.upsert(rows, cache.get([r.content_hash for r in rows]))


def _remember_parts(
    db: sqlite3.Connection, fingerprint: str, parts: Sequence[StoredPart]
) -> tuple[StoredPart, ...]:
    """``parts``, recorded in the local tables for runs that have no model to ask (``forget``); or, when not
    given, the ones recorded for ``fingerprint``."""
    key = f"parts:{fingerprint}"
    if parts:
        with db:
            set_meta(db, key, json.dumps([dataclasses.asdict(p) for p in parts]))
        return tuple(parts)
    recorded = get_meta(db, key, "")
    return tuple(StoredPart(**p) for p in json.loads(recorded)) if recorded else ()
