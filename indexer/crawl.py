"""The crawler: which files of a repository or folder get indexed, and why the others are skipped.

``crawl(root)`` lists a git work tree through git (tracked + untracked-not-ignored files, with blob ids
of clean tracked files) or walks a plain folder with nested ``.gitignore`` semantics. Both honour
``.codesearchignore`` files and extra patterns, then classify each file, cheapest test first: path rules
(no I/O), one ``lstat``, then at most the first 8 KiB (64 KiB when a long line hints at minified text).

Symlinks are never followed. One whose real path leaves the root is reported ``symlink-outside-root``.
One that stays inside the root is an alias of a file or folder the crawl already reaches under its real
path: it is dropped without a reason (logged at debug). That prevents double indexing and makes symlink
loops impossible; the cost is that a link into an ignored or vendored folder does not bring it back.
"""

from __future__ import annotations

import logging
import os
import stat
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from codesearch.errors import NotFoundError
from codesearch.settings import repository_ignore
from codesearch.terminal_text import as_bytes_shown
from indexer.crawl_git import GitListing, list_git_files, open_work_tree
from indexer.crawl_ignore import CODESEARCHIGNORE, GITIGNORE, IgnoreChain
from indexer.crawl_rules import (
    MINIFIED_SAMPLE,
    SKIP_REASONS,
    VCS_DIRS,
    has_long_line,
    head_skip_reason,
    is_vendored_dir_name,
    looks_minified,
    path_skip_reason,
)
from indexer.safe_read import BOMS, decode_text, read_file_inside

__all__ = ["SKIP_REASONS", "CrawlResult", "SourceFile", "crawl", "decode_text", "read_text"]

log = logging.getLogger(__name__)

HEAD_BYTES = 8 * 1024  # enough for NUL sniffing and generated markers
PROGRESS_EVERY = 64  # files between progress callbacks: a bar stays live without a call per file
_VENV_MARKER = "pyvenv.cfg"  # any folder holding it is a Python virtual environment, whatever its name


@dataclass(frozen=True)
class SourceFile:
    """One file to index."""

    path: str  # root-relative POSIX path
    abs_path: Path
    size: int
    mtime_ns: int
    blob_id: str | None  # git blob sha when tracked and the work tree matches the index; else None


@dataclass
class CrawlResult:
    """The files to index under ``root`` and the ones skipped, with why."""

    root: Path
    is_git: bool
    files: list[SourceFile] = field(default_factory=list)  # sorted by path
    # (path, reason); a pruned folder is one entry whose path ends with "/"
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def skipped_by_reason(self) -> dict[str, int]:
        """How many entries were skipped for each reason (only reasons that occurred)."""
        return dict(Counter(reason for _, reason in self.skipped))


def read_text(abs_path: Path, root: Path | None = None, max_bytes: int | None = None) -> tuple[bytes, str]:
    """Read a crawled file: its raw bytes and its text (see ``decode_text``).

    The file must still be a regular file inside ``root`` (default: its own folder): one swapped for a FIFO
    or a symlink since the crawl is refused, never read. Raises ``IndexIOError`` when the file cannot be
    read (it vanished, its permissions changed, or it is no longer a regular file inside the root), and
    ``FileTooLargeError`` (an ``IndexIOError``) when it holds more than ``max_bytes``.
    """
    data = read_file_inside(root if root is not None else abs_path.parent, abs_path, max_bytes=max_bytes)
    return data, decode_text(data)


def _as_utf8(head: bytes) -> bytes:
    # UTF-16/32 text is full of NUL bytes: classify its UTF-8 form instead of calling it binary.
    for bom, codec in BOMS[:2] + BOMS[3:]:
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="replace").encode("utf-8")
    return head


