"""Hostile input to the indexer, one regression test per observed failure (issue 14): odd file names,
files swapped for FIFOs or symlinks after the crawl, BOM'd and Latin-1 text, absurd nesting, tiny files."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from indexer import pipeline
from indexer.crawl import crawl
from indexer.pipeline import index_paths


def _index(root: Path, index_dir: Path, embedder, **kw):
    return index_paths([root], index_dir=index_dir, embedder=embedder, model="fake", **kw)


def _docs(index_dir: Path) -> list[tuple[str, str, str, int, int]]:
    db = sqlite3.connect(index_dir / "meta.sqlite")
    try:
        return db.execute(
            "SELECT f.path, d.name, d.code, d.start_line, d.end_line FROM documents d "
            "JOIN files f ON f.id=d.file_id ORDER BY 1, 4"
        ).fetchall()
    finally:
        db.close()


def _folder(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / "src"
    root.mkdir()
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def _index_with_timeout(root: Path, index_dir: Path, embedder, seconds: float = 60.0):
    """Index in a daemon thread: a hang fails the test instead of hanging the suite."""
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["report"] = _index(root, index_dir, embedder)
        except BaseException as exc:  # handed to the test thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "indexing hung"
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["report"]


def _swap_after_crawl(monkeypatch, swap) -> None:
    """Run ``swap(root)`` right after the pipeline's crawl returns: the race a busy work tree has."""

    def crawl_then_swap(root, **kw):
        result = crawl(root, **kw)
        swap(root)
        return result

    monkeypatch.setattr(pipeline, "crawl", crawl_then_swap)


def test_a_file_name_that_is_not_utf8_is_skipped_with_a_reason_and_the_rest_indexed(tmp_path, hash_embedder):
    root = _folder(tmp_path, {"good.py": "def good():\n    return 1\n"})
    with open(os.path.join(os.fsencode(root), b"bad\xffbyte.py"), "wb") as fh:
        fh.write(b"def bad():\n    return 2\n")
    report = _index(root, tmp_path / "idx", hash_embedder)
    assert report.files == 1 and report.skipped == {"undecodable-name": 1}
    again = _index(root, tmp_path / "idx", hash_embedder)  # and every later run too
    assert again.files == 1


def test_a_tab_in_a_file_name_is_indexed(tmp_path, hash_embedder):
    root = _folder(tmp_path, {"tab\tname.py": "def tabbed():\n    return 1\n"})
    report = _index(root, tmp_path / "idx", hash_embedder)
    assert report.files == 1
    assert [(p, n) for p, n, *_ in _docs(tmp_path / "idx")] == [("tab\tname.py", "tabbed")]


def test_a_file_swapped_for_a_fifo_after_the_crawl_does_not_hang_the_run(
    tmp_path, hash_embedder, monkeypatch
):
    root = _folder(tmp_path, {"a.py": "def a():\n    return 1\n", "pipe.py": "def p():\n    return 2\n"})

    def to_fifo(r: Path) -> None:
        (r / "pipe.py").unlink()
        os.mkfifo(r / "pipe.py")

    _swap_after_crawl(monkeypatch, to_fifo)
    report = _index_with_timeout(root, tmp_path / "idx", hash_embedder)
    assert report.files == 1 and report.skipped == {"unreadable": 1}
    assert {p for p, *_ in _docs(tmp_path / "idx")} == {"a.py"}


def test_a_file_swapped_for_a_symlink_out_of_the_root_after_the_crawl_is_not_indexed(
    tmp_path, hash_embedder, monkeypatch
):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:the secret outside the root\n" * 10)
    root = _folder(tmp_path, {"a.py": "def a():\n    return 1\n", "leak.txt": "harmless text\n" * 10})

    def to_symlink(r: Path) -> None:
        (r / "leak.txt").unlink()
        (r / "leak.txt").symlink_to(secret)

    _swap_after_crawl(monkeypatch, to_symlink)
    report = _index_with_timeout(root, tmp_path / "idx", hash_embedder)
    assert report.files == 1 and report.skipped == {"unreadable": 1}
    assert not any("secret" in code for *_, code, _, _ in _docs(tmp_path / "idx"))


@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_bom_text_in_utf16_and_utf32_yields_its_symbols_on_the_right_lines(codec, tmp_path, hash_embedder):
    text = "import os\n\n\ndef wide_function(x):\n    return x + 1\n"
    root = _folder(tmp_path, {"wide.py": text.encode(codec)})  # Python's utf-16/utf-32 write a BOM
    report = _index(root, tmp_path / "idx", hash_embedder)
    assert report.symbols == 1
    [(path, name, code, start, end)] = [d for d in _docs(tmp_path / "idx") if d[1] == "wide_function"]
    assert (start, end) == (4, 5) and code.startswith("def wide_function(x):")


