"""Stale hits are never shown: a hit whose file changed since it was indexed is re-read or dropped.

At query time each hit's file is stat'ed (once per search). Same size and mtime as indexed: the hit stands.
Otherwise the file is read again and the hit's code looked up in it: found, the hit moves to the lines it
is on now (the nearest occurrence to where it was); gone, or the file is gone, the hit is dropped. So the
line numbers a hit shows always match the file on disk, whatever happened since the last reindex.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from codesearch.errors import IndexIOError
from indexer.safe_read import decode_text, read_file_inside

log = logging.getLogger(__name__)

_GONE = object()


def _normalised(text: str) -> str:
    # one line separator, as the documents' line numbers count them (str.splitlines)
    return "\n".join(text.splitlines())


class FreshHits:
    """Checks hit rows against the files on disk; caches what it learns for one search."""

    def __init__(self) -> None:
        self._unchanged: dict[str, bool] = {}
        self._texts: dict[str, str | object] = {}

    def _text(self, root: str, abs_path: str) -> str | None:
        if abs_path not in self._texts:
            try:  # a FIFO or a symlink swapped in since indexing is never read: the hit is dropped
                self._texts[abs_path] = _normalised(decode_text(read_file_inside(root, abs_path)))
            except (IndexIOError, OSError):
                self._texts[abs_path] = _GONE
        text = self._texts[abs_path]
        return text if isinstance(text, str) else None

    def _is_unchanged(self, abs_path: str, size: int, mtime_ns: int) -> bool:
        key = f"{abs_path}\0{size}\0{mtime_ns}"
        if key not in self._unchanged:
            try:
                st = os.lstat(abs_path)  # a symlink swapped in never passes for the indexed file
                self._unchanged[key] = st.st_size == size and st.st_mtime_ns == mtime_ns
            except OSError:
                self._unchanged[key] = False
        return self._unchanged[key]

    def check(self, row: Any) -> Any:
        """``row`` as it is on disk now (start/end lines moved if need be), or None to drop the hit.

        ``row`` (an ``sqlite3.Row`` or a mapping) needs ``root``, ``path``, ``size``, ``mtime_ns``, ``code``, ``start_line``, ``end_line``.
        """
        if row is None:
            return None
        abs_path = str(Path(row["root"]) / row["path"])
        if self._is_unchanged(abs_path, row["size"], row["mtime_ns"]):
            return row
        text = self._text(row["root"], abs_path)
        if text is None:
            log.debug("dropping a hit in %s: the file is gone", abs_path)
            return None
        start = _nearest_line(text, _normalised(row["code"]), row["start_line"])
        if start is None:
            log.debug("dropping a hit in %s: its code changed since it was indexed", abs_path)
            return None
        if start == row["start_line"]:
            return row
        moved = dict(row)
        moved["start_line"], moved["end_line"] = start, start + row["end_line"] - row["start_line"]
        return moved


def _nearest_line(text: str, code: str, near: int) -> int | None:
    """The 1-based line where ``code`` starts in ``text``, the occurrence nearest to line ``near``."""
    if not code:
        return None
    best: int | None = None
    offset = text.find(code)
    while offset >= 0:
        line = text.count("\n", 0, offset) + 1
        if best is None or abs(line - near) < abs(best - near):
            best = line
        if line > near:
            break  # later occurrences are only farther
        offset = text.find(code, offset + 1)
    return best
