"""``codesearch hook install|uninstall|status|run``: git hooks that keep an index fresh."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from codesearch import assembly
from codesearch.cli.output import print_json
from codesearch.errors import ExitCode
from codesearch.settings import Settings


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("hook", parents=[common], help="git hooks that reindex after commit, merge, checkout")
    p.add_argument("action", choices=("install", "uninstall", "status", "run"))
    p.add_argument("--repo", default=".", help="the git repository (default: the current folder)")
    p.add_argument("--background", action="store_true", help="with run: start it detached and return")
    p.add_argument("--json", action="store_true", help="with status: print one JSON object")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from indexer import hooks

    repo = hooks.work_tree(Path(args.repo).expanduser().resolve())
    if args.action == "install":
        states = hooks.install(repo, settings.index_dir, settings.store)
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
        hook_run.start_in_background(repo, settings.index_dir, settings.store)
        return ExitCode.OK
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX"):
        os.environ.pop(name, None)  # set by git for its hooks; they would point our git calls elsewhere

    def summary() -> dict[str, Any]:
        report = assembly.reindex(settings, [repo])  # inside the run: a model that cannot load is logged too
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
