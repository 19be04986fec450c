"""Background reindex jobs for ``POST /index``: one at a time on a worker thread, with progress.

The index has one writer at a time (``indexer.store.writer_lock``), so jobs queue; readers (the running
``Searcher``) pick up each new generation as it is committed. A server of several processes
(``serve --processes``) gives them one ``store`` folder: each job's state is written there, so whichever
process a ``GET /jobs/{id}`` reaches can answer, and a job waits while another process's job writes.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codesearch.errors import CodesearchError, IndexLockedError
from indexer.pipeline import Progress

log = logging.getLogger(__name__)

KEEP_JOBS = 200  # finished jobs remembered for GET /jobs/{id}
SAVE_EVERY_S = 0.25  # how often a running job's progress is written to the shared store
LOCK_RETRY_S = 0.5  # how often a job waiting for another writer tries again

# runs one reindex: (roots, progress callback) -> the IndexReport as a dict
Reindex = Callable[[list[Path], Progress], dict[str, Any]]


@dataclass
class Job:
    id: str
    roots: list[str]
    state: str = "queued"
    stage: str = "queued"
    done: int = 0
    total: int = 0
    error: str | None = None
    report: dict[str, Any] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # called (throttled) as the job moves: writes it to the shared store, if any
    _changed: Callable[[Job], None] | None = field(default=None, repr=False)
    _saved_at: float = field(default=0.0, repr=False)

    def progress(self, stage: str, advance: int, total: int | None) -> None:
        """The indexer's progress callback: per stage, a running count out of a total (0 when unknown)."""
        with self._lock:
            if stage != self.stage:
                self.stage, self.done = stage, 0
            self.done += advance
            self.total = total if total is not None else self.done  # the crawl does not know its total
        now = time.monotonic()
        if self._changed is not None and now - self._saved_at >= SAVE_EVERY_S:
            self._saved_at = now
            self._changed(self)

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {
                "id": self.id,
                "state": self.state,
                "progress": {"stage": self.stage, "done": self.done, "total": self.total},
                "error": self.error,
                "report": self.report,
            }


class IndexJobs:
    """Queued reindex jobs and their states (also in ``store``, a folder shared by the server's processes)."""

    def __init__(self, reindex: Reindex, store: Path | None = None) -> None:
        self._reindex = reindex
        self._store = store
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="codesearch-index")

    def submit(self, roots: list[Path]) -> Job:
        job = Job(id=uuid.uuid4().hex[:12], roots=[str(r) for r in roots])
        if self._store is not None:
            job._changed = self._save
            self._save(job)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > KEEP_JOBS:
                oldest = next(iter(self._jobs.values()))
                if oldest.state in ("queued", "running"):
                    break
                self._jobs.popitem(last=False)
        self._executor.submit(self._run, job, roots)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is not None or self._store is None or not job_id.isalnum():
            return job
        try:  # another process's job
            data = json.loads((self._store / f"{job_id}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        progress = data["progress"]
        return Job(
            id=data["id"],
            roots=data.get("roots", []),
            state=data["state"],
            stage=progress["stage"],
            done=progress["done"],
            total=progress["total"],
            error=data["error"],
            report=data["report"],
        )

    def _save(self, job: Job) -> None:
        """Write the job's state aside, then ``os.replace``: a reader sees the old state or the new one."""
        assert self._store is not None
        path = self._store / f"{job.id}.json"
        tmp = path.with_name(f".{job.id}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.write_text(json.dumps({**job.to_json(), "roots": job.roots}), encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:  # the job goes on; only other processes miss this update
            log.warning("cannot record index job %s: %s", job.id, exc)

    def _run(self, job: Job, roots: list[Path]) -> None:
        with job._lock:
            job.state = "running"
        if job._changed is not None:
            job._changed(job)
        try:
            report = self._reindex_when_free(job, roots)
        except CodesearchError as exc:
            error: str | None = str(exc)
        except Exception as exc:  # a bug: the job says so in one line; the log has the traceback
            log.exception("index job %s failed", job.id)
            error = f"internal error: {type(exc).__name__}: {exc}"
        else:
            error = None
        with job._lock:
            if error is None:
                job.state, job.report, job.stage = "done", report, "done"
            else:
                job.state, job.error = "failed", error
        if job._changed is not None:
            job._changed(job)

    def _reindex_when_free(self, job: Job, roots: list[Path]) -> dict[str, Any]:
        """Run the reindex; with a shared store, a job of another process may hold the index: wait for it."""
        while True:
            try:
                return self._reindex(roots, job.progress)
            except IndexLockedError:
                if self._store is None:
                    raise
            with job._lock:
                job.stage = "waiting for another writer"
            if job._changed is not None:
                job._changed(job)
            time.sleep(LOCK_RETRY_S)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
