"""Background reindex jobs for ``POST /index``: one at a time on a worker thread, with progress.

The index has one writer at a time (``indexer.store.writer_lock``), so jobs queue; readers (the running
``Searcher``) pick up each new generation as it is committed.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codesearch.errors import CodesearchError
from indexer.pipeline import Progress

log = logging.getLogger(__name__)

KEEP_JOBS = 200  # finished jobs remembered for GET /jobs/{id}

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

    def progress(self, stage: str, advance: int, total: int | None) -> None:
        """The indexer's progress callback: per stage, a running count out of a total (0 when unknown)."""
        with self._lock:
            if stage != self.stage:
                self.stage, self.done = stage, 0
            self.done += advance
            self.total = total if total is not None else self.done  # the crawl does not know its total

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
    """Queued reindex jobs and their states."""

    def __init__(self, reindex: Reindex) -> None:
        self._reindex = reindex
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="codesearch-index")

    def submit(self, roots: list[Path]) -> Job:
        job = Job(id=uuid.uuid4().hex[:12], roots=[str(r) for r in roots])
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
            return self._jobs.get(job_id)

    def _run(self, job: Job, roots: list[Path]) -> None:
        with job._lock:
            job.state = "running"
        try:
            report = self._reindex(roots, job.progress)
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

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def report_json(report: Any) -> dict[str, Any]:
    return dataclasses.asdict(report)
