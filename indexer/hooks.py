"""Git hooks that keep an index fresh: install, uninstall and describe them.

``install`` writes ``post-commit``, ``post-merge``, ``post-checkout`` and ``post-rewrite`` into the folder
git runs hooks from (``core.hooksPath`` when set). A hook already there is moved aside to
``<name>.pre-codesearch`` and still runs first, with the same arguments, stdin and exit status (and, a shell
script, with the hook's own path as its ``$0``, which husky's scripts read to find the hook to run); then ours
starts ``codesearch hook run`` in the background and returns at once. ``uninstall`` removes ours and moves
the saved hook back, so the folder is exactly what it was.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codesearch.errors import ConfigError, IndexIOError, NotFoundError

log = logging.getLogger(__name__)

HOOK_NAMES = ("post-commit", "post-merge", "post-checkout", "post-rewrite")
MARKER = "# codesearch-hook"
SAVED_SUFFIX = ".pre-codesearch"
STATE_FOLDER = "codesearch"  # inside the git dir: the log, the last run, the coalescing marker
INSTALL_RECORD = "hook.json"
DIRTY = "dirty"  # a run is pending (hook_run reads and clears it)
LOG_FILE = "hook.log"  # every run's lines, and the hook script's when it cannot start one
LAUNCH_LOCK = "launch.lock"  # a folder: the hook script that made it started the Python whose pid is inside

_SCRIPT = """#!/bin/sh
{marker}: written by `codesearch hook install`; `codesearch hook uninstall` puts back what was here.
# The hook that was here runs first (same arguments and stdin; its exit status is ours). Then an
# incremental reindex starts in the background: git never waits for it and never sees it fail.
status=0
gitdir="$(git rev-parse --absolute-git-dir 2>/dev/null)"
previous="$0{saved}"
if [ -L "$previous" ] && grep -q '^{marker}' "$(readlink -f "$previous")" 2>/dev/null; then
    previous="$(readlink -f "$previous"){saved}"  # it linked to a hook we wrapped since: run that one's
