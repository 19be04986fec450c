"""The values a search filter takes: canonical names, the aliases people type, and one clear refusal.

``--lang py`` and ``--kind func`` used to match nothing and exit 0. Each filter value is turned into the name
the index stores (``python``, ``function``, a repository's name) or refused with the valid values listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from codesearch.errors import ConfigError
from codesearch.path_globs import check_brackets, from_repository_root
from codesearch.terminal_text import as_bytes_shown, not_utf8
from codesearch.types import SYMBOL_KINDS
from parsers.languages import EXTENSIONS, FILENAMES

# what people call a language when it is neither its id nor one of its file extensions (``py``, ``.rs``)
LANGUAGE_ALIASES = {
    "c#": "csharp",
    "c-sharp": "csharp",
    "golang": "go",
    "shell": "bash",
    "node": "javascript",
    "nodejs": "javascript",
    "ecmascript": "javascript",
    "python3": "python",
    "objc": "objective-c",
    "objective-c++": "objective-cpp",
    "objc++": "objective-cpp",
    "plaintext": "text",
}
KIND_ALIASES = {
    "func": "function",
    "fn": "function",
    "fun": "function",
    "def": "function",
    "proc": "function",
    "procedure": "function",
    "sub": "function",
    "meth": "method",
    "cls": "class",
    "iface": "interface",
    "protocol": "interface",
    "mod": "module",
    "namespace": "module",
    "package": "module",
    "typedef": "type",
    "alias": "type",
    "enumeration": "enum",
    "chunk": "window",
}


def languages() -> list[str]:
    """Every language id the index labels files with, sorted."""
    return sorted({*EXTENSIONS.values(), *FILENAMES.values(), "text"})


def canonical_language(value: str, flag: str = "--lang") -> str:
    """The language id for ``value``: an id, an alias (``golang``, ``c#``) or an extension (``py``, ``.rs``)."""
    asked = value.strip().lower()
    known = languages()
    if asked in known:
        return asked
    found = LANGUAGE_ALIASES.get(asked) or EXTENSIONS.get(asked if asked.startswith(".") else f".{asked}")
    if found is None:
        raise ConfigError(_refusal(flag, value, known))
    return found


def canonical_kind(value: str, flag: str = "--kind") -> str:
    """The symbol kind for ``value``: a kind, its plural, or an alias (``func``, ``def``, ``cls``)."""
    asked = value.strip().lower()
    for candidate in (asked, asked.removesuffix("es"), asked.removesuffix("s")):
        found = candidate if candidate in SYMBOL_KINDS else KIND_ALIASES.get(candidate)
        if found is not None:
            return found
    raise ConfigError(_refusal(flag, value, SYMBOL_KINDS))


def canonical_repo(value: str, names: Iterable[str], flag: str = "--repo") -> str:
    """The name of the index's repository ``value`` names, exactly or but for case."""
    names = sorted(names)
    if value in names:
        return value
    same = [n for n in names if n.lower() == value.lower()]
    if len(same) == 1:
        return same[0]
    raise ConfigError(_refusal(flag, value, names, what="a repository of this index"))


def canonical_path(value: str, flag: str = "--path") -> str:
    """``value`` as a path glob: as given, unless it holds a NUL, which no path has (SQLite's GLOB read
    ``*\0*`` as ``*``: every path matched), bytes that are not UTF-8, which no indexed path has, or a ``[``
    that is never closed, which matches no path."""
    if "\0" in value:
        raise ConfigError(f"{flag} {value!r} cannot match a path: it contains a NUL character")
    where = not_utf8(value)
    if where is not None:  # the crawler skips such names ("undecodable-name")
        raise ConfigError(
            f"{flag} '{as_bytes_shown(value)}' cannot match a path: it is not UTF-8 text ({where}), "
            "and files whose names are not UTF-8 are not indexed"
        )
    check_brackets(value, flag)
    if value.startswith("/"):
        return value
    # `./src/*`, as a shell completes it: the index holds paths from the repository's root (`src/...`)
    return "/".join(part for part in value.split("/") if part != ".") or "*"


def wants_repositories(repo: str | None, path_glob: str | None) -> bool:
    """Whether ``canonical_filters`` reads the index's repositories for these values (a repository's name,
    or an absolute glob read from a repository's root): a caller that fetches them itself asks first."""
    return bool(repo) or bool(path_glob and path_glob.startswith("/"))


def canonical_filters(
    lang: str | None,
    path_glob: str | None,
    repo: str | None,
    kind: str | None,
    repos: Callable[[], Iterable[tuple[str, str]]],
    flag_prefix: str = "--",
) -> dict[str, Any]:
    """``Searcher.search``'s filter arguments as the index names them (``py`` is python, ``func`` is
    function); an unknown value is one ``ConfigError`` listing the valid ones. ``repos`` gives the indexed
    repositories, (name, root): an absolute path glob inside one is read from its root and keeps that
    repository only. The CLI, the HTTP API and MCP all check through here; ``flag_prefix`` is ``--`` for
    flags and empty for request fields."""
    known: list[tuple[str, str]] | None = None

    def indexed() -> list[tuple[str, str]]:
        nonlocal known
        if known is None:
            known = list(repos())
        return known

    path_flag, repo_flag = f"{flag_prefix}path", f"{flag_prefix}repo"
    language = canonical_language(lang, f"{flag_prefix}lang") if lang else None
    glob = canonical_path(path_glob, path_flag) if path_glob else None
    repo = canonical_repo(repo, [name for name, _ in indexed()], repo_flag) if repo else None
    if glob is not None and glob.startswith("/"):
        inside, glob = from_repository_root(glob, path_flag, indexed())
        if repo is not None and repo != inside:
            raise ConfigError(
                f"{path_flag} {path_glob!r} is in repository {inside!r}, not in {repo_flag} {repo!r}"
            )
        repo = inside
    return {
        "lang": language,
        "path_glob": glob,
        "repo": repo,
        "kind": canonical_kind(kind, f"{flag_prefix}kind") if kind else None,
    }


def _refusal(flag: str, value: str, valid: Iterable[str], what: str = "") -> str:
    listed = ", ".join(valid) or "none: the index is empty"
    return f"{flag} {value!r} is not {what or 'known'}; valid values: {listed}"
