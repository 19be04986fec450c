"""Nested ignore files (``.gitignore``, ``.codesearchignore``) with git's precedence rules.

An ``IgnoreChain`` is an immutable linked list of (folder, spec) pairs, deepest folder first. The
deepest file with a matching pattern decides, and within one file the last matching pattern decides
(``!negation`` re-includes), exactly as git does. A directory's chain is its parent's chain plus the
ignore file found in it, so a walk extends it once per directory.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import pathspec

log = logging.getLogger(__name__)

GITIGNORE = ".gitignore"
CODESEARCHIGNORE = ".codesearchignore"


class IgnoreChain:
    """The ignore specs in force in one directory (its own and its ancestors')."""

    __slots__ = ("_base", "_spec", "_parent")

    def __init__(
        self,
        base: str = "",
        spec: pathspec.GitIgnoreSpec | None = None,
        parent: IgnoreChain | None = None,
    ) -> None:
        self._base = base  # root-relative POSIX folder of the ignore file, "" for the root
        self._spec = spec
        self._parent: IgnoreChain | None = parent

    def extend(self, base: str, lines: Iterable[str]) -> IgnoreChain:
        """A chain with the patterns ``lines`` (relative to folder ``base``) taking precedence."""
        spec = pathspec.GitIgnoreSpec.from_lines(list(lines))
        if not spec.patterns:
            return self
        return IgnoreChain(base, spec, self)

    def extend_from_file(self, base: str, path: Path) -> IgnoreChain:
        """``extend`` with the lines of the ignore file ``path``; an unreadable file is logged and ignored."""
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as err:
            log.debug("cannot read ignore file %s: %s", path, err)
            return self
        return self.extend(base, text.splitlines())

    def ignores(self, rel_path: str, is_dir: bool = False) -> bool:
        """True if the root-relative POSIX ``rel_path`` is excluded by the deepest matching pattern."""
        node: IgnoreChain | None = self
        while node is not None:
            spec = node._spec
            if spec is None:
                break
            if node._base:
                if not rel_path.startswith(node._base + "/"):
                    node = node._parent
                    continue
                local = rel_path[len(node._base) + 1 :]
            else:
                local = rel_path
            result = spec.check_file(local + "/" if is_dir else local)
            if result.include is not None:
                return bool(result.include)
            node = node._parent
        return False

    @property
    def empty(self) -> bool:
        """True if no pattern is in force (lets callers skip matching entirely)."""
        return self._spec is None
