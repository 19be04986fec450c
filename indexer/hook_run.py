"""One hook-triggered reindex of a repository: coalesced, logged, and never raising.

Each trigger marks the repository dirty, then tries to take the run lock. The holder clears the mark and
reindexes until no mark is left, so triggers that arrive during a run cost one follow-up run in all. A
trigger that finds the lock taken just leaves its mark; the holder re-checks the mark after letting go of
the lock, so a mark made in between is never lost. The hook script does the cheap part in shell before any
Python starts: it leaves the mark, and starts a Python only when it takes the launch lock, so a burst of
commits or a rebase costs one running and at most one pending run, not one Python each. Every run appends to ``hook.log`` and records how it
ended in ``last-run.json``, both in the repository's git dir (``hooks.state_dir``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from codesearch.errors import IndexLockedError
from indexer.hooks import DIRTY, LAUNCH_LOCK, LOG_FILE

log = logging.getLogger(__name__)

RUN_LOCK = "run.lock"
LAST_RUN = "last-run.json"
LOG_MAX_BYTES = 1 << 20  # past this the log starts over (the last run's lines are what matters)
LOCK_WAIT_SECONDS = 600.0  # a manual `codesearch index` may hold the index: wait for it this long
LOCK_RETRY_SECONDS = 1.0
_GIT_ENV = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_PREFIX",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
)

Reindex = Callable[[], dict[str, Any]]


def _try_lock(path: Path) -> IO[str] | None:
    fh = open(path, "a+")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        return None
    return fh


def is_running(state: Path) -> bool:
    """True while a hook run holds the run lock."""
    if not (state / RUN_LOCK).exists():
        return False
    fh = _try_lock(state / RUN_LOCK)
    if fh is None:
        return True
    fh.close()
    return False


@contextlib.contextmanager
def _logging_to(path: Path) -> Iterator[None]:
    """Send this process's log records (codesearch, indexer) to ``path`` for the duration."""
    if path.exists() and path.stat().st_size > LOG_MAX_BYTES:
        path.unlink()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s pid %(process)d %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(min(previous, logging.INFO) if previous else logging.INFO)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        handler.close()


def _reindex_once(reindex: Reindex, lock_wait: float) -> dict[str, Any]:
    """One reindex, waiting for another writer of the index; what happened as a JSON-able record."""
    started = time.time()
    deadline = time.monotonic() + lock_wait
    record: dict[str, Any] = {"started_at": started}
    while True:
        try:
            summary = reindex()
            record.update(status="ok", **summary)
            break
        except IndexLockedError as exc:
            if time.monotonic() >= deadline:
                record.update(status="failed", error=str(exc))
                break
            log.info("%s; waiting", exc)
            time.sleep(LOCK_RETRY_SECONDS)
        except Exception as exc:  # a hook run must never raise: the next run catches up
            log.error("reindex failed: %s\n%s", exc, traceback.format_exc())
            record.update(status="failed", error=f"{type(exc).__name__}: {exc}".splitlines()[0])
            break
    record["finished_at"] = time.time()
    record["seconds"] = round(record["finished_at"] - started, 3)
    return record


def _write_record(state: Path, record: dict[str, Any]) -> None:
    tmp = state / (LAST_RUN + ".tmp")
    tmp.write_text(json.dumps(record, indent=2), encoding="utf-8")
    os.replace(tmp, state / LAST_RUN)


def run_coalesced(state: Path, reindex: Reindex, *, lock_wait: float = LOCK_WAIT_SECONDS) -> int:
    """Mark the repository dirty and reindex until it is clean, unless another run holds the lock.

    A run the hook script started holds its launch lock too (see ``hooks``): it lets go of it when clean, and
    takes it back for one more round when a trigger left its mark in between.
    Returns how many reindexes this process ran (0 when another process had the lock).
    """
    state.mkdir(parents=True, exist_ok=True)
    dirty = state / DIRTY
    dirty.touch()
    runs = 0
    while True:
        done = _reindex_while_dirty(state, reindex, lock_wait)
        if done is None:
            _release_launch_lock(state)
            return runs  # the holder will see our mark
        runs += done
        if not _release_launch_lock(state) or not dirty.exists() or not _take_launch_lock(state):
            return runs


def _reindex_while_dirty(state: Path, reindex: Reindex, lock_wait: float) -> int | None:
    """Reindex until no mark is left; how many times, or None when another process holds the run lock."""
    dirty = state / DIRTY
    runs = 0
    while dirty.exists():
        fh = _try_lock(state / RUN_LOCK)
        if fh is None:
            return None
        try:
            with _logging_to(state / LOG_FILE):
                while dirty.exists():
                    dirty.unlink()
                    runs += 1
                    log.info("hook reindex starts (run %d of this process)", runs)
                    record = _reindex_once(reindex, lock_wait)
                    details = {k: v for k, v in record.items() if k not in ("started_at", "finished_at")}
                    log.info("hook reindex %s: %s", record["status"], details)
                    _write_record(state, record)
        finally:
            fh.close()
    return runs


def _release_launch_lock(state: Path) -> bool:
    """Let go of the hook script's launch lock if it names this process; whether it did."""
    lock = state / LAUNCH_LOCK
    try:
        if (lock / "pid").read_text(encoding="utf-8").strip() != str(os.getpid()):
            return False
        (lock / "pid").unlink()
        lock.rmdir()
    except OSError:
        return False
    return True


def _take_launch_lock(state: Path) -> bool:
    """Take the launch lock back (a trigger came after the last round), unless a hook script took it."""
    lock = state / LAUNCH_LOCK
    try:
        lock.mkdir()
    except OSError:
        return False
    (lock / "pid").write_text(f"{os.getpid()}\n", encoding="utf-8")
    return True


def last_run(state: Path) -> dict[str, Any] | None:
    """The record of the last finished hook run, or None."""
    try:
        data = json.loads((state / LAST_RUN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def start_in_background(repo: Path, index_dir: Path, store: str = "local") -> None:
    """Start ``codesearch hook run`` for ``repo`` (into ``store``) detached from this process, and return
    at once."""
    store_args = ["--store", store] if store != "local" else []
    start_detached([*store_args, "hook", "run", "--repo", str(repo)], index_dir, cwd=repo)


def start_detached(arguments: list[str], index_dir: Path, *, cwd: Path, log_path: Path | None = None) -> int:
    """Start ``codesearch --index INDEX_DIR ARGUMENTS`` detached from this process (its own session, no
    terminal, git's variables unset), its output appended to ``log_path`` (else discarded); its pid. The index
    is passed as an absolute path: the process runs in ``cwd``, where a relative one would name another."""
    env = {k: v for k, v in os.environ.items() if k not in _GIT_ENV}
    command = [sys.executable, "-m", "codesearch.cli", "--index", str(Path(index_dir).absolute()), *arguments]
    with contextlib.ExitStack() as stack:
        out: Any = subprocess.DEVNULL
        if log_path is not None:
            if log_path.exists() and log_path.stat().st_size > LOG_MAX_BYTES:
                log_path.unlink()
            out = stack.enter_context(open(log_path, "ab"))
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
    return process.pid
