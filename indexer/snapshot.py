"""A reader's view of one generation: a read snapshot of ``meta.sqlite`` that belongs to the manifest read.

A writer writes a generation's rows in one SQLite transaction, saves its vectors aside, commits the rows
with the generation's number in ``meta.generation``, then replaces the manifest (``indexer.index_session``):
a reader opened before that commit reads the previous generation's rows, one opened in the short gap before
the manifest reads the manifest again (``indexer.local_read``). A reader holds a read transaction (WAL: the
writer is never blocked) on a snapshot whose ``meta.generation`` is the manifest's, so the documents, the
lexical index and the vectors it searches are always one generation's, never a half-written one, and it
moves to the next generation as a whole once that one is committed. Rows ahead of every manifest are left
only by a writer killed between its commit and its manifest (or a Milvus store's push: its readers read
Milvus).
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
