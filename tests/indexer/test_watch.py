"""Watch mode on a real folder with real file-system events (watchfiles): debounced incremental runs."""

from __future__ import annotations

import os
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


class _Watching:
    """``watch_and_index`` of ``root`` on a thread, its runs' reports in a queue; a death is reported, not lost."""

    def __init__(self, root: Path, index_dir: Path, embedder) -> None:
        self.runs: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.died: list[BaseException] = []

        def reindex():
            return index_paths([root], index_dir=index_dir, embedder=embedder, model="fake")

        def watch() -> None:
            try:
                watch_and_index(
                    root,
                    index_dir,
                    reindex,
                    on_run=lambda r, n: self.runs.put(r),
                    debounce_ms=300,
                    stop=self.stop,
                )
            except BaseException as exc:  # noqa: BLE001 - the test names it instead of a silent thread death
                self.died.append(exc)

        self.thread = threading.Thread(target=watch)
        self.thread.start()

    def next_run(self, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert not self.died, f"the watcher died: {self.died[0]!r}"
            try:
                return self.runs.get(timeout=0.1)
            except queue.Empty:
                continue
        raise AssertionError("no run came")

    def until_indexed(self, name: str, index_dir: Path, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while name not in _names(index_dir):
            assert time.monotonic() < deadline, f"{name} was never indexed"
            self.next_run()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(10)
        assert not self.thread.is_alive() and not self.died


def _watch_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelname == "WARNING" and r.name == "indexer.watch"]


def test_watch_goes_on_after_a_file_whose_name_is_not_utf8_appears(tmp_path, hash_embedder, caplog):
    # watchfiles' notifier cannot turn such a name into a str: its iterator raises and the watch generator ends
    root = tmp_path / "notes"
    root.mkdir()
    (root / "first.py").write_text("def first_one():\n    return 1\n")
    index_dir = tmp_path / "index"
    watching = _Watching(root, index_dir, hash_embedder)
    try:
        watching.next_run()  # the catch-up run, once the watcher listens
        (root / os.fsdecode(b"\xff.py")).write_text("x = 1\n")
        report = watching.next_run()  # a new watcher, and a run for what the failed one dropped
        assert report.skipped.get("undecodable-name") == 1
        (root / "later.py").write_text("def later_edit():\n    return 2\n")
        watching.until_indexed("later_edit", index_dir)
    finally:
        watching.close()
    warnings = _watch_warnings(caplog)
    assert len(warnings) == 1 and str(root) in warnings[0] and "decode" in warnings[0]


def test_watch_indexes_edits_while_a_file_whose_name_is_not_utf8_is_rewritten_all_the_time(
    tmp_path, hash_embedder, caplog
):
    # each new watcher fails on that file before it is quiet long enough for its catch-up run
    root = tmp_path / "notes"
    root.mkdir()
    index_dir = tmp_path / "index"
    bad = root / os.fsdecode(b"log-\xff.txt")
    writing = threading.Event()
    writing.set()

    def rewrite() -> None:
        while writing.is_set():
            bad.write_text(f"{time.monotonic()}\n")
            time.sleep(0.02)

    watching = _Watching(root, index_dir, hash_embedder)
    writer = threading.Thread(target=rewrite)
    try:
        watching.next_run()
        writer.start()
        (root / "edit.py").write_text("def edited_meanwhile():\n    return 3\n")
        watching.until_indexed("edited_meanwhile", index_dir)
    finally:
        writing.clear()
        if writer.is_alive():
            writer.join(10)
        watching.close()
    assert len(_watch_warnings(caplog)) == 1  # the same failure again and again is one line
