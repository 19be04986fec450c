"""The indexing pipeline on real git repositories: incrementality, the embedding cache, generations, locks.

``HashEmbedder`` records every text it was asked to embed, so each test asserts on exactly what the
model saw (the shape of simonw/llm's ``test_duplicate_content_embedded_only_once``).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from codesearch.errors import IndexLockedError, ModelMismatchError
from codesearch.search import Searcher
from indexer import index_session
from indexer.pipeline import index_paths
from indexer.store import Manifest, writer_lock


def _index(repo_root: Path, index_dir: Path, embedder, **kw):
    return index_paths([repo_root], index_dir=index_dir, embedder=embedder, model="fake", **kw)


def _docs(index_dir: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(index_dir / "meta.sqlite")
    try:
        return db.execute(
            "SELECT f.path, d.qualified_name FROM documents d JOIN files f ON f.id=d.file_id ORDER BY 1, 2"
        ).fetchall()
    finally:
        db.close()


def test_first_run_indexes_every_file_and_embeds_each_document_once(git_repo, hash_embedder, tmp_path):
    repo = git_repo()
    report = _index(repo.root, tmp_path / "idx", hash_embedder)
    assert report.files == 4 and report.files_parsed == 4
    assert report.symbols_by_language == {"python": 6, "go": 1, "javascript": 2}
    assert report.embedded == report.documents == len(hash_embedder.embedded_texts)
    assert len(set(hash_embedder.embedded_texts)) == len(hash_embedder.embedded_texts)
    names = {q for _, q in _docs(tmp_path / "idx")}
    assert {"retry_with_backoff", "RateLimiter.wait", "LoadConfig", "computeCartTotal", "slugify"} <= names


def test_second_run_over_unchanged_repo_parses_and_embeds_nothing(git_repo, hash_embedder, tmp_path):
    repo = git_repo()
    first = _index(repo.root, tmp_path / "idx", hash_embedder)
    hash_embedder.calls.clear()
    second = _index(repo.root, tmp_path / "idx", hash_embedder)
    assert second.files_parsed == 0
    assert second.embedded == 0 and hash_embedder.calls == []
    assert second.generation == first.generation == 1
    assert second.documents == first.documents


def test_editing_one_file_reparses_only_it_and_embeds_only_the_changed_symbol(
    git_repo, hash_embedder, tmp_path
):
    repo = git_repo()
    _index(repo.root, tmp_path / "idx", hash_embedder)
    hash_embedder.calls.clear()
    text = (repo.root / "util/text.py").read_text()
    repo.write("util/text.py", text.replace("return len(text.split())", "return len(text.split()) + 0"))
    repo.commit("edit count_words")
    report = _index(repo.root, tmp_path / "idx", hash_embedder)
    assert report.files_parsed == 1
    embedded = hash_embedder.embedded_texts
    assert len(embedded) == 1 and "def count_words" in embedded[0] and "+ 0" in embedded[0]
    assert report.generation == 2


def test_uncommitted_edit_is_seen_too(git_repo, hash_embedder, tmp_path):
    repo = git_repo()
    _index(repo.root, tmp_path / "idx", hash_embedder)
    hash_embedder.calls.clear()
    repo.write("web/cart.js", (repo.root / "web/cart.js").read_text().replace("toFixed(2)", "toFixed(3)"))
    report = _index(repo.root, tmp_path / "idx", hash_embedder)
    assert report.files_parsed == 1
    assert [t for t in hash_embedder.embedded_texts if "toFixed(3)" in t] == hash_embedder.embedded_texts
    assert len(hash_embedder.embedded_texts) == 1


def test_deleting_a_file_removes_its_documents_and_hits(git_repo, hash_embedder, tmp_path):
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    searcher = Searcher(index_dir, hash_embedder)
    assert searcher.search("LoadConfig", k=3).hits[0].path == "config/load.go"
    repo.delete("config/load.go")
    repo.commit("drop go")
    report = _index(repo.root, index_dir, hash_embedder)
    assert report.files_removed == 1 and report.files == 3
    assert all(path != "config/load.go" for path, _ in _docs(index_dir))
    # the same Searcher picks up the new generation: no hit of the deleted file in any mode
    for mode in ("hybrid", "dense", "lexical"):
        hits = searcher.search("LoadConfig configuration environment", k=20, mode=mode).hits
        assert all(h.path != "config/load.go" for h in hits), mode
    assert searcher.manifest.generation == 2


def test_renaming_a_file_embeds_nothing(git_repo, hash_embedder, tmp_path):
    """The embedded text holds no path, so a rename re-parses the file but finds every text cached."""
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    hash_embedder.calls.clear()
    repo.git("mv", "util/text.py", "util/strings.py")
    repo.commit("rename")
    report = _index(repo.root, index_dir, hash_embedder)
    assert report.files_parsed == 1 and report.files_removed == 1
    assert report.embedded == 0 and hash_embedder.embedded_texts == []
    assert {q for p, q in _docs(index_dir) if p == "util/strings.py"} == {"slugify", "count_words"}
    assert not [p for p, _ in _docs(index_dir) if p == "util/text.py"]


def test_duplicate_content_embedded_only_once(git_repo, hash_embedder, tmp_path):
    """Two repositories holding the same file at the same path: one embedding per text."""
    files = {"lib/dup.py": "def same_thing(x):\n    return x * 2\n"}
    a = git_repo("a", files)
    b = git_repo("b", files)
    report = index_paths([a.root, b.root], index_dir=tmp_path / "idx", embedder=hash_embedder, model="fake")
    assert report.documents == 2
    assert report.embedded == 1 and len(hash_embedder.embedded_texts) == 1


def test_same_code_at_two_paths_is_embedded_once(git_repo, hash_embedder, tmp_path):
    """A copy of a function under another file name is the same text: one embedding, two documents."""
    code = "def same_thing(x):\n    return x * 2\n"
    repo = git_repo("r", {"a.py": code, "b.py": code})
    report = _index(repo.root, tmp_path / "idx", hash_embedder)
    assert report.documents == 2 and report.embedded == 1


def test_branch_switch_back_embeds_nothing(git_repo, hash_embedder, tmp_path):
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    repo.git("checkout", "-q", "-b", "feature")
    repo.write(
        "util/text.py", (repo.root / "util/text.py").read_text() + "\n\ndef shout(s):\n    return s.upper()\n"
    )
    repo.commit("feature")
    _index(repo.root, index_dir, hash_embedder)
    hash_embedder.calls.clear()
    repo.git("checkout", "-q", "main")
    report = _index(repo.root, index_dir, hash_embedder)
    assert report.files_parsed == 1 and report.embedded == 0 and hash_embedder.calls == []
    assert "shout" not in {q for _, q in _docs(index_dir)}


# -- generations and the manifest ---------------------------------------------------------------------------


def test_generation_increments_on_change_and_old_vectors_are_removed(git_repo, hash_embedder, tmp_path):
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    m1 = Manifest.read(index_dir)
    assert m1 is not None and m1.generation == 1 and m1.vectors_file == "vectors.1.faiss"
    assert (index_dir / m1.vectors_file).exists()
    assert m1.fingerprint == hash_embedder.fingerprint and m1.dim == 256 and m1.documents > 0

    _index(repo.root, index_dir, hash_embedder)
    assert Manifest.read(index_dir) == m1  # a no-op run leaves the manifest alone

    repo.write("web/new.js", "function brandNew() {\n  return 42;\n}\n")
    _index(repo.root, index_dir, hash_embedder)
    m2 = Manifest.read(index_dir)
    assert m2 is not None and m2.generation == 2 and m2.documents == m1.documents + 1
    assert sorted(p.name for p in index_dir.glob("vectors.*")) == [m2.vectors_file]
    assert not list(index_dir.glob("*.tmp"))


def test_rebuild_reparses_everything_from_the_cache(git_repo, hash_embedder, tmp_path):
    repo = git_repo()
    index_dir = tmp_path / "idx"
    first = _index(repo.root, index_dir, hash_embedder)
    query = "compute the total price of the items in a shopping cart"
    before = [
        (h.path, h.qualified_name)
        for h in Searcher(index_dir, hash_embedder).search(query, mode="dense").hits
    ]
    hash_embedder.calls.clear()
    report = _index(repo.root, index_dir, hash_embedder, rebuild=True)
    assert report.files_parsed == 4 and report.documents == first.documents
    assert report.embedded == 0  # the cache outlives a rebuild
    m = Manifest.read(index_dir)
    assert m is not None and (index_dir / m.vectors_file).exists()
    searcher = Searcher(index_dir, hash_embedder)
    assert searcher.generation.vectors.ntotal == report.documents
    # new document ids, same vectors: dense results are the same documents in the same order
    assert [(h.path, h.qualified_name) for h in searcher.search(query, mode="dense").hits] == before


def test_rebuild_never_moves_the_generation_backwards(git_repo, hash_embedder, tmp_path):
    """Readers (a server, the TUI) treat a generation number as new data: it must only grow."""
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    repo.write("web/new.js", "function brandNew() {\n  return 42;\n}\n")
    second = _index(repo.root, index_dir, hash_embedder)
    assert second.generation == 2
    rebuilt = _index(repo.root, index_dir, hash_embedder, rebuild=True)
    assert rebuilt.generation > second.generation


def test_other_model_is_refused_with_how_to_rebuild(git_repo, hash_embedder, tmp_path):
    from codesearch.embedding.fake import HashEmbedder

    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    with pytest.raises(ModelMismatchError) as err:
        index_paths([repo.root], index_dir=index_dir, embedder=HashEmbedder(16), model="fake16")
    assert "--rebuild" in str(err.value) and "fake16" in str(err.value)
    # and --rebuild with that model does it
    report = index_paths(
        [repo.root], index_dir=index_dir, embedder=HashEmbedder(16), model="fake16", rebuild=True
    )
    m = Manifest.read(index_dir)
    assert m is not None and m.dim == 16 and m.model == "fake16" and report.documents == m.documents


def test_killed_writer_is_repaired_on_the_next_run(git_repo, hash_embedder, tmp_path, monkeypatch):
    """SQLite committed, then the writer died before the manifest: the next run rebuilds the vectors."""
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    repo.write("web/late.js", "function lateArrival(queue) {\n  return queue.shift();\n}\n")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies between the SQLite commit and the manifest

    monkeypatch.setattr(Manifest, "write", killed)  # its rows and vectors are written, its manifest not
    with pytest.raises(KeyboardInterrupt):
        _index(repo.root, index_dir, hash_embedder)
    monkeypatch.undo()
    assert Manifest.read(index_dir).generation == 1  # readers still see the old generation

    hash_embedder.calls.clear()
    report = _index(repo.root, index_dir, hash_embedder)
    assert report.files_parsed == 0 and hash_embedder.calls == []  # vectors come from the cache
    m = Manifest.read(index_dir)
    assert m.generation == 2 and m.documents == report.documents
    searcher = Searcher(index_dir, hash_embedder)
    assert searcher.generation.vectors.ntotal == report.documents
    for name in ("lateArrival", "retry_with_backoff", "LoadConfig"):
        assert searcher.search(name, k=1, mode="dense").hits[0].name == name


def test_meta_generation_ahead_of_manifest_triggers_a_vector_rebuild(git_repo, hash_embedder, tmp_path):
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    (index_dir / "vectors.1.faiss").unlink()  # whatever the old vectors were, they are not trusted
    db = sqlite3.connect(index_dir / "meta.sqlite")
    with db:
        db.execute("UPDATE meta SET value='5' WHERE key='generation'")
    db.close()
    report = _index(repo.root, index_dir, hash_embedder)
    m = Manifest.read(index_dir)
    assert report.generation == m.generation == 2 and (index_dir / m.vectors_file).exists()
    assert Searcher(index_dir, hash_embedder).generation.vectors.ntotal == m.documents


def test_vanished_file_during_parse_is_skipped_not_fatal(git_repo, hash_embedder, tmp_path):
    repo = git_repo()

    def progress(stage, advance, total):
        if stage == "parse" and advance == 0 and (repo.root / "web/cart.js").exists():
            (repo.root / "web/cart.js").unlink()  # gone between the listing and the read

    report = _index(repo.root, tmp_path / "idx", hash_embedder, progress=progress)
    assert report.skipped.get("unreadable") == 1
    assert any("web/cart.js" in e for e in report.errors)
    assert report.files == 3


# -- the writer lock ------------------------------------------------------------------------------------------


def test_second_writer_is_refused_while_the_lock_is_held(git_repo, hash_embedder, tmp_path):
    repo = git_repo()
    index_dir = tmp_path / "idx"
    held, release = threading.Event(), threading.Event()

    def holder():
        with writer_lock(index_dir):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(10)
        with pytest.raises(IndexLockedError) as err:
            _index(repo.root, index_dir, hash_embedder)
        assert "being written" in str(err.value)
    finally:
        release.set()
        thread.join()
    assert _index(repo.root, index_dir, hash_embedder).generation == 1  # free again


def test_lexical_only_index_has_no_vectors(git_repo, tmp_path):
    repo = git_repo()
    report = index_paths([repo.root], index_dir=tmp_path / "idx", embedder=None)
    m = Manifest.read(tmp_path / "idx")
    assert report.embedded == 0 and m.vectors_file is None and m.fingerprint == "none"
    assert json.loads((tmp_path / "idx" / "manifest.json").read_text())["documents"] == report.documents


def test_progress_steps_add_up_to_the_work_done(git_repo, hash_embedder, tmp_path):
    """Each stage's advances sum to its total: a progress bar ends full, never past it."""
    repo = git_repo("many", {f"pkg/m{i}.py": f"def f{i}():\n    return {i}\n" for i in range(150)})
    advanced: dict[str, int] = {}

    def progress(stage, advance, total):
        advanced[stage] = advanced.get(stage, 0) + advance

    report = _index(repo.root, tmp_path / "idx", hash_embedder, progress=progress)
    assert advanced["crawl"] == report.files
    assert advanced["parse"] == report.files_parsed
    assert advanced["embed"] == report.embedded


