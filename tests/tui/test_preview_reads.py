"""The TUI's preview reads a hit's file only when it is still a regular file inside the hit's root."""

from __future__ import annotations

import os

from codesearch.types import Hit
from tui.preview import excerpt


def _hit(root, path: str) -> Hit:
    return Hit(
        rank=1,
        score=1.0,
        doc_id=1,
        repo="r",
        path=path,
        abs_path=str(root / path),
        language="python",
        kind="function",
        name="f",
        qualified_name="f",
        start_line=2,
        end_line=3,
        signature="def f():",
        snippet="def f():\n    return 'stored'",
    )


def test_a_regular_file_is_read_from_disk(tmp_path) -> None:
    (tmp_path / "m.py").write_text("# doc\ndef f():\n    return 'on disk'\n")
    shown = excerpt(_hit(tmp_path, "m.py"))
    assert shown.from_file and "on disk" in shown.code


def test_a_fifo_swapped_in_shows_the_stored_snippet_without_hanging(tmp_path) -> None:
    os.mkfifo(tmp_path / "m.py")  # before the fix, reading it blocked forever (no writer)
    shown = excerpt(_hit(tmp_path, "m.py"))
    assert not shown.from_file and "stored" in shown.code


def test_a_symlink_out_of_the_root_is_not_followed(tmp_path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text("line one\nroot:x:0:0 secret\nline three\n")
    root = tmp_path / "repo"
    root.mkdir()
    (root / "m.py").symlink_to(secret)
    shown = excerpt(_hit(root, "m.py"))
    assert not shown.from_file and "secret" not in shown.code
