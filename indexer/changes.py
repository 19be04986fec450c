"""Which crawled files changed since the last run: git blob ids first, then size + mtime, then content.

A tracked file that git reports clean is unchanged when its blob id is the one indexed. Any other file is
unchanged when its size and mtime are the ones indexed, unless that mtime is "racy" (within
``RACY_SECONDS`` of the last run, when a same-size rewrite in the same clock tick would not show). A file
whose stat or blob id differs is read and hashed: same text means only its metadata is refreshed, so a
``touch``, a checkout that rewrites identical files or a commit of an edit already indexed parses nothing.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from codesearch.errors import IndexIOError
from indexer.crawl import CrawlResult, SourceFile, read_text
from indexer.documents import content_hash

log = logging.getLogger(__name__)

# mtimes tick coarsely (a few ms on Linux, 2 s on FAT): a file written this close to the last run is hashed
RACY_SECONDS = 2.0


@dataclass
class FileChanges:
    """What a run must do with the files of one root."""

    to_parse: list[SourceFile] = field(default_factory=list)
    touched: list[tuple[int, SourceFile]] = field(default_factory=list)  # (file id, same text, new stat)
    kept: dict[str, int] = field(default_factory=dict)  # path -> file id, nothing to do
    gone: list[int] = field(default_factory=list)  # file ids no longer crawled


def _same_stat(f: SourceFile, row: sqlite3.Row, racy_from_ns: int) -> bool:
    if f.blob_id is not None:
        return f.blob_id == row["blob_id"]
    return (
        row["blob_id"] is None
        and f.size == row["size"]
        and f.mtime_ns == row["mtime_ns"]
        and f.mtime_ns < racy_from_ns
    )


def _same_text(f: SourceFile, row: sqlite3.Row, root: Path) -> bool:
    try:
        _, text = read_text(f.abs_path, root)
    except IndexIOError:
        return False  # parsing reports it as unreadable
    return content_hash(text) == row["content_hash"]


def detect_changes(db: sqlite3.Connection, repo_id: int, crawled: CrawlResult) -> FileChanges:
    """Compare the crawl with what the index holds for ``repo_id``."""
    known = {
        r["path"]: r
        for r in db.execute(
            "SELECT id, path, blob_id, size, mtime_ns, content_hash FROM files WHERE repo_id=?", (repo_id,)
        )
    }
    indexed_at = db.execute("SELECT indexed_at FROM repos WHERE id=?", (repo_id,)).fetchone()
    last_run = float(indexed_at[0]) if indexed_at and indexed_at[0] is not None else 0.0
    racy_from_ns = int((last_run - RACY_SECONDS) * 1e9)
    changes = FileChanges()
    for f in crawled.files:
        row = known.get(f.path)
        if row is None:
            changes.to_parse.append(f)
        elif _same_stat(f, row, racy_from_ns):
            changes.kept[f.path] = row["id"]
        elif _same_text(f, row, crawled.root):
            changes.touched.append((row["id"], f))
        else:
            changes.to_parse.append(f)
    present = {f.path for f in crawled.files}
    changes.gone = [row["id"] for path, row in known.items() if path not in present]
    if changes.touched:
        log.debug("%d file(s) changed stat or blob id but not text: metadata only", len(changes.touched))
    return changes


def refresh_metadata(db: sqlite3.Connection, touched: list[tuple[int, SourceFile]]) -> None:
    """Record the new blob id, size and mtime of files whose text did not change."""
    db.executemany(
        "UPDATE files SET blob_id=?, size=?, mtime_ns=? WHERE id=?",
        [(f.blob_id, f.size, f.mtime_ns, file_id) for file_id, f in touched],
    )
