"""Listing the files of a git work tree: three ``git ls-files`` calls per crawl, never one per file."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import git

from codesearch.errors import IndexIOError

log = logging.getLogger(__name__)

_SUBMODULE_MODE = "160000"


@dataclass
class GitListing:
    """What git says about the files under a root (paths relative to that root, POSIX)."""

    work_tree: Path
    paths: list[str] = field(default_factory=list)  # tracked + untracked-not-ignored, sorted, unique
    blob_ids: dict[str, str] = field(default_factory=dict)  # clean tracked path -> blob sha in the index
    submodules: list[str] = field(default_factory=list)  # not descended


def open_work_tree(root: Path) -> git.Repo | None:
    """The repository whose work tree contains ``root``, or None for a plain folder (or no git)."""
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    except git.GitCommandNotFound:
        log.warning("git is not installed; crawling %s as a plain folder", root)
        return None
    if repo.bare or repo.working_tree_dir is None:
        return None
    work_tree = Path(repo.working_tree_dir).resolve()
    # A root inside .git/ is not part of the work tree even though git finds the repository from it.
    if root != work_tree and ".git" in root.relative_to(work_tree).parts:
        return None
    # A root the enclosing repository ignores was asked for explicitly: crawl it as a plain folder
    # (its own .gitignore files still apply) instead of listing nothing.
    if root != work_tree and _is_ignored(repo, root):
        log.info("%s is ignored by the git repository at %s; crawling it as a plain folder", root, work_tree)
        repo.close()
        return None
    return repo


def _is_ignored(repo: git.Repo, path: Path) -> bool:
    try:
        repo.git.check_ignore("-q", str(path))
    except git.GitCommandError:
        return False  # exit status 1: not ignored
    return True


def _split_z(output: bytes) -> list[str]:
    # os.fsdecode keeps non-UTF-8 file names round-trippable to the file system (surrogateescape).
    return [os.fsdecode(item) for item in output.split(b"\0") if item]


def list_git_files(repo: git.Repo, root: Path) -> GitListing:
    """List tracked and untracked-not-ignored files under ``root`` with blob ids of the clean ones.

    Commands run with ``root`` as their working directory, so git limits them to that folder and
    reports paths relative to it. Modification is taken from ``git ls-files -m``, which compares
    content when only the stat data changed, so a touched-but-unchanged file keeps its blob id.
    """
    assert repo.working_tree_dir is not None
    listing = GitListing(work_tree=Path(repo.working_tree_dir).resolve())
    runner = git.Git(str(root))
    opts = {"stdout_as_string": False, "strip_newline_in_stdout": False}
    try:
        staged: bytes = runner.ls_files("-z", "--stage", "--cached", **opts)
        others: bytes = runner.ls_files("-z", "--others", "--exclude-standard", **opts)
        modified: bytes = runner.ls_files("-z", "--modified", **opts)
    except git.GitCommandError as err:
        raise IndexIOError(f"git could not list files in {root}: {_last_line(err)}") from err

    changed = set(_split_z(modified))
    paths: set[str] = set()
    conflicted: set[str] = set()
    for entry in _split_z(staged):
        meta, _, path = entry.partition("\t")
        mode, sha, stage = meta.split(" ")
        if mode == _SUBMODULE_MODE:
            listing.submodules.append(path)
            continue
        paths.add(path)
        if stage != "0":
            conflicted.add(path)  # a merge in progress: the work tree matches no single index entry
        elif path not in changed:
            listing.blob_ids[path] = sha
    for path in conflicted:
        listing.blob_ids.pop(path, None)
    # --others reports an untracked nested repository as "dir/": it is not ours to descend.
    paths.update(path for path in _split_z(others) if not path.endswith("/"))
    listing.paths = sorted(paths)
    if listing.submodules:
        log.info("not descending into %d git submodule(s) under %s", len(listing.submodules), root)
    return listing


def _last_line(err: git.GitCommandError) -> str:
    stderr = err.stderr if isinstance(err.stderr, str) else str(err.stderr or "")
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else f"exit status {err.status}"
