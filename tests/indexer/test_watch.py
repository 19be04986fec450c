"""Watch mode on a real folder with real file-system events (watchfiles): debounced incremental runs."""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from pathlib import Path

from indexer.pipeline import index_paths
from indexer.watch import watch_and_index


def _names(index_dir: Path) -> set[str]:
    db = sqlite3.connect(index_dir / "meta.sqlite")
    try:
        return {r[0] for r in db.execute("SELECT qualified_name FROM documents")}
    finally:
        db.close()


def test_watch_reindexes_a_plain_folder_once_per_burst_of_changes(tmp_path, hash_embedder):
    root = tmp_path / "notes"
    root.mkdir()
    (root / "first.py").write_text("def first_one():\n    return 1\n")
    index_dir = root / ".index"  # inside the watched folder: its own writes must not trigger runs
    runs: queue.Queue = queue.Queue()
    stop = threading.Event()

    def reindex():
        return index_paths([root], index_dir=index_dir, embedder=hash_embedder, model="fake")

    watcher = threading.Thread(
        target=watch_and_index,
        args=(root, index_dir, reindex),
        kwargs={"on_run": lambda report, n: runs.put((report, n)), "debounce_ms": 300, "stop": stop},
    )
    watcher.start()
    try:
        report, changes = runs.get(timeout=30)  # the catch-up run at start
        assert changes == 0 and "first_one" in _names(index_dir)
        time.sleep(0.5)  # let the watcher start listening
        for i in range(8):  # one burst: one run
            (root / f"m{i}.py").write_text(f"def burst_{i}():\n    return {i}\n")
        report, changes = runs.get(timeout=30)
        assert changes >= 8 and report.files_parsed == 8 and report.embedded == 8
        assert {f"burst_{i}" for i in range(8)} <= _names(index_dir)
        (root / "first.py").unlink()
        report, _ = runs.get(timeout=30)
        assert report.files_removed == 1 and "first_one" not in _names(index_dir)
        time.sleep(1.5)  # the index's own files changed during those runs: no run follows
        assert runs.empty()
    finally:
        stop.set()
        watcher.join(10)
    assert not watcher.is_alive()


def test_watch_of_a_missing_folder_is_one_error_line(tmp_path, capsys):
    from codesearch import cli

    assert cli.main(["--index", str(tmp_path / "idx"), "watch", str(tmp_path / "nowhere")]) == 8
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"codesearch: error: not a folder: {tmp_path / 'nowhere'}"]
