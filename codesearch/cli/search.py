"""``codesearch search QUERY`` and ``codesearch similar FILE:LINE``: the hits, as text or one JSON object."""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codesearch import assembly
from codesearch.cli.options import add_result_options
from codesearch.cli.output import print_compact, print_files, print_hits, print_json
from codesearch.errors import ConfigError, ExitCode, IndexIOError, NotFoundError
from codesearch.filter_values import canonical_filters
from codesearch.settings import Settings
from codesearch.terminal_text import as_bytes_shown, not_utf8

if TYPE_CHECKING:
    from codesearch.search import Searcher, SearchResult


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("search", parents=[common], help="search the index")
    p.add_argument("query")
    add_result_options(p, mode_help="hybrid (default), dense or lexical")
    p.set_defaults(handler=run)
    p = sub.add_parser("similar", parents=[common], help="code like the function at FILE:LINE (code to code)")
    p.add_argument("location", metavar="FILE:LINE")
    add_result_options(p, mode_help="dense (default), hybrid or lexical")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    if args.command == "search" and not args.model and not args.rerank:
        # a `codesearch serve` running on this index answers in milliseconds, with no model to load here
        from codesearch.serve_discovery import search_via_server

        checked = _filters(args, lambda: _repositories(settings))
        request = {
            "query": args.query,
            "k": settings.k,
            "mode": settings.mode,
            **{
                "lang": checked["lang"],
                "path": checked["path_glob"],
                "repo": checked["repo"],
                "kind": checked["kind"],
            },
        }
        served = search_via_server(settings, request)
        if served is not None:
            return _print(args, served, started)
    searcher = assembly.open_searcher(settings, args.model, rerank=args.rerank, once=True)
    filters = _filters(args, lambda: [(r["name"], r["root"]) for r in searcher.status()["repos"]])
    if args.command == "similar":
        file, _, line = args.location.rpartition(":")
        if not file or not line.isdigit():
            raise ConfigError(f"expected FILE:LINE, not {args.location!r}")
        where = not_utf8(file)
        if where is not None:  # the crawler skips such names ("undecodable-name")
            raise NotFoundError(
                f"'{as_bytes_shown(file)}' is not UTF-8 ({where}): files whose names are not UTF-8 are not indexed"
            )
        mode = args.mode  # default: dense (the model's code-to-code instruction); lexical without vectors
        located = _located(file, searcher)
        _check_line(file, located, int(line))
        result = searcher.similar(located, int(line), k=settings.k, mode=mode, **filters)
    else:
        result = searcher.search(args.query, k=settings.k, mode=settings.mode, **filters)
    return _print(args, result, started)


def _print(args: argparse.Namespace, result: SearchResult, started: float) -> int:
    if args.json:
        print_json(result.to_json(explain=args.explain))
    elif args.compact:
        print_compact(result.hits)
    elif args.files:
        print_files(result.hits)
    else:
        print_hits(result.hits, result.took_ms, getattr(args, "query", None) or args.location, started)
    return ExitCode.OK


def _filters(args: argparse.Namespace, repositories: Callable[[], list[tuple[str, str]]]) -> dict[str, Any]:
    """The filters as the index names them (``--lang py`` is python, ``--path $PWD/src`` is ``src/*`` of
    the repository there); an unknown value is a usage error."""
    return canonical_filters(args.lang, args.path_glob, args.repo, args.kind, repositories)


def _repositories(settings: Settings) -> list[tuple[str, str]]:
    from indexer.store import indexed_repositories

    repos = indexed_repositories(settings.store_dir)
    if not repos:
        assembly.require_manifest(settings)  # no index at all: say that, not "not in the index"
    return repos


def _check_line(file: str, located: Path, line: int) -> None:
    """A line ``similar`` cannot find for a reason other than the index: 0, past the end, or in a folder."""
    if line < 1:
        raise ConfigError(f"{file}:{line}: lines count from 1")
    try:  # non-blocking: a FIFO named here must not hang the command
        fd = os.open(located, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return  # not a readable file: the index says what it knows of it
    try:  # the mode before fdopen(), which fails on a folder naming the descriptor, not the path
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IndexIOError(f"{file}: is a directory")
        if not stat.S_ISREG(mode):
            return
        with os.fdopen(fd, "rb", closefd=False) as f:
            count = sum(1 for _ in f)
    finally:
        os.close(fd)
    if line > count:
        raise ConfigError(f"{file} has {count} lines: line {line} is past its end")


def _located(file: str, searcher: Searcher) -> Path:
    """The file ``similar`` was given: from the current folder (what ``search`` prints), absolute, or
    relative to an indexed repository's root (``src/x.py``, ``REPO/src/x.py``: what ``--json`` holds)."""
    given = Path(file)
    # ~USER of no such user: the path as written, as a shell leaves it
    with contextlib.suppress(RuntimeError):
        given = given.expanduser()
    if given.is_absolute() or given.exists():
        return _resolved(given, file)
    found = set()
    for repo in searcher.status()["repos"]:
        root = Path(repo["root"])
        inside = file.removeprefix(repo["name"] + "/")
        for candidate in (root / given, root / inside):
            if candidate.is_file():
                found.add(candidate)
    if len(found) > 1:
        raise ConfigError(
            f"{file} is in several indexed repositories ({', '.join(sorted(map(str, found)))}): "
            "give the path from the current folder"
        )
    return found.pop() if found else _resolved(given, file)


def _resolved(path: Path, file: str) -> Path:
    """``path`` absolute with its symlinks followed; a loop of them leads to no file, as a missing one."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):  # not strict: only a loop raises (RuntimeError before Python 3.13)
        raise NotFoundError(f"{file}: a loop of symbolic links, no file") from None
