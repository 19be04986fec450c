"""The local store's read side: a reader of an unfinished index (its data ahead of its manifest) loses no code."""

from __future__ import annotations

import pytest

from codesearch.search import Searcher
from indexer.pipeline import index_paths
from indexer.store import Manifest


def _index(root, index_dir, embedder):
    return index_paths([root], index_dir=index_dir, embedder=embedder, model="fake")


def test_a_reader_opened_after_a_kill_between_commit_and_manifest_loses_no_code(
    git_repo, hash_embedder, tmp_path, monkeypatch
):
    """meta.sqlite holds generation 2, the manifest and the vectors generation 1. Code the killed run rewrote
    (its rows replaced, with new ids) or added has no vector yet: it is found by its words, never by a vector
    of other text (ids are never reused), and no hit comes from a row the run deleted. Before, the reader kept
    only generation 1's ids, and every function of a rewritten file vanished until the next run."""
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    retry = (repo.root / "src/net/retry.py").read_text()
    repo.write("src/net/retry.py", retry.replace("Retry a failed", "Retry a failing"))  # rewritten
    repo.write("web/late.js", "function lateArrival(queue) {\n  return queue.shift();\n}\n")  # added

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies between the SQLite commit and the manifest

    monkeypatch.setattr(Manifest, "write", killed)  # the database committed generation 2, the manifest not
    with pytest.raises(KeyboardInterrupt):
        _index(repo.root, index_dir, hash_embedder)
    monkeypatch.undo()
    assert Manifest.read(index_dir).generation == 1

    searcher = Searcher(index_dir, hash_embedder)
    assert searcher.manifest.generation == 1
    for mode in ("lexical", "hybrid"):
        assert searcher.search("retry_with_backoff", k=1, mode=mode).hits[0].name == "retry_with_backoff", (
            mode
        )
        assert searcher.search("lateArrival", k=1, mode=mode).hits[0].name == "lateArrival", mode
    dense = searcher.search("lateArrival queue shift retry request", k=50, mode="dense").hits
    assert "lateArrival" not in {h.name for h in dense}  # no vector of its own yet
    assert all(
        h.path != "src/net/retry.py" for h in dense
    )  # its old rows are gone, its new ones have no vector

    _index(repo.root, index_dir, hash_embedder)  # the next run commits generation 2: the reader moves to it
    assert searcher.manifest.generation == 2
    for mode in ("lexical", "hybrid", "dense"):
        assert searcher.search("lateArrival", k=1, mode=mode).hits[0].name == "lateArrival", mode


def test_a_reader_maps_its_generations_vectors_and_keeps_them_past_the_next_commit(
    git_repo, hash_embedder, tmp_path
):
    """A reader maps the vectors file (``VectorIndex.load(mapped=True)``); the next run writes a new file and
    unlinks this one, and the generation the reader still holds searches as before."""
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    searcher = Searcher(index_dir, hash_embedder)
    held = searcher.generation
    assert held.vectors.read_only
    vector = hash_embedder.embed_queries(["retry a failed request"])[0]
    before = held.dense(vector, 10, None, None)
    old_file = index_dir / held.manifest.vectors_file
    repo.write("web/late.js", "function lateArrival(queue) {\n  return queue.shift();\n}\n")
    _index(repo.root, index_dir, hash_embedder)
    assert not old_file.exists()
    assert held.dense(vector, 10, None, None) == before
    assert searcher.manifest.generation == 2 and searcher.generation.vectors.read_only
    searcher.close()
