"""A ``--path`` glob as the index matches it: from a repository's root, with every ``[`` closed.

The index matches a glob against paths from their repository's root (``src/net/retry.py``), so an absolute
glob (``--path $PWD/src``) matched nothing, and so did one with an unclosed ``[`` (SQLite's GLOB matches
nothing then). An absolute glob inside an indexed repository is read from that repository's root; one
outside them all, and a malformed one, are refused with one line.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable
from pathlib import Path

from codesearch.errors import ConfigError

GLOB_CHARS = "*?["


def unclosed_bracket(glob: str) -> int | None:
    """The index of the first ``[`` that no ``]`` closes, read as SQLite's GLOB reads a class (``[^...]``
    negates; a ``]`` first in the class is the character itself); None when every class is closed."""
    i = 0
    while i < len(glob):
        if glob[i] == "[":
            end = i + 1
            if end < len(glob) and glob[end] == "^":
                end += 1
            if end < len(glob) and glob[end] == "]":
                end += 1
            end = glob.find("]", end)
            if end < 0:
                return i
            i = end
        i += 1
    return None


def check_brackets(value: str, flag: str) -> None:
    """``ConfigError`` when a ``[`` of ``value`` is never closed: such a glob matches no path."""
    at = unclosed_bracket(value)
    if at is not None:
        raise ConfigError(
            f"{flag} {value!r} is not a valid glob: the '[' at character {at + 1} is never closed "
            "(to match a '[' itself, write '[[]')"
        )


def from_repository_root(value: str, flag: str, repos: Iterable[tuple[str, str]]) -> tuple[str, str | None]:
    """The repository an absolute glob ``value`` lies in and the glob from its root (None: the whole
    repository). A folder is everything below it, a file only itself; ``ConfigError`` when ``value`` lies
    in no repository of ``repos`` (name, root)."""
    known = sorted(repos, key=lambda repo: len(repo[1]), reverse=True)  # a nested root before its parent
    wanted = _normalized(value)
    for candidate in (wanted, _literal_part_resolved(wanted)):
        for name, root in known:
            for base in dict.fromkeys((_normalized(root), os.path.realpath(root))):
                if candidate == base:
                    return name, None
                if candidate.startswith(base.rstrip("/") + "/"):
                    inside = candidate[len(base.rstrip("/")) + 1 :]
                    return name, _glob_in(Path(root), inside)
    roots = [root for _, root in sorted(repos)]
    listed = ", ".join(roots[:5]) + (f" and {len(roots) - 5} more" if len(roots) > 5 else "")
    raise ConfigError(
        f"{flag} {value!r} is not inside an indexed repository ({listed or 'none: the index is empty'}): "
        "give a glob inside one of them, or one from a repository's root (src/*.py)"
    )


def _normalized(path: str) -> str:
    """``path`` without ``.``, ``..``, doubled or trailing slashes (POSIX keeps a leading ``//``: not here)."""
    normal = posixpath.normpath(path)
    return "/" + normal.lstrip("/") if normal.startswith("/") else normal


def _literal_part_resolved(glob: str) -> str:
    """``glob`` with its folders before the first wildcard resolved (``/tmp`` may be a link to
    ``/private/tmp``, and the index holds resolved roots)."""
    parts = glob.split("/")
    literal = next((i for i, part in enumerate(parts) if any(c in part for c in GLOB_CHARS)), len(parts))
    head = "/".join(parts[:literal]) or "/"
    return posixpath.join(os.path.realpath(head), *parts[literal:])


def _glob_in(root: Path, inside: str) -> str:
    """The glob for ``inside`` (from ``root``): itself when it has wildcards; else everything below it when
    it is a folder (or is not there), and only itself when it is a file."""
    if any(c in inside for c in GLOB_CHARS):
        return inside
    if not (root / inside).is_file():
        return f"{inside}/*"
    # a bare word matches anywhere in a path (``Filters.glob``): one character as a class makes it a glob
    # that matches this path only
    at = max((i for i, c in enumerate(inside) if c not in "]^!-"), default=None)
    if at is None:
        return f"{inside}/*"
    return f"{inside[:at]}[{inside[at]}]{inside[at + 1 :]}"