MODULES = {f"pkg/m{i:02d}.py": f"def scale_{i}(x):\n    return x * {i + 2}\n" for i in range(16)}


def _approximate(monkeypatch) -> list[int]:
    """HNSW past 3 documents; returns the list ``rebuild_vectors_of`` appends to on each (real) call."""
    from indexer import vectors as vectors_module

    monkeypatch.setattr(vectors_module, "ANN_THRESHOLD", 3)
    monkeypatch.setattr(index_session, "ANN_THRESHOLD", 3)
    calls: list[int] = []
    real = index_session.rebuild_vectors_of

    def spy(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(index_session, "rebuild_vectors_of", spy)
    return calls


def _committed(index_dir: Path):
    from indexer.vectors import VectorIndex

    manifest = Manifest.read(index_dir)
    assert manifest is not None
    db = sqlite3.connect(index_dir / "meta.sqlite")
    try:
        doc_ids = {row[0] for row in db.execute("SELECT id FROM documents")}
    finally:
        db.close()
    return VectorIndex.load(index_dir / manifest.vectors_file, manifest.dim), doc_ids


def test_an_approximate_index_survives_deletions_and_edits(git_repo, hash_embedder, tmp_path, monkeypatch):
    """Past ANN_THRESHOLD the vectors are HNSW, which FAISS cannot remove ids from: a reindex that drops or
    changes a few documents marks their vectors dead (tombstones) instead of rebuilding, and no search
    returns a removed document."""
    rebuilds = _approximate(monkeypatch)
    repo = git_repo(files=MODULES)
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    first, first_ids = _committed(index_dir)
    assert first.approximate and first.dead == 0 and rebuilds == [1]
    repo.delete("pkg/m03.py")
    repo.write("pkg/m00.py", "def retry_forever(call):\n    while True:\n        call()\n")
    repo.commit("drop one module, rewrite another")
    report = _index(repo.root, index_dir, hash_embedder)
    assert report.files_removed == 1
    assert rebuilds == [1]  # updated in place: no rebuild from the cache
    index, doc_ids = _committed(index_dir)
    removed = first_ids - doc_ids
    assert removed and index.dead == len(removed) and index.live == len(doc_ids) == report.documents
    assert index.approximate and not index.needs_rebuild
    for doc_id in removed | doc_ids:  # every vector ever stored as a query, all the index as k
        vector = first._index.reconstruct(doc_id) if doc_id in removed else index._index.reconstruct(doc_id)
        hits = index.search(vector, index.ntotal)
        assert {i for i, _ in hits} == doc_ids
    searcher = Searcher(index_dir, hash_embedder)
    hits = searcher.search("retry forever", k=1, mode="dense").hits
    assert hits[0].name == "retry_forever"
    assert not {h.name for h in searcher.search("scale", k=50, mode="dense").hits} & {"scale_0", "scale_3"}


def test_many_removals_from_an_approximate_index_rebuild_it(git_repo, hash_embedder, tmp_path, monkeypatch):
    """More than MAX_DEAD_FRACTION of the vectors dead: the pipeline rebuilds them from the cache."""
    rebuilds = _approximate(monkeypatch)
    repo = git_repo(files=MODULES)
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    repo.delete("pkg/m01.py")  # a few first: tombstones
    repo.commit("drop one")
    _index(repo.root, index_dir, hash_embedder)
    index, _ = _committed(index_dir)
    assert index.dead > 0 and rebuilds == [1]
    for i in range(2, 8):  # then 6 of the 15 left: past a quarter of the stored vectors
        repo.delete(f"pkg/m{i:02d}.py")
    repo.commit("drop many")
    report = _index(repo.root, index_dir, hash_embedder)
    assert rebuilds == [1, 1]
    index, doc_ids = _committed(index_dir)
    assert (
        index.approximate
        and index.dead == 0
        and index.live == index.ntotal == len(doc_ids) == report.documents
    )
    assert set(index._ids()) == doc_ids


def test_a_cpp_header_named_dot_h_is_indexed_as_cpp(git_repo, hash_embedder, tmp_path):
    header = "namespace geo {\nclass Point {\n public:\n  double DistanceTo(const Point& o) const;\n};\n}\n"
    repo = git_repo(files={"geo.h": header, "ring.h": "int ring_push(char *buf, char c);\n"})
    report = _index(repo.root, tmp_path / "idx", hash_embedder)
    db = sqlite3.connect(tmp_path / "idx" / "meta.sqlite")
    try:
        languages = dict(db.execute("SELECT path, language FROM files").fetchall())
    finally:
        db.close()
    assert languages == {"geo.h": "cpp", "ring.h": "c"}
    assert "geo.Point.DistanceTo" in {q for _, q in _docs(tmp_path / "idx")}
    assert report.symbols_by_language.get("cpp", 0) >= 2
