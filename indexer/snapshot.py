"""A reader's view of one generation: a read snapshot of ``meta.sqlite`` that belongs to the manifest read.

A writer commits its documents to SQLite, builds the vectors, then replaces the manifest; from its first
document write until its manifest, ``meta.generation`` says no generation (``indexer.pipeline``). A reader
holds a read transaction (WAL: the writer is never blocked) on a snapshot whose ``meta.generation`` is the
manifest's, so the documents, the lexical index and the vectors it searches are always one generation's,
never a half-written one, and it moves to the next generation as a whole once that one is committed.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from indexer.store import connect, get_meta

log = logging.getLogger(__name__)


def pinned_snapshot(
    index_dir: Path, generation: int, *, accept_other: bool = False
) -> sqlite3.Connection | None:
    """A read-only connection inside a read transaction on the data of ``generation``.

    None when the database holds another generation's data (a writer is between its documents and its
    manifest), unless ``accept_other``: then the snapshot is the newest data, whatever it belongs to.
    """
    db = connect(index_dir, readonly=True)
    db.execute("BEGIN")
    found = get_meta(db, "generation", "")  # the first read fixes the snapshot
    if found == str(generation) or accept_other:
        if found != str(generation):
            log.debug(
                "meta.sqlite holds generation %r, the manifest %d: a writer is mid-commit", found, generation
            )
        return db
    db.close()
    return None