def test_latin1_text_keeps_its_accented_names(tmp_path, hash_embedder):
    text = "# fichier en Latin-1\n\ndef café_günter():\n    return 'é'\n"
    root = _folder(tmp_path, {"latin.py": text.encode("latin-1")})
    _index(root, tmp_path / "idx", hash_embedder)
    names = {n for _, n, *_ in _docs(tmp_path / "idx")}
    assert "café_günter" in names


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("notes.md", "# Title\n\nA short note about\nthe retry policy.\n"),
        ("schema.sql", "CREATE TABLE users (id INTEGER);\nCREATE INDEX users_id ON users(id);\n"),
        ("one.txt", "x"),
    ],
)
def test_a_small_file_yields_a_document(name, text, tmp_path, hash_embedder):
    root = _folder(tmp_path, {name: text})
    report = _index(root, tmp_path / "idx", hash_embedder)
    assert report.files == 1 and report.skipped == {}
    [(path, _, code, start, _end)] = _docs(tmp_path / "idx")
    assert path == name and code.strip() == text.strip() and start == 1


def test_every_crawled_file_yields_a_document_or_a_skip_reason(tmp_path, hash_embedder):
    files = {
        "a.py": "def a():\n    return 1\n",
        "blank_lines.py": "\n\n\nx = 1\n\n",
        "two.sql": "SELECT 1;\nSELECT 2;\n",
        "empty.md": "",
        "spaces.txt": "   \n\t\n",
    }
    root = _folder(tmp_path, files)
    report = _index(root, tmp_path / "idx", hash_embedder)
    with_docs = {p for p, *_ in _docs(tmp_path / "idx")}
    assert with_docs == {"a.py", "blank_lines.py", "two.sql"}
    assert report.files == 3 and sum(report.skipped.values()) == 2


def test_absurd_nesting_is_bounded_and_the_cut_is_reported(tmp_path, hash_embedder):
    depth = 300
    lines = [" " * (4 * i) + f"def level_{i}():" for i in range(depth)]
    lines.append(" " * (4 * depth) + "return 0")
    text = "\n".join(lines) + "\n"
    root = _folder(tmp_path, {"deep.py": text})
    report = _index(root, tmp_path / "idx", hash_embedder)
    docs = _docs(tmp_path / "idx")
    total = sum(len(code.encode()) for *_, code, _, _ in docs)
    assert total <= pipeline.MAX_DOCUMENT_BYTES_FACTOR * len(text.encode()) + (1 << 20)
    names = {n for _, n, *_ in docs}
    assert "level_0" in names and f"level_{depth - 1}" not in names
    assert report.cut.get("symbols-nested-too-deep", 0) > 0
    # nothing vanished: the deepest code is still inside a document
    assert any("return 0" in code for *_, code, _, _ in docs)


_SLOW_INDEXER = """
import signal, sys, time
# Ctrl-C as a user's terminal delivers it: a test run started in the background by a shell without job
# control inherits SIGINT ignored, and so would this writer (it then hung until the test's timeout)
signal.signal(signal.SIGINT, signal.default_int_handler)
from pathlib import Path
from codesearch.embedding.fake import HashEmbedder
from indexer import pipeline

class SlowEmbedder(HashEmbedder):
    calls = 0

    def _embed_batch(self, texts, **kw):
        SlowEmbedder.calls += 1
        if SlowEmbedder.calls > 3:  # the fourth batch waits for the signal: the run cannot end before it
            # short sleeps, as real work runs bytecode between its steps: one long sleep could miss a SIGINT
            # that lands between Python's last check for signals and the start of the sleep
            for _ in range(6000):
                time.sleep(0.1)
        out = super()._embed_batch(texts, **kw)
        with open(sys.argv[3], "a") as log:
            log.write(f"{len(texts)}\\n")
        return out

pipeline.EMBED_CHUNK = 4
pipeline.index_paths([Path(sys.argv[1])], index_dir=Path(sys.argv[2]), embedder=SlowEmbedder(256), model="fake")
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_a_first_build_killed_while_embedding_keeps_what_it_embedded(sig, tmp_path, hash_embedder):
    files = {f"m{i}.py": f"def func_{i}(x):\n    return x + {i}\n" for i in range(40)}
    root = _folder(tmp_path, files)
    index_dir, batches = tmp_path / "idx", tmp_path / "batches.log"
    writer = subprocess.Popen(
        [sys.executable, "-c", _SLOW_INDEXER, str(root), str(index_dir), str(batches)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not batches.exists() or len(batches.read_text().split()) < 3:
            assert writer.poll() is None and time.monotonic() < deadline, "the writer ended before embedding"
            time.sleep(0.05)
        writer.send_signal(sig)
        writer.wait(timeout=60)
    finally:
        writer.kill()
    db = sqlite3.connect(index_dir / "meta.sqlite")
    kept = db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
    db.close()
    assert 8 <= kept < 40  # at least the batches before the last one were committed
    report = _index(root, index_dir, hash_embedder)  # the rerun embeds only what is missing
    assert report.documents == 40 and report.embedded == len(hash_embedder.embedded_texts) == 40 - kept


def test_a_file_that_grew_past_the_size_limit_after_the_crawl_is_skipped_not_read(
    tmp_path, hash_embedder, monkeypatch
):
    root = _folder(tmp_path, {"a.py": "def a():\n    return 1\n", "grows.txt": "small\n"})

    def grow(r: Path) -> None:
        (r / "grows.txt").write_text("grown line\n" * 1000)

    _swap_after_crawl(monkeypatch, grow)
    report = _index(root, tmp_path / "idx", hash_embedder, max_file_size=1000)
    assert report.files == 1 and report.skipped == {"too-large": 1}
    assert {p for p, *_ in _docs(tmp_path / "idx")} == {"a.py"}
