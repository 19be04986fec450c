"""Which repositories an organisation-scale run indexes: a list file (one path or git URL a line) or a
folder of clones (every git repository found under it)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

from codesearch.errors import IndexIOError, NotFoundError

log = logging.getLogger(__name__)

CLONES_DEPTH = 3  # a folder of clones is <org>/<repo> or <host>/<org>/<repo>; deeper is a work tree's inside


def parse_repo_list(lines: Iterable[str]) -> list[str]:
    """The repositories a list names: one path or git URL a line; blank lines and ``#`` comments are skipped,
    and a repository named twice is indexed once (the first time it is named)."""
    specs: list[str] = []
    seen: set[str] = set()
    for line in lines:
        spec = line.split(" #", 1)[0].strip()  # a comment: a whole line, or after a space
        if spec and not spec.startswith("#") and spec not in seen:
            seen.add(spec)
            specs.append(spec)
    return specs


def read_repo_list(path: Path) -> list[str]:
    """``parse_repo_list`` of a file; ``NotFoundError``/``IndexIOError`` when it cannot be read."""
    try:
        with path.expanduser().open(encoding="utf-8", errors="replace") as f:
            return parse_repo_list(f)
    except FileNotFoundError:
        raise NotFoundError(f"no such repository list: {path}") from None
    except OSError as exc:
        raise IndexIOError(f"cannot read the repository list {path}: {exc.strerror or exc}") from None


def is_git_work_tree(path: Path) -> bool:
    """True for the top of a git work tree (``.git`` a folder, or a file as in worktrees and submodules)."""
    return (path / ".git").exists()


def find_clones(folder: Path, max_depth: int = CLONES_DEPTH) -> list[Path]:
    """Every git repository under ``folder`` (the folder itself if it is one), down to ``max_depth`` levels,
    never looking inside a repository found; hidden folders and symlinks are skipped. Sorted by path."""
    folder = folder.expanduser()
    if not folder.is_dir():
        raise NotFoundError(f"no such folder of clones: {folder}")
    found: list[Path] = []

    def walk(here: Path, depth: int) -> None:
        if is_git_work_tree(here):
            found.append(here.resolve())
            return
        if depth >= max_depth:
            return
        try:
            entries = sorted(os.scandir(here), key=lambda e: e.name)
        except OSError as exc:  # an unreadable folder hides its repositories; the rest are still found
            log.warning("cannot list %s: %s", here, exc.strerror or exc)
            return
        for entry in entries:
            if not entry.name.startswith(".") and entry.is_dir(follow_symlinks=False):
                walk(Path(entry.path), depth + 1)

    walk(folder, 0)
    return found
