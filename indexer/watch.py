"""Watch mode: reindex a folder (git or not) whenever its files change, debounced.

``watchfiles`` batches file-system events: a batch is yielded once no new event arrived for ``debounce_ms``
(a save that writes three files, a checkout that rewrites a hundred, is one batch and one run), or after
``MAX_BATCH_MS`` while changes keep coming. Each run
is the ordinary incremental ``index_paths``, so only what changed is parsed and only new text embedded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import watchfiles
from watchfiles._rust_notify import WatchfilesRustInternalError  # documented in watchfiles' API docs

from codesearch.errors import IndexLockedError
from codesearch.terminal_text import printable

log = logging.getLogger(__name__)

DEBOUNCE_MS = 500
MAX_BATCH_MS = 5000
LISTENING_MS = 1000  # the first empty batch, which starts the catch-up run, comes this soon
LOCK_RETRIES = 30  # a hook run may hold the index; try again each second for this long


class _ChangeFilter(watchfiles.DefaultFilter):
    """watchfiles' defaults (``.git``, ``node_modules``, editor swap files, ...) and the index itself."""

    def __init__(self, index_dir: Path) -> None:
        super().__init__()
        self._index_prefix = str(index_dir.resolve()) + "/"

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        return not (path + "/").startswith(self._index_prefix) and super().__call__(change, path)


def _run(reindex: Callable[[], Any], retry_delay: float) -> Any | None:
    for attempt in range(LOCK_RETRIES):
        try:
            return reindex()
        except IndexLockedError as exc:
            log.info("%s (attempt %d)", exc, attempt + 1)
            time.sleep(retry_delay)
    log.warning("the index stayed locked; the next change will try again")
    return None


def watch_and_index(
    root: Path,
    index_dir: Path,
    reindex: Callable[[], Any],
    *,
    on_run: Callable[[Any, int], None] | None = None,
    debounce_ms: int = DEBOUNCE_MS,
    stop: threading.Event | None = None,
    retry_delay: float = 1.0,
) -> int:
    """Reindex once the watcher listens, then after every debounced batch of changes under ``root`` until
    ``stop`` is set.

    ``reindex()`` does one incremental run and returns its report; ``on_run(report, n_changes)`` hears of
    each run. A failing run is logged and the watch goes on (the next change catches up). A failing watcher
    (a file name that is not UTF-8) is logged, started again and followed by a run. Returns the number of
    runs. Ctrl-C ends it.
    """
    runs = 0

    def one_run(n_changes: int) -> None:
        nonlocal runs
        try:
            report = _run(reindex, retry_delay)
        except Exception as exc:  # keep watching: a run that failed is retried by the next change
            log.error("reindex failed: %s", exc)
            return
        runs += 1
        if report is not None and on_run is not None:
            on_run(report, n_changes)

    # a run owed with no batch behind it (at start, after a restart), made once the new watcher listens
    catch_up = True
    last_error = ""
    while True:
        try:
            for changes in watchfiles.watch(
                root,
                watch_filter=_ChangeFilter(index_dir),
                step=debounce_ms,  # a batch ends after this much quiet...
                debounce=max(MAX_BATCH_MS, debounce_ms),  # ...or after this long, if changes never stop
                rust_timeout=LISTENING_MS,
                yield_on_timeout=True,  # an empty batch: the watcher listens, the owed run may start
                stop_event=stop,
                raise_interrupt=False,
            ):
                if changes or catch_up:
                    log.debug("%d change(s): %s", len(changes), sorted(p for _, p in changes)[:5])
                    catch_up = False
                    one_run(len(changes))
            return runs
        except WatchfilesRustInternalError as exc:
            # the notifier failed on one event (a file name that is not UTF-8: "Unable to decode path") and
            # dropped its batch: a new watcher, then a run over the whole folder, lose nothing
            if str(exc) != last_error:  # a file rewritten all the time fails each watcher: one line for it
                log.warning("watching %s: %s; watching it again", printable(str(root)), printable(str(exc)))
            last_error = str(exc)
            if catch_up:  # this watcher failed before its run: run now, or failing watchers starve the index
                one_run(0)
            catch_up = True
