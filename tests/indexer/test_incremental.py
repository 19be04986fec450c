"""Incremental indexing beyond the basics: metadata-only changes, racy rewrites, a reader during reindexes,
a SIGKILLed writer, and one end-to-end change with the real bundled model."""

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

from codesearch.search import Searcher
from indexer.pipeline import index_paths
from indexer.store import Manifest


def _index(root: Path, index_dir: Path, embedder, **kw):
    return index_paths([root], index_dir=index_dir, embedder=embedder, model="fake", **kw)


def _rows(index_dir: Path) -> list[tuple]:
    db = sqlite3.connect(index_dir / "meta.sqlite")
    try:
        return db.execute(
            "SELECT f.path, d.qualified_name, d.start_line, d.end_line, d.content_hash FROM documents d "
            "JOIN files f ON f.id=d.file_id ORDER BY 1, 2, 3"
        ).fetchall()
    finally:
        db.close()


def test_touch_and_committing_an_indexed_edit_parse_nothing(git_repo, hash_embedder, tmp_path):
    repo = git_repo()
    index_dir = tmp_path / "idx"
    repo.write("util/text.py", (repo.root / "util/text.py").read_text() + "\n\ndef extra():\n    return 0\n")
    _index(repo.root, index_dir, hash_embedder)  # indexed while modified (no blob id)
    repo.commit("extra")  # now clean and tracked: a blob id where there was none, same text
    path = repo.root / "web/cart.js"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))  # touched, same text
    hash_embedder.calls.clear()
    report = _index(repo.root, index_dir, hash_embedder)
    assert report.files_parsed == 0 and hash_embedder.calls == [] and report.generation == 1


def test_same_size_rewrite_within_one_clock_tick_is_seen(tmp_path, hash_embedder):
    """A plain folder: size and mtime alone would call this file unchanged; its racy mtime gets it hashed."""
    root = tmp_path / "folder"
    root.mkdir()
    path = root / "calc.py"
    path.write_text("def calc():\n    return 1\n")
    stamp = path.stat().st_mtime_ns
    _index(root, tmp_path / "idx", hash_embedder)
    path.write_text("def calc():\n    return 2\n")
    os.utime(path, ns=(stamp, stamp))  # same size, same mtime
    report = _index(root, tmp_path / "idx", hash_embedder)
    assert report.files_parsed == 1
    assert any("return 2" in t for t in hash_embedder.embedded_texts)


def test_an_index_inside_the_indexed_folder_is_not_indexed(tmp_path, hash_embedder):
    root = tmp_path / "folder"
    root.mkdir()
    (root / "a.py").write_text("def a():\n    return 1\n")
    report = _index(root, root / ".codesearch-index", hash_embedder)
    again = _index(root, root / ".codesearch-index", hash_embedder)
    assert report.files == again.files == 1 and again.files_parsed == 0


def test_a_reader_keeps_answering_during_reindexes_and_sees_each_committed_generation(
    git_repo, hash_embedder, tmp_path
):
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    searcher = Searcher(index_dir, hash_embedder)
    stop, failures, answered = threading.Event(), [], [0]

    def read() -> None:
        while not stop.is_set():
            try:
                result = searcher.search("retry request with backoff", k=5)
                assert result.hits and result.hits[0].name
                # one generation: its manifest and its vectors, never a mix
                generation = searcher.generation
                assert generation.vectors.ntotal == generation.manifest.documents
                answered[0] += 1
            except Exception as exc:  # noqa: BLE001 - any failure of the reader fails the test
                failures.append(repr(exc))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for gen in range(2, 7):
            repo.write(f"gen/g{gen}.py", f"def generation_{gen}_marker():\n    return {gen}\n")
            report = _index(repo.root, index_dir, hash_embedder)
            assert report.generation == gen
            hit = searcher.search(f"generation_{gen}_marker", k=1, mode="lexical").hits[0]
            assert hit.name == f"generation_{gen}_marker" and searcher.manifest.generation == gen
    finally:
        stop.set()
        reader.join(10)
    assert failures == [] and answered[0] > 0


def _big_repo(build_git_repo, root: Path, n: int = 400):
    files = {
        f"pkg/m{i}.py": f"def func_{i}(x):\n    return x + {i}\n\n\ndef other_{i}(y):\n    '''Doc {i}.'''\n"
        f"    return y * {i}\n\n\nclass K{i}:\n    def m(self):\n        return {i}\n"
        for i in range(n)
    }
    return build_git_repo(root, files)


def test_a_sigkilled_reindex_leaves_the_previous_generation_and_the_next_run_finishes(
    build_git_repo, tmp_path, hash_embedder
):
    repo = _big_repo(build_git_repo, tmp_path / "repo")
    index_dir = tmp_path / "idx"
    cli = [sys.executable, "-m", "codesearch.cli"]
    command = [*cli, "--index", str(index_dir), "index", str(repo.root)]  # the index keeps its model
    subprocess.run([*command, "--model", "fake"], check=True, capture_output=True)
    generation = Manifest.read(index_dir).generation
    for attempt, delay in enumerate((0.7, 1.2, 1.7)):
        for path in (repo.root / "pkg").iterdir():  # every file changes: every stage has work to do
            path.write_text(path.read_text().replace("return x", f"return {attempt} + x"))
        writer = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        manifest = Manifest.read(index_dir)  # the previous generation, or the one just committed
        assert manifest.generation >= generation
        generation = manifest.generation
        searcher = Searcher(index_dir)  # lexical: the fake model's 32-d fingerprint is not this fixture's
        assert searcher.generation.vectors.ntotal == manifest.documents
        assert searcher.search("other_7", k=1).hits[0].name == "other_7"
        searcher.close()
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    clean = tmp_path / "clean"
    subprocess.run(
        [*cli, "--index", str(clean), "--model", "fake", "index", str(repo.root)],
        check=True,
        capture_output=True,
    )
    assert _rows(index_dir) == _rows(clean)
    manifest = Manifest.read(index_dir)
    assert Searcher(index_dir).generation.vectors.ntotal == manifest.documents == len(_rows(clean))
    assert not list(index_dir.glob("*.tmp"))
    assert _vector_ids(index_dir) == _doc_ids(index_dir)  # every document has its vector, nothing else


