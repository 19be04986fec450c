"""``codesearch hook install|uninstall|status|run`` and ``codesearch watch``: keeping an index fresh."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from codesearch.errors import ExitCode
from codesearch.settings import Settings


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """The ``hook`` and ``watch`` subcommands (called from ``cli._build_parser``)."""
    p = sub.add_parser("hook", parents=[common], help="git hooks that reindex after commit, merge, checkout")
    p.add_argument("action", choices=("install", "uninstall", "status", "run"))
    p.add_argument("--repo", default=".", help="the git repository (default: the current folder)")
    p.add_argument("--background", action="store_true", help="with run: start it detached and return")
    p.add_argument("--json", action="store_true", help="with status: print one JSON object")
    p = sub.add_parser("watch", parents=[common], help="reindex a folder whenever its files change")
    p.add_argument("path", nargs="?", default=".", help="the folder to watch (default: the current one)")
    p.add_argument("--debounce-ms", type=int, default=500, help="wait for this much quiet before a run")
    p.add_argument("--max-file-size", type=int, help="skip files larger than this many bytes (default 1 MiB)")
    p.add_argument("--ignore", action="append", metavar="PATTERN", help="extra gitignore-style pattern")


def _reindexer(root: Path, settings: Settings) -> Any:
    """A function doing one incremental run of ``root`` into the settings' index, returning its report."""
    from codesearch.cli_commands import index_embedder
    from indexer.pipeline import index_paths

    embedder, model = index_embedder(settings)

    def reindex() -> Any:
        return index_paths(
            [root],
            index_dir=settings.index_dir,
            embedder=embedder,
            model=model,
            max_file_size=settings.max_file_size,
            ignore=settings.ignore,
        )

    return reindex


def cmd_hook(args: argparse.Namespace, settings: Settings) -> int:
    from indexer import hooks

    repo = hooks.work_tree(Path(args.repo).expanduser().resolve())
    if args.action == "install":
        states = hooks.install(repo, settings.index_dir)
        return _print_hook_states(repo, states, f"installed (index {settings.index_dir.resolve()})")
    if args.action == "uninstall":
        states = hooks.uninstall(repo)
        return _print_hook_states(repo, states, "uninstalled")
    if args.action == "run":
        return _hook_run(repo, args.background, settings)
    return _hook_status(repo, args.json)


def _print_hook_states(repo: Path, states: list[Any], what: str) -> int:
    out = Console(highlight=False, soft_wrap=True)  # paths are never folded
    out.print(f"codesearch hooks {what} in {states[0].path.parent}")
    for s in states:
        out.print(f"  {s.name:<14} {_state_word(s)}")
    return ExitCode.OK


def _state_word(state: Any) -> str:
    if state.ours:
        return "installed, runs the previous hook first" if state.chained else "installed"
    return "not installed (another hook is there)" if state.foreign else "not installed"


def _hook_run(repo: Path, background: bool, settings: Settings) -> int:
    from indexer import hook_run, hooks

    if background:
        hook_run.start_in_background(repo, settings.index_dir)
        return ExitCode.OK
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX"):
        os.environ.pop(name, None)  # set by git for its hooks; they would point our git calls elsewhere

    def summary() -> dict[str, Any]:
        report = _reindexer(repo, settings)()  # inside the run: a model that cannot load is logged too
        return {
            "files_parsed": report.files_parsed,
            "files_removed": report.files_removed,
            "embedded": report.embedded,
            "generation": report.generation,
            "index_dir": str(settings.index_dir),
        }

    state = hooks.state_dir(repo)
    hook_run.run_coalesced(state, summary)
    last = hook_run.last_run(state)
    return ExitCode.OK if last is None or last.get("status") == "ok" else ExitCode.ERROR


def _hook_status(repo: Path, as_json: bool) -> int:
    from codesearch.cli import print_json
    from indexer import hook_run, hooks

    states = hooks.describe(repo)
    state = hooks.state_dir(repo)
    index_dir = hooks.installed_index(repo)
    status: dict[str, Any] = {
        "repo": str(repo),
        "hooks_dir": str(states[0].path.parent),
        "hooks": {s.name: _state_word(s) for s in states},
        "index_dir": str(index_dir) if index_dir else None,
        "running": hook_run.is_running(state),
        "pending": (state / hook_run.DIRTY).exists(),
        "last_run": hook_run.last_run(state),
        "log": str(state / hook_run.LOG_FILE),
    }
    if as_json:
        print_json(status)
        return ExitCode.OK
    out = Console(highlight=False, soft_wrap=True)  # paths are never folded
    out.print(f"hooks in   {status['hooks_dir']}")
    for name, word in status["hooks"].items():
        out.print(f"  {name:<14} {word}")
    out.print(f"index      {status['index_dir'] or '-'}")
    last = status["last_run"]
    if last:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(last["finished_at"]))
        how = (
            f"ok (parsed {last.get('files_parsed', 0)}, embedded {last.get('embedded', 0)}, "
            f"generation {last.get('generation', '?')})"
            if last["status"] == "ok"
            else f"FAILED: {last.get('error', '?')}"
        )
        out.print(f"last run   {when}, {last['seconds']:.1f} s, {how}")
    else:
        out.print("last run   never")
    if status["running"]:
        out.print("running    now" + (" (another run is queued)" if status["pending"] else ""))
    out.print(f"log        {status['log']}")
    return ExitCode.OK


def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    from codesearch.errors import NotFoundError
    from indexer.watch import watch_and_index

    root = Path(args.path).expanduser().resolve()
    if not root.is_dir():
        raise NotFoundError(f"not a folder: {args.path}")
    err = Console(stderr=True, highlight=False)

    def on_run(report: Any, n_changes: int) -> None:
        err.print(
            f"{time.strftime('%H:%M:%S')} {n_changes} change(s): parsed {report.files_parsed}, "
            f"removed {report.files_removed}, embedded {report.embedded}, generation {report.generation} "
            f"({report.seconds:.2f} s)"
        )

    err.print(f"watching {root} (index {settings.index_dir}); Ctrl-C stops")
    watch_and_index(
        root, settings.index_dir, _reindexer(root, settings), on_run=on_run, debounce_ms=args.debounce_ms
    )
    print("stopped", file=sys.stderr)
    return ExitCode.OK
