"""`codesearch serve --processes N`: several worker processes on one port, sharing their index jobs.

The job store is tested with two `IndexJobs` over one folder (two processes' views of it); the whole
server as a real `codesearch serve --processes 2` subprocess over a lexical-only index.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from codesearch.api import jobs as jobs_module
from codesearch.api.jobs import IndexJobs
from codesearch.errors import IndexLockedError
from indexer.pipeline import index_paths


def _wait(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_job_is_seen_from_every_process_sharing_the_store(tmp_path, monkeypatch):
    monkeypatch.setattr(jobs_module, "SAVE_EVERY_S", 0.0)
    release = threading.Event()

    def reindex(roots, progress):
        progress("parse", 3, 10)
        release.wait(10)
        return {"files": 3}

    runner, other, alone = IndexJobs(reindex, tmp_path), IndexJobs(reindex, tmp_path), IndexJobs(reindex)
    job = runner.submit([tmp_path])
    _wait(lambda: (other.get(job.id) or job).to_json()["progress"]["done"] == 3)
    seen = other.get(job.id)
    assert seen is not None and seen.to_json()["state"] == "running"
    assert seen.to_json()["progress"] == {"stage": "parse", "done": 3, "total": 10}
    assert alone.get(job.id) is None  # without a shared store a process knows only its own jobs
    assert other.get("../" + job.id) is None and other.get("nosuchjob") is None
    release.set()
    _wait(lambda: other.get(job.id).to_json()["state"] == "done")  # type: ignore[union-attr]
    assert other.get(job.id).to_json()["report"] == {"files": 3}  # type: ignore[union-attr]
    for jobs in (runner, other, alone):
        jobs.close()


def test_a_job_waits_while_another_process_writes_the_index(tmp_path, monkeypatch):
    monkeypatch.setattr(jobs_module, "LOCK_RETRY_S", 0.01)
    attempts = []

    def reindex(roots, progress):
        attempts.append(1)
        if len(attempts) < 3:
            raise IndexLockedError("the index is being written by pid 1")
        return {"files": 1}

    shared, alone = IndexJobs(reindex, tmp_path), IndexJobs(reindex)
    stages = []
    shared._save = lambda job, save=shared._save: (stages.append(job.stage), save(job))  # type: ignore[method-assign]
    job = shared.submit([tmp_path])
    _wait(lambda: job.to_json()["state"] != "running" and job.to_json()["state"] != "queued")
    assert job.to_json()["state"] == "done" and len(attempts) == 3
    assert "waiting for another writer" in stages  # what the other processes saw meanwhile
    attempts.clear()
    solo = alone.submit([tmp_path])  # one process alone: a busy index is the job's error, as before
    _wait(lambda: solo.to_json()["state"] == "failed")
    assert "being written" in solo.to_json()["error"]
    shared.close()
    alone.close()


def _server_pid(port: int) -> int:
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                args = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in args and str(port).encode() in args:
                return int(proc.name)
    raise AssertionError(f"no codesearch serve on port {port}")


def _worker_processes(pid: int) -> int:
    children = (Path("/proc") / str(pid) / "task" / str(pid) / "children").read_text().split()
    return sum(b"spawn_main" in (Path("/proc") / c / "cmdline").read_bytes() for c in children)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="counts worker processes through /proc")
def test_two_processes_answer_searches_and_each_others_jobs(
    tmp_path, build_git_repo, sample_files, cli_server
):
    repo = build_git_repo(tmp_path / "shop", sample_files)
    index_dir = tmp_path / "index"
    index_paths([repo.root], index_dir=index_dir, embedder=None)  # lexical only: the workers start fast
    with cli_server(index_dir, "--processes", "2", "--model", "none") as url:
        parent = _server_pid(int(url.rsplit(":", 1)[1]))
        _wait(lambda: _worker_processes(parent) == 2)

        def names(query: str) -> list[str]:  # a new connection each time: any process may answer
            body = httpx.post(f"{url}/search", json={"query": query, "mode": "lexical"}, timeout=30)
            assert body.status_code == 200, body.text
            return [hit["name"] for hit in body.json()["hits"]]

        assert "slugify" in names("slugify title")
        repo.write("ledger/books.py", "def reconcile_ledger(entries):\n    return sum(entries)\n")
        repo.commit("ledger")
        created = httpx.post(f"{url}/index", json={}, timeout=30)
        assert created.status_code == 202, created.text
        job_url = f"{url}/jobs/{created.json()['job']}"
        states = []
        while not states or states[-1] not in ("done", "failed"):
            polled = httpx.get(job_url, timeout=30)
            assert polled.status_code == 200, polled.text  # whichever process runs the job
            states.append(polled.json()["state"])
            assert len(states) < 600
            time.sleep(0.05)
        assert states[-1] == "done", polled.json()
        for _ in range(20):  # the job's end, asked of whichever process each new connection reaches
            polled = httpx.get(job_url, timeout=30)
            assert polled.status_code == 200 and polled.json()["state"] == "done", polled.text
        assert all(names("reconcile ledger")[:1] == ["reconcile_ledger"] for _ in range(6))
