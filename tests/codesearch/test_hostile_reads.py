"""Reads at search time of files swapped after indexing (issue 14): a FIFO never hangs a search, a symlink
never serves a file from outside the root."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from codesearch.api.security import read_lines
from codesearch.search import Searcher
from indexer.pipeline import index_paths

FILES = {
    "calc.py": "def add_numbers(a, b):\n    return a + b\n",
    "other.py": "def multiply_numbers(a, b):\n    return a * b\n",
}


def _within(seconds: float, call: Callable[[], Any]) -> Any:
    """``call()`` in a daemon thread; a hang fails the test instead of hanging the suite."""
    outcome: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("value", call()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "the read hung"
    return outcome.get("value")


def _indexed(tmp_path: Path) -> tuple[Path, Searcher]:
    root = tmp_path / "src"
    root.mkdir()
    for rel, text in FILES.items():
        (root / rel).write_text(text)
    index_dir = tmp_path / "idx"
    index_paths([root], index_dir=index_dir, embedder=None)
    return root, Searcher(index_dir)


def test_a_search_does_not_hang_on_a_file_swapped_for_a_fifo(tmp_path: Path) -> None:
    root, searcher = _indexed(tmp_path)
    (root / "calc.py").unlink()
    os.mkfifo(root / "calc.py")
    for _ in range(3):  # the hang was per request; several must all come back
        result = _within(30, lambda: searcher.search("add_numbers", k=5))
        assert "add_numbers" not in [h.name for h in result.hits]
    assert [h.name for h in searcher.search("multiply_numbers", k=1).hits] == ["multiply_numbers"]


def test_a_search_does_not_serve_a_file_swapped_for_a_symlink_out_of_the_root(tmp_path: Path) -> None:
    root, searcher = _indexed(tmp_path)
    secret = tmp_path / "secret.py"  # the outside file even holds the indexed code, so it would match
    secret.write_text("# secret outside the root\n" + FILES["calc.py"])
    (root / "calc.py").unlink()
    (root / "calc.py").symlink_to(secret)
    result = _within(30, lambda: searcher.search("add_numbers", k=5))
    assert "add_numbers" not in [h.name for h in result.hits]


def test_read_lines_of_a_fifo_is_none_without_blocking(tmp_path: Path) -> None:
    root = tmp_path / "src"
    root.mkdir()
    os.mkfifo(root / "pipe.py")
    assert _within(30, lambda: read_lines(root, "pipe.py", 1, 2)) is None
