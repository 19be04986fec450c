"""The local store's read side: a reader answers from the manifest's generation only."""

from __future__ import annotations

import pytest

from codesearch.search import Searcher
from indexer import index_session
from indexer.pipeline import index_paths
from indexer.store import Manifest


def _index(root, index_dir, embedder):
    return index_paths([root], index_dir=index_dir, embedder=embedder, model="fake")


def test_a_reader_opened_after_a_kill_between_commit_and_manifest_answers_from_the_manifests_generation(
    git_repo, hash_embedder, tmp_path, monkeypatch
):
    """meta.sqlite holds generation 2, the manifest and the vectors generation 1: no hit may come from
    documents generation 1 does not have (new metadata with old vectors), in any mode."""
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    old_names = {h.name for h in Searcher(index_dir, hash_embedder).search("retry config", k=50).hits}
    repo.write("web/late.js", "function lateArrival(queue) {\n  return queue.shift();\n}\n")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies between the SQLite commit and the manifest

    monkeypatch.setattr(index_session, "commit_generation", killed)
    with pytest.raises(KeyboardInterrupt):
        _index(repo.root, index_dir, hash_embedder)
    monkeypatch.undo()
    assert Manifest.read(index_dir).generation == 1

    searcher = Searcher(index_dir, hash_embedder)
    assert searcher.manifest.generation == 1
    for mode in ("lexical", "hybrid", "dense"):
        names = [h.name for h in searcher.search("lateArrival queue shift", k=20, mode=mode).hits]
        assert "lateArrival" not in names, mode
    assert {h.name for h in searcher.search("retry config", k=50).hits} == old_names

    _index(repo.root, index_dir, hash_embedder)  # the next run commits generation 2: the reader moves to it
    assert searcher.manifest.generation == 2
    for mode in ("lexical", "hybrid", "dense"):
        assert searcher.search("lateArrival", k=1, mode=mode).hits[0].name == "lateArrival", mode
