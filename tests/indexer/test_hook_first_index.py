"""`codesearch hook install` on a repository the index does not hold yet starts its first index (or says
how, with --no-index): the hooks alone only reindex after the next commit (issue 14, item 8)."""

from __future__ import annotations

import sqlite3
import time

from codesearch import cli
from indexer import hook_run, hooks


def _names(index_dir) -> set[str]:
    db = sqlite3.connect(index_dir / "meta.sqlite")
    try:
        return {r[0] for r in db.execute("SELECT qualified_name FROM documents")}
    finally:
        db.close()


def _wait_first_run(repo, timeout: float = 90.0) -> dict:
    state = hooks.state_dir(repo)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        last = hook_run.last_run(state)
        if last and not hook_run.is_running(state):
            return last
        time.sleep(0.1)
    raise AssertionError("the first index never finished")


def test_install_on_a_repository_not_indexed_yet_starts_its_index(git_repo, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CODESEARCH_MODEL", "fake")  # the background run reads it too
    repo, index_dir = git_repo(), tmp_path / "idx"
    assert cli.main(["--index", str(index_dir), "hook", "install", "--repo", str(repo.root)]) == 0
    out = capsys.readouterr().out
    assert "not in the index yet" in out and "indexing it now in the background" in out
    assert _wait_first_run(repo.root)["status"] == "ok"
    assert "retry_with_backoff" in _names(index_dir)
    # installed again on an indexed repository: nothing more is said or started
    assert cli.main(["--index", str(index_dir), "hook", "install", "--repo", str(repo.root)]) == 0
    assert "not in the index yet" not in capsys.readouterr().out


def test_no_index_only_says_how(git_repo, tmp_path, capsys):
    repo, index_dir = git_repo(), tmp_path / "idx"
    args = ["--index", str(index_dir), "hook", "install", "--no-index", "--repo", str(repo.root)]
    assert cli.main(args) == 0
    out = capsys.readouterr().out.replace("\n", " ")
    assert "not in the index yet" in out and f"index {repo.root}" in out
    time.sleep(0.5)
    assert hook_run.last_run(hooks.state_dir(repo.root)) is None and not hook_run.is_running(
        hooks.state_dir(repo.root)
    )