def _is_utf8(name: str) -> bool:
    """False for a name os.fsdecode could only hold with surrogate escapes (bytes that are not UTF-8)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Crawl:
    """State of one crawl: the root, the limits, and the result being filled."""

    def __init__(
        self,
        root: Path,
        is_git: bool,
        max_file_size: int,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.root = root
        self.root_prefix = str(root).rstrip(os.sep) + os.sep
        self.max_file_size = max_file_size
        self.progress = progress
        self.examined = 0
        self.reported = 0
        self.result = CrawlResult(root=root, is_git=is_git)

    def tick(self) -> None:
        self.examined += 1
        if self.progress is not None and self.examined % PROGRESS_EVERY == 0:
            self.reported = self.examined
            self.progress(self.examined)

    def finish(self) -> CrawlResult:
        if self.progress is not None and self.reported != self.examined:
            self.progress(self.examined)
        self.result.files.sort(key=lambda f: f.path)
        self.result.skipped.sort()
        return self.result

    def skip(self, rel: str, reason: str) -> None:
        self.result.skipped.append((rel, reason))

    def root_codesearch_chain(self, extra_ignore: Sequence[str]) -> IgnoreChain:
        """The root ``.codesearchignore``, the ``ignore`` of the root's own ``.codesearch.toml``, then
        ``extra_ignore`` (later lines, so they win ties)."""
        lines: list[str] = []
        try:
            text = (self.root / CODESEARCHIGNORE).read_text(encoding="utf-8", errors="replace")
            lines.extend(text.splitlines())
        except FileNotFoundError:
            pass
        except OSError as err:
            log.debug("cannot read %s: %s", self.root / CODESEARCHIGNORE, err)
        lines.extend(repository_ignore(self.root))
        lines.extend(extra_ignore)
        return IgnoreChain().extend("", lines)

    def examine(self, rel: str, name: str, blob_id: str | None, ignore: IgnoreChain) -> None:
        """Classify one listed file and record it as a source file or a skip."""
        self.tick()
        if not _is_utf8(rel):
            self.skip(as_bytes_shown(rel), "undecodable-name")
            return
        if not ignore.empty and ignore.ignores(rel):
            self.skip(rel, "ignored-by-codesearchignore")
            return
        reason = path_skip_reason(name)
        if reason is not None:
            self.skip(rel, reason)
            return
        abs_path = self.root_prefix + rel
        try:
            st = os.lstat(abs_path)
        except FileNotFoundError:
            if self.result.is_git:
                log.debug("listed by git but absent (deleted or sparse): %s", rel)
            else:
                log.debug("vanished during the crawl: %s", rel)
                self.skip(rel, "unreadable")
            return
        except OSError as err:
            log.debug("cannot stat %s: %s", rel, err)
            self.skip(rel, "unreadable")
            return
        if stat.S_ISLNK(st.st_mode):
            self._symlink(rel, abs_path)
            return
        if not stat.S_ISREG(st.st_mode):
            # FIFOs, sockets, devices: opening a FIFO would block the crawl forever.
            log.debug("not a regular file: %s", rel)
            self.skip(rel, "unreadable")
            return
        reason = self._content_reason(rel, abs_path, st.st_size)
        if reason is not None:
            self.skip(rel, reason)
            return
        self.result.files.append(SourceFile(rel, Path(abs_path), st.st_size, st.st_mtime_ns, blob_id))

    def _symlink(self, rel: str, abs_path: str) -> None:
        target = os.path.realpath(abs_path)
        if target != str(self.root) and not target.startswith(self.root_prefix):
            self.skip(rel, "symlink-outside-root")
        elif not os.path.exists(target):
            log.debug("dangling symlink: %s", rel)
            self.skip(rel, "unreadable")
        else:
            log.debug("symlink %s is an alias of %s, which is crawled under its own path", rel, target)

    def _content_reason(self, rel: str, abs_path: str, size: int) -> str | None:
        if size == 0:
            return "empty"
        if size > self.max_file_size:
            return "too-large"
        try:
            with open(abs_path, "rb") as handle:
                head = handle.read(HEAD_BYTES)
                text_head = _as_utf8(head)
                reason = head_skip_reason(text_head)
                if reason == "empty" and len(head) < size:
                    # Whitespace so far in a longer file: only the rest (bounded by max_file_size) can tell.
                    rest = _as_utf8(head + handle.read())
                    reason = head_skip_reason(rest)
                elif reason is None and has_long_line(text_head):
                    sample = _as_utf8(head + handle.read(MINIFIED_SAMPLE - len(head)))
                    reason = "minified" if looks_minified(sample) else None
        except OSError as err:
            log.debug("cannot read %s: %s", rel, err)
            return "unreadable"
        return reason

    def walk_folder(self, ignore: IgnoreChain) -> None:
        """Walk a plain folder depth-first, pruning ignored and vendored folders before entering them."""
        stack: list[tuple[str, IgnoreChain, IgnoreChain]] = [("", IgnoreChain(), ignore)]
        while stack:
            rel_dir, gitignore, csignore = stack.pop()
            abs_dir = self.root_prefix + rel_dir if rel_dir else str(self.root)
            try:
                with os.scandir(abs_dir) as scan:
                    entries = sorted(scan, key=lambda e: e.name)
            except OSError as err:
                log.debug("cannot list %s: %s", abs_dir, err)
                self.skip(rel_dir + "/", "unreadable")
                continue
            names = {entry.name for entry in entries}
            if rel_dir and _VENV_MARKER in names:
                self.skip(rel_dir + "/", "vendored")
                continue
            if GITIGNORE in names:
                gitignore = gitignore.extend_from_file(rel_dir, Path(abs_dir, GITIGNORE))
            if rel_dir and CODESEARCHIGNORE in names:
                csignore = csignore.extend_from_file(rel_dir, Path(abs_dir, CODESEARCHIGNORE))
            subdirs: list[tuple[str, IgnoreChain, IgnoreChain]] = []
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                except OSError:
                    is_dir = False  # vanished: examine() reports it
                if not is_dir:
                    if gitignore.empty or not gitignore.ignores(rel):
                        self.examine(rel, entry.name, None, csignore)
                elif entry.name not in VCS_DIRS and self._enter_dir(rel, entry.name, gitignore, csignore):
                    subdirs.append((rel, gitignore, csignore))
            stack.extend(reversed(subdirs))

    def _enter_dir(self, rel: str, name: str, gitignore: IgnoreChain, csignore: IgnoreChain) -> bool:
        if not gitignore.empty and gitignore.ignores(rel, is_dir=True):
            return False  # ignored by .gitignore: not reported, like ripgrep
        if not csignore.empty and csignore.ignores(rel, is_dir=True):
            self.skip(rel + "/", "ignored-by-codesearchignore")
            return False
        if is_vendored_dir_name(name):
            self.skip(rel + "/", "vendored")
            return False
        return True

    def walk_listing(self, listing: GitListing, ignore: IgnoreChain) -> None:
        """Classify the files git listed, pruning a vendored or ignored folder once for all its files."""
        listed = set(listing.paths)
        # folder -> its .codesearchignore chain, or None when the folder (or an ancestor) is pruned
        folders: dict[str, IgnoreChain | None] = {"": ignore}

        def chain_for(folder: str) -> IgnoreChain | None:
            if folder in folders:
                return folders[folder]
            parent_dir, _, name = folder.rpartition("/")
            parent = chain_for(parent_dir)
            chain: IgnoreChain | None = None
            if parent is None:
                pass
            elif not parent.empty and parent.ignores(folder, is_dir=True):
                self.skip(folder + "/", "ignored-by-codesearchignore")
            elif is_vendored_dir_name(name) or f"{folder}/{_VENV_MARKER}" in listed:
                self.skip(folder + "/", "vendored")
            elif f"{folder}/{CODESEARCHIGNORE}" in listed:
                chain = parent.extend_from_file(folder, self.root / folder / CODESEARCHIGNORE)
            else:
                chain = parent
            folders[folder] = chain
            return chain

        for rel in listing.paths:
            folder, _, name = rel.rpartition("/")
            chain = chain_for(folder)
            if chain is not None:
                self.examine(rel, name, listing.blob_ids.get(rel), chain)
        for submodule in listing.submodules:
            self.skip(submodule + "/", "submodule")


def crawl(
    root: Path,
    *,
    max_file_size: int = 1 << 20,
    extra_ignore: Sequence[str] = (),
    progress: Callable[[int], None] | None = None,
) -> CrawlResult:
    """List the files under ``root`` worth indexing, and the ones skipped with a reason.

    ``root`` is a folder; inside a git work tree, git decides what is listed (tracked files plus
    untracked files it does not ignore; submodules are not descended), else ``.gitignore`` files are
    applied during the walk. ``.codesearchignore`` files and ``extra_ignore`` (gitignore syntax,
    relative to ``root``) exclude more, reported as ``ignored-by-codesearchignore``. Files larger than
    ``max_file_size`` bytes are ``too-large``. ``progress(n)`` receives the running count of files
    examined, every ``PROGRESS_EVERY`` files and once at the end. Paths are relative to ``root``.

    Raises ``NotFoundError`` if ``root`` is not an existing folder.
    """
    resolved = Path(root).expanduser().resolve()
    if not resolved.is_dir():
        raise NotFoundError(f"not a folder: {root}")
    repo = open_work_tree(resolved)
    state = _Crawl(resolved, repo is not None, max_file_size, progress)
    ignore = state.root_codesearch_chain(extra_ignore)
    if repo is not None:
        with repo:
            state.walk_listing(list_git_files(repo, resolved), ignore)
    else:
        state.walk_folder(ignore)
    result = state.finish()
    log.debug(
        "crawled %s (%s): %d files, skipped %s",
        resolved,
        "git" if result.is_git else "folder",
        len(result.files),
        result.skipped_by_reason(),
    )
    return result