fi
if [ -x "$previous" ]; then
    shell=""  # a shell script runs as git would run it: with this hook's path as its $0 (husky and its kind
    first=""  # pick the hook to run by $0's name and folder)
    IFS= read -r first <"$previous" 2>/dev/null
    case "$first" in
    "#!"*)
        for word in ${{first#??}}; do
            case "${{word##*/}}" in sh | bash | dash | ash | ksh | mksh | zsh) shell="${{first#??}}" ;; esac
        done
        ;;
    esac
    if [ -n "$shell" ]; then
        $shell -c 'previous=$1; shift; . "$previous"' "$0" "$previous" "$@" || status=$?
    else  # another program is started through a link of its own name (its folder is ours, though)
        via="$gitdir/{state}/previous.$$"
        if [ -n "$gitdir" ] && mkdir -p "$via" 2>/dev/null \
            && ln -s "$(cd "$(dirname "$previous")" && pwd)/$(basename "$previous")" "$via/${{0##*/}}" 2>/dev/null; then
            "$via/${{0##*/}}" "$@" || status=$?
        else
            "$previous" "$@" || status=$?
        fi
        rm -rf "$via" 2>/dev/null
    fi
fi
# At most one Python per repository: each trigger leaves the pending mark; only the trigger that takes the
# launch lock (mkdir is atomic) starts one, and that run reindexes again while the mark reappears.
[ -n "$gitdir" ] || exit $status
state="$gitdir/{state}"
lock="$state/{launch_lock}"
{{ mkdir -p "$state" && : >"$state/{dirty}"; }} 2>/dev/null || exit $status
python={python}
if [ ! -x "$python" ]; then  # its virtual environment moved or went: say so where `hook status` points
    echo "$(date '+%Y-%m-%d %H:%M:%S') pid $$ ERROR codesearch hook $(basename "$0"): cannot start $python" \
        "(moved or removed): no reindex ran; run 'codesearch hook install' again" >>"$state/{log_file}" 2>/dev/null
    exit $status
fi
if ! mkdir "$lock" 2>/dev/null; then
    pid="$(cat "$lock/pid" 2>/dev/null)"
    if [ -z "$pid" ] && [ -n "$(find "$lock" -maxdepth 0 -mmin +1 2>/dev/null)" ]; then
        pid=0  # no pid a minute after it was made: a trigger killed before it wrote one
    fi
    if [ -z "$pid" ] || {{ [ "$pid" != 0 ] && kill -0 "$pid" 2>/dev/null; }}; then
        exit $status  # a run is starting or going: it sees our mark
    fi
    rm -rf "$lock"  # its run was killed: take its place
    mkdir "$lock" 2>/dev/null || exit $status
fi
echo $$ >"$lock/pid"
(
    unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_PREFIX GIT_COMMON_DIR GIT_OBJECT_DIRECTORY
    sleep 1  # git finishes its own work (gc --auto, output) first, and bursts of triggers coalesce
    exec nice -n 10 {command} hook run --repo "$PWD"  # low priority: the user's next command comes first
) </dev/null >/dev/null 2>&1 &
echo $! >"$lock/pid"  # the Python's pid (the subshell execs it): it lets go of the lock when done
exit $status
"""


@dataclass(frozen=True)
class HookState:
    """One hook name in the hooks folder."""

    name: str
    path: Path
    ours: bool  # our script is installed under this name
    chained: bool  # a previous hook is saved beside ours and runs first
    foreign: bool  # another hook is there and ours is not
    missing_python: str | None = None  # ours, and the Python it starts is gone (its venv moved or went)


def _git(repo: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise ConfigError("git is not installed") from None
    except subprocess.CalledProcessError as exc:
        reason = (exc.stderr or "").strip().splitlines()
        raise NotFoundError(f"{repo} is not in a git repository ({reason[-1] if reason else exc})") from None
    return done.stdout.strip()


def work_tree(repo: Path) -> Path:
    """The top of the work tree holding ``repo`` (NotFoundError outside a git work tree)."""
    if not Path(repo).is_dir():
        raise NotFoundError(f"no such folder: {repo}")
    try:
        return Path(_git(Path(repo), "rev-parse", "--show-toplevel")).resolve()
    except NotFoundError:
        bare = subprocess.run(
            ["git", "rev-parse", "--is-bare-repository"], cwd=repo, capture_output=True, text=True
        )
        if bare.stdout.strip() == "true":
            raise NotFoundError(
                f"{repo} is a bare repository: it has no work tree to index or hooks to keep it fresh; "
                "install them in a clone of it"
            ) from None
        raise


def hooks_dir(repo: Path) -> Path:
    """Where git runs this repository's hooks from (honours ``core.hooksPath``)."""
    top = work_tree(repo)
    return (top / _git(top, "rev-parse", "--git-path", "hooks")).resolve()


def shared_hooks_scope(repo: Path) -> str | None:
    """``"global"`` or ``"system"`` when ``core.hooksPath`` comes from a git config every repository of the
    user (or machine) reads, so its folder is shared; None when it is unset or set for this repository only."""
    top = work_tree(repo)
    try:
        done = subprocess.run(
            ["git", "config", "--show-scope", "--get", "core.hooksPath"],
            cwd=top,
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        raise ConfigError("git is not installed") from None
    scope = done.stdout.split("\t", 1)[0].strip() if done.returncode == 0 else ""
    return scope if scope in ("global", "system") else None


def state_dir(repo: Path) -> Path:
    """Our folder inside the git dir: the run log, the last run's record, the coalescing marker."""
    top = work_tree(repo)
    return Path(_git(top, "rev-parse", "--absolute-git-dir")) / STATE_FOLDER


def hook_command(index_dir: Path, store: str = "local") -> str:
    """The command a hook runs (this Python, so it works from a virtual environment not on PATH), on the
    index ``index_dir`` of ``store`` (a Milvus store URI is kept in the hook: the hook reindexes into it)."""
    parts = [sys.executable, "-m", "codesearch.cli", "--index", str(index_dir)]
    if store != "local":
        parts += ["--store", store]
    return " ".join(shlex.quote(part) for part in parts)


def _is_ours(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return MARKER in fh.read(4096)
    except (OSError, IsADirectoryError):
        return False


def _missing_python(script: Path) -> str | None:
    """The Python our hook script starts, when it is not there to start (None when it is)."""
    try:
        text = script.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in text.splitlines():
        start = line.strip().partition("exec nice -n 10 ")[2]  # the same line in every version of the script
        if start:
            try:
                python = shlex.split(start, comments=True)[0]
            except (ValueError, IndexError):
                return None
            return None if os.access(python, os.X_OK) else python
    return None


def describe(repo: Path) -> list[HookState]:
    """The state of each of our hook names."""
    folder = hooks_dir(repo)
    states = []
    for name in HOOK_NAMES:
        path = folder / name
        ours = _is_ours(path)
        saved = Path(str(path) + SAVED_SUFFIX)
        states.append(
            HookState(
                name,
                path,
                ours,
                ours and os.path.lexists(saved),
                not ours and os.path.lexists(path),
                _missing_python(path) if ours else None,
            )
        )
    return states


def _write_script(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".codesearch-tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o755)
    os.replace(tmp, path)


def install(repo: Path, index_dir: Path, store: str = "local", *, shared: bool = False) -> list[HookState]:
    """Install (or refresh) our hooks; a hook already there is kept and chained. Idempotent.

    A hooks folder that a global (or system) ``core.hooksPath`` shares with every repository is refused
    (ConfigError) unless ``shared``: our hooks there would reindex every repository into this index."""
    folder = hooks_dir(repo)
    scope = shared_hooks_scope(repo)
    if scope and not shared:
        raise ConfigError(
            f"{folder} is the hooks folder of every repository (core.hooksPath in the {scope} git config): "
            "set core.hooksPath in this repository's own config, or pass --shared-hooks-folder to install there"
        )
    index_dir = Path(index_dir).expanduser().resolve()
    script = _SCRIPT.format(
        marker=MARKER,
        saved=SAVED_SUFFIX,
        command=hook_command(index_dir, store),
        state=STATE_FOLDER,
        launch_lock=LAUNCH_LOCK,
        dirty=DIRTY,
        python=shlex.quote(sys.executable),
        log_file=LOG_FILE,
    )
    record_path = state_dir(repo) / INSTALL_RECORD
    created_folder = bool(_install_record(repo).get("created_folder")) or not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for state in describe(repo):
            saved = Path(str(state.path) + SAVED_SUFFIX)
            if state.foreign:
                if os.path.lexists(saved):
                    raise ConfigError(
                        f"{saved} exists and {state.path} is not ours: move one of them away, then install again"
                    )
                os.replace(
                    state.path, saved
                )  # a rename keeps its content, mode, times (and a symlink as one)
                log.info("kept the existing %s hook as %s", state.name, saved.name)
            _write_script(state.path, script)
        record = {
            "index_dir": str(index_dir),
            "store": store,
            "python": sys.executable,
            "installed_at": time.time(),
            "created_folder": created_folder,  # uninstall removes the hooks folder again if it is empty
        }
        record_path.parent.mkdir(parents=True, exist_ok=True)
        record_path.write_text(json.dumps(record, indent=2), encoding="utf-8")
    except OSError as exc:
        raise IndexIOError(f"cannot write the hooks in {folder}: {exc.strerror or exc}") from None
    return describe(repo)


def uninstall(repo: Path) -> list[HookState]:
    """Remove our hooks and put back the ones they replaced. Hooks that are not ours are left alone."""
    folder = hooks_dir(repo)
    try:
        for state in describe(repo):
            if not state.ours:
                continue
            state.path.unlink()
            saved = Path(str(state.path) + SAVED_SUFFIX)
            if os.path.lexists(saved):
                os.replace(saved, state.path)
        record = state_dir(repo) / INSTALL_RECORD
        if record.exists():
            created_folder = _install_record(repo).get("created_folder")
            record.unlink()
            if created_folder and not any(folder.iterdir()):
                folder.rmdir()
    except OSError as exc:
        raise IndexIOError(f"cannot remove the hooks in {folder}: {exc.strerror or exc}") from None
    return describe(repo)


def _install_record(repo: Path) -> dict[str, Any]:
    try:
        record = json.loads((state_dir(repo) / INSTALL_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def installed_index(repo: Path) -> Path | None:
    """The index directory the installed hooks write to, or None when they are not installed."""
    index_dir = _install_record(repo).get("index_dir")
    return Path(index_dir) if isinstance(index_dir, str) else None
