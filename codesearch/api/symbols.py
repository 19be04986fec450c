"""``GET /symbols/{ref}``: one indexed symbol with its code read from disk now, never outside its root.

``ref`` is a document id (``42``) or a location as hits and ``also_at`` print it (``repo/path:line``: the
innermost symbol of that file spanning that line).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from codesearch.api.security import no_longer_a_file, read_lines, resolve_inside
from codesearch.errors import ConfigError, NotFoundError
from indexer import local_read
from indexer.store import connect

SYMBOL_REF = r"^(\d+|.+:\d+)$"  # a document id, or REPO/PATH:LINE
SQLITE_MAX_INT = 2**63 - 1


def _number(text: str, what: str) -> int:
    """``text`` as a non-negative integer SQLite can hold; anything else is one ``ConfigError`` line
    (``str.isdigit`` accepts digits of other scripts that ``int`` refuses, and ``int`` refuses 4,300+ digits)."""
    digits = text.lstrip("0") or "0"
    if not (text.isascii() and text.isdigit()) or len(digits) > 19 or int(digits) > SQLITE_MAX_INT:
        shown = text if len(text) <= 24 else text[:20] + "..."
        raise ConfigError(f"{what} must be a whole number from 0 to {SQLITE_MAX_INT}, not {shown!r}")
    return int(digits)


def indexed_roots(index_dir: Path) -> list[str]:
    db = connect(index_dir, readonly=True)
    try:
        return local_read.indexed_roots(db)
    finally:
        db.close()


def _by_location(db: sqlite3.Connection, ref: str) -> sqlite3.Row | None:
    where, _, line = ref.rpartition(":")
    if not where or not line.isdigit():
        raise ConfigError(f"a symbol is a document id or REPO/PATH:LINE, not {ref[:60]!r}")
    return local_read.symbol_at_location(db, where, _number(line, "a line"))


def find_symbol(index_dir: Path, ref: str) -> dict[str, Any]:
    """The symbol ``ref`` names, with ``code`` as the file holds it now and ``stale`` when it changed."""
    db = connect(index_dir, readonly=True)
    try:
        if ref.isdigit():
            row = local_read.symbol_by_id(db, _number(ref, "a document id"))
        else:
            row = _by_location(db, ref)
    finally:
        db.close()
    if row is None:
        raise NotFoundError(f"no indexed symbol {ref[:200]!r}")
    root = row["root"]
    resolve_inside([root], root)  # the root itself still exists
    changed = no_longer_a_file(root, row["path"])
    if changed is not None:
        raise NotFoundError(f"{row['repo']}/{row['path']} {changed}; reindex it")
    code = read_lines(root, row["path"], row["start_line"], row["end_line"])
    if code is None:
        raise NotFoundError(f"{row['repo']}/{row['path']} no longer exists; reindex it")
    indexed = str(row["code"])
    return {
        "id": row["id"],
        "repo": row["repo"],
        "path": row["path"],
        "abs_path": str(Path(root) / row["path"]),
        "language": row["language"],
        "kind": row["kind"],
        "name": row["name"],
        "qualified_name": row["qualified_name"],
        "signature": row["signature"],
        "doc": row["doc"],
        "start_line": row["start_line"],
        "end_line": row["end_line"],
        "code": code,
        # a container's document holds only its head, and a symbol may start mid-line: compare as words
        "stale": " ".join(indexed.split()) not in " ".join(code.split()),
    }
