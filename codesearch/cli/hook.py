"""``codesearch hook install|uninstall|status|run``: git hooks that keep an index fresh."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from codesearch import assembly
from codesearch.cli.output import console, print_json, shown
from codesearch.errors import ExitCode
from codesearch.settings import Settings


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("hook", parents=[common], help="git hooks that reindex after commit, merge, checkout")
    p.add_argument("action", choices=("install", "uninstall", "status", "run"))
    p.add_argument("--repo", default=".", help="the git repository (default: the current folder)")
    p.add_argument("--background", action="store_true", help="with run: start it detached and return")
    p.add_argument("--json", action="store_true", help="with status: print one JSON object")
    p.add_argument(
        "--no-index",
        action="store_true",
        help="with install: do not start the first index of a repository the index does not hold yet",
    )
    p.add_argument(
        "--shared-hooks-folder",
        action="store_true",
        help="with install: install even into a hooks folder a global core.hooksPath shares with every repository",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from indexer import hooks
    from indexer.store import refuse_a_file_in_the_way

    repo = hooks.work_tree(Path(args.repo).expanduser().resolve())
    if args.action == "install":
        refuse_a_file_in_the_way(settings.store_dir)  # a file in the index's way would fail every hook's run
        states = hooks.install(repo, settings.index_dir, settings.store, shared=args.shared_hooks_folder)
        _print_hook_states(repo, states, f"installed (index {shown(str(settings.index_dir.resolve()))})")
        _first_index(repo, settings, start=not args.no_index)
        return ExitCode.OK
    if args.action == "uninstall":
        states = hooks.uninstall(repo)
        return _print_hook_states(repo, states, "uninstalled")
    if args.action == "run":
        return _hook_run(repo, args.background, settings)
    return _hook_status(repo, args.json)


def _print_hook_states(repo: Path, states: list[Any], what: str) -> int:
    out = console()
    out.print(f"codesearch hooks {what} in {shown(str(states[0].path.parent))}")
    for s in states:
        out.print(f"  {s.name:<14} {_state_word(s)}")
    return ExitCode.OK


def _first_index(repo: Path, settings: Settings, *, start: bool) -> None:
    """The hooks reindex after a commit, a checkout or a merge: a repository the index does not hold yet
    gets its first index now (in the background), or is told how to get it."""
    from indexer import hook_run
    from indexer.store import indexed_roots

    if str(repo) in indexed_roots(settings.store_dir):
        return
    out = console()
    if not start:
        out.print(
            f"{shown(repo.name)} is not in the index yet: the hooks index it after the next commit, checkout "
            f"or merge, or now with `codesearch --index {shown(str(settings.index_dir))} index {shown(str(repo))}`"
        )
        return
    hook_run.start_in_background(repo, settings.index_dir, settings.store)
    out.print(
        f"{shown(repo.name)} is not in the index yet: indexing it now in the background "
        "(`codesearch hook status` says how it went; --no-index skips this)"
    )


def _state_word(state: Any) -> str:
    from indexer.hooks import SAVED_SUFFIX

    if state.ours and state.missing_python:
        return f"installed, but its Python {state.missing_python} is missing: run `codesearch hook install` again"
    if state.ours and state.chained and not os.access(f"{state.path}{SAVED_SUFFIX}", os.X_OK):
        # git runs no hook that is not executable, and ours keeps to that
        return (
            f"installed; the previous hook ({state.name}{SAVED_SUFFIX}) is not executable, so it does not run"
        )
    if state.ours:
        return "installed, runs the previous hook first" if state.chained else "installed"
    return "not installed (another hook is there)" if state.foreign else "not installed"


def _hook_run(repo: Path, background: bool, settings: Settings) -> int:
    from indexer import hook_run, hooks

    if background:
        hook_run.start_in_background(repo, settings.index_dir, settings.store)
        return ExitCode.OK
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX"):
        os.environ.pop(name, None)  # set by git for its hooks; they would point our git calls elsewhere

    def summary() -> dict[str, Any]:
        report = assembly.reindex(settings, [repo])  # inside the run: a model that cannot load is logged too
        english_fill = assembly.after_index(settings, report.missing_parts)
        return {
            "files_parsed": report.files_parsed,
            "files_removed": report.files_removed,
            "embedded": report.embedded,
            "generation": report.generation,
            "index_dir": str(settings.index_dir),
            "english_fill": english_fill,
        }

    state = hooks.state_dir(repo)
    hook_run.run_coalesced(state, summary)
    last = hook_run.last_run(state)
    return ExitCode.OK if last is None or last.get("status") == "ok" else ExitCode.ERROR


def _hook_status(repo: Path, as_json: bool) -> int:
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
    out = console()
    out.print(f"hooks in   {shown(status['hooks_dir'])}")
    for name, word in status["hooks"].items():
        out.print(f"  {name:<14} {word}")
    out.print(f"index      {shown(status['index_dir'] or '-')}")
    last = status["last_run"]
    if last:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(last["finished_at"]))
        how = (
            f"ok (parsed {last.get('files_parsed', 0)}, embedded {last.get('embedded', 0)}, "
            f"generation {last.get('generation', '?')})"
            if last["status"] == "ok"
            else f"FAILED: {shown(str(last.get('error', '?')))}"
        )
        out.print(f"last run   {when}, {last['seconds']:.1f} s, {how}")
    else:
        out.print("last run   never")
    if status["running"]:
        out.print("running    now" + (" (another run is queued)" if status["pending"] else ""))
    out.print(f"log        {shown(status['log'])}")
    return ExitCode.OK
