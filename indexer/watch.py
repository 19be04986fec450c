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

from codesearch.errors import IndexLockedError

log = logging.getLogger(__name__)

DEBOUNCE_MS = 500
MAX_BATCH_MS = 5000
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
    """Reindex once, then after every debounced batch of changes under ``root`` until ``stop`` is set.

    ``reindex()`` does one incremental run and returns its report; ``on_run(report, n_changes)`` hears of
    each run. A failing run is logged and the watch goes on (the next change catches up). Returns the number
    of runs. Ctrl-C ends it.
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

    one_run(0)
    for changes in watchfiles.watch(
        root,
        watch_filter=_ChangeFilter(index_dir),
        step=debounce_ms,  # a batch ends after this much quiet...
        debounce=max(MAX_BATCH_MS, debounce_ms),  # ...or after this long, if changes never stop
        stop_event=stop,
        raise_interrupt=False,
    ):
        log.debug("%d change(s): %s", len(changes), sorted(p for _, p in changes)[:5])
        one_run(len(changes))
    return runs