def test_one_file_change_end_to_end_with_the_bundled_model(
    build_git_repo, sample_files, tmp_path, use_embedder
):
    repo = build_git_repo(tmp_path / "shop", sample_files)
    index_dir = tmp_path / "idx"
    first = index_paths([repo.root], index_dir=index_dir, embedder=use_embedder, model="use")
    assert first.embedded == first.documents
    noop = index_paths([repo.root], index_dir=index_dir, embedder=use_embedder, model="use")
    assert noop.files_parsed == 0 and noop.embedded == 0 and noop.generation == first.generation
    repo.write(
        "util/text.py",
        (repo.root / "util/text.py").read_text()
        + '\n\ndef reverse_words(text):\n    """Reverse the order of the words in a sentence."""\n'
        "    return ' '.join(reversed(text.split()))\n",
    )
    repo.commit("reverse words")
    report = index_paths([repo.root], index_dir=index_dir, embedder=use_embedder, model="use")
    assert report.files_parsed == 1 and report.embedded == 1
    hits = Searcher(index_dir, use_embedder).search("invertir el orden de las palabras de una frase", k=3)
    assert "reverse_words" in [h.name for h in hits.hits]


def test_files_a_killed_writer_left_aside_are_cleaned_by_the_next_run(git_repo, hash_embedder, tmp_path):
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    (index_dir / "vectors.2.faiss.tmp").write_bytes(b"half a faiss file")
    (index_dir / "manifest.json.tmp").write_text('{"generation": ')
    report = _index(repo.root, index_dir, hash_embedder)
    assert report.generation == 1 and not list(index_dir.glob("*.tmp"))


def _vector_ids(index_dir: Path) -> set[int]:
    import faiss

    manifest = Manifest.read(index_dir)
    index = faiss.read_index(str(index_dir / manifest.vectors_file))
    return {int(i) for i in faiss.vector_to_array(index.id_map) if i >= 0}  # -1: an HNSW tombstone


def _doc_ids(index_dir: Path) -> set[int]:
    db = sqlite3.connect(index_dir / "meta.sqlite")
    try:
        return {r[0] for r in db.execute("SELECT id FROM documents")}
    finally:
        db.close()


def test_a_writer_killed_after_its_documents_but_before_its_vectors_is_repaired(
    git_repo, hash_embedder, tmp_path, monkeypatch
):
    """The documents are written, the vectors are being built: a kill there rolls the documents back with
    the generation (readers never saw them), and the next run parses the changes again, embeds nothing (the
    cache kept the vectors) and commits vectors for exactly its documents."""
    from indexer import index_session

    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    repo.write("web/late.js", "function lateArrival(queue) {\n  return queue.shift();\n}\n")
    repo.delete("config/load.go")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(index_session, "_update_vectors", killed)
    with pytest.raises(KeyboardInterrupt):
        _index(repo.root, index_dir, hash_embedder)
    monkeypatch.undo()
    assert Manifest.read(index_dir).generation == 1
    hash_embedder.calls.clear()
    report = _index(repo.root, index_dir, hash_embedder)
    assert report.files_parsed == 1 and report.files_removed == 1 and report.generation == 2
    assert hash_embedder.calls == []
    assert _vector_ids(index_dir) == _doc_ids(index_dir)


def test_a_reader_sees_whole_generations_never_a_writer_between_documents_and_manifest(
    git_repo, hash_embedder, tmp_path, monkeypatch
):
    from indexer import index_session

    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    searcher = Searcher(index_dir, hash_embedder)
    seen: list[tuple[int, list[str], list[str]]] = []
    real_update = index_session._update_vectors

    def while_writing(*args, **kwargs):  # the documents are committed; the vectors and manifest are not
        files = searcher.status()["repos"][0]["files"]
        new = [h.name for h in searcher.search("lateArrival", k=3, mode="lexical").hits]
        old = [h.name for h in searcher.search("retry_with_backoff", k=3, mode="lexical").hits]
        seen.append((files, new, old))
        return real_update(*args, **kwargs)

    monkeypatch.setattr(index_session, "_update_vectors", while_writing)
    repo.write("web/late.js", "function lateArrival(queue) {\n  return queue.shift();\n}\n")
    _index(repo.root, index_dir, hash_embedder)
    assert searcher.manifest.generation == 2  # the reader moves to generation 2 once it is committed
    _index(repo.root, index_dir, hash_embedder, rebuild=True)  # every document deleted, then written again
    assert [(files, "lateArrival" in new, "retry_with_backoff" in old) for files, new, old in seen] == [
        (4, False, True),  # generation 1 as a whole while generation 2 was being written
        (5, True, True),  # generation 2 as a whole while the rebuild had emptied and refilled the tables
    ]
    assert searcher.search("lateArrival", k=1, mode="lexical").hits[0].name == "lateArrival"
    assert searcher.manifest.generation == 3 and searcher.status()["repos"][0]["files"] == 5
