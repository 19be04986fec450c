"""``read_file_inside``: regular files inside the root are read; FIFOs, symlinks and escapes never are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from indexer.safe_read import FileGoneError, FileTooLargeError, UnsafeFileError, read_file_inside


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("def a():\n    return 1\n")
    (tmp_path / "outside.txt").write_text("secret\n")
    return root


def test_a_regular_file_inside_the_root_is_read_by_relative_or_absolute_path(root: Path) -> None:
    assert read_file_inside(root, "pkg/a.py") == b"def a():\n    return 1\n"
    assert read_file_inside(root, root / "pkg" / "a.py") == b"def a():\n    return 1\n"
    assert read_file_inside(root, "pkg/a.py", max_bytes=22) == b"def a():\n    return 1\n"
    with pytest.raises(FileTooLargeError, match="more than 21 bytes"):  # it grew past what was allowed
        read_file_inside(root, "pkg/a.py", max_bytes=21)


def test_a_fifo_is_refused_without_blocking(root: Path) -> None:
    os.mkfifo(root / "pipe.py")  # no writer: a blocking open would wait forever
    with pytest.raises(UnsafeFileError, match="not a regular file"):
        read_file_inside(root, "pipe.py")


def test_a_final_symlink_is_refused_even_inside_the_root(root: Path) -> None:
    (root / "alias.py").symlink_to(root / "pkg" / "a.py")
    with pytest.raises(UnsafeFileError):
        read_file_inside(root, "alias.py")


def test_a_symlink_out_of_the_root_is_refused(root: Path, tmp_path: Path) -> None:
    (root / "leak.txt").symlink_to(tmp_path / "outside.txt")
    with pytest.raises(UnsafeFileError):
        read_file_inside(root, "leak.txt")


def test_a_symlinked_folder_leading_out_of_the_root_is_refused(root: Path, tmp_path: Path) -> None:
    (root / "up").symlink_to(tmp_path)
    with pytest.raises(UnsafeFileError, match="outside"):
        read_file_inside(root, "up/outside.txt")


def test_dot_dot_out_of_the_root_is_refused(root: Path) -> None:
    with pytest.raises(UnsafeFileError, match="outside"):
        read_file_inside(root, "../outside.txt")


def test_a_folder_and_a_missing_file_are_refused_with_their_own_errors(root: Path) -> None:
    with pytest.raises(UnsafeFileError):
        read_file_inside(root, "pkg")
    with pytest.raises(FileGoneError, match="no such file"):
        read_file_inside(root, "pkg/gone.py")
