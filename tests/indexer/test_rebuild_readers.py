"""Readers during a writer's run: a reader opened while ``index --rebuild`` (or any reindex) runs answers from
the last committed generation, whole, and warns of an unfinished index only when its writer is gone.

The writer's steps are driven in this process (the pipeline's own functions, hooked), the readers are fresh
``Searcher``s as a new ``codesearch search`` process opens them, over real SQLite, FTS5 and FAISS."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from codesearch.search import Searcher
from indexer import index_session, local_read, pipeline
from indexer.ahead import index_repositories_ahead
from indexer.pipeline import index_paths
from indexer.store import Manifest

NOT_FINISHED = "was not finished"


def _index(root: Path, index_dir: Path, embedder, **kw):
    return index_paths([root], index_dir=index_dir, embedder=embedder, model="fake", **kw)


def _fresh_reader_sees_generation_1(index_dir: Path, embedder, caplog) -> list[str]:
    """What a reader opened now finds: it must be generation 1 as a whole, without a warning."""
    caplog.clear()
    searcher = Searcher(index_dir, embedder)
    try:
        assert searcher.manifest.generation == 1
        assert not searcher.generation.ahead
        names = []
        for mode in ("lexical", "dense", "hybrid"):
            hits = searcher.search("retry_with_backoff", k=3, mode=mode).hits
            assert hits and hits[0].name == "retry_with_backoff", mode
            names += [h.name for h in searcher.search("lateArrival", k=3, mode=mode).hits]
        assert searcher.status()["repos"][0]["files"] == 4
    finally:
        searcher.close()
    assert NOT_FINISHED not in caplog.text
    return names


@pytest.mark.parametrize("hook", ["prepare_root", "embed_missing", "_update_vectors"])
def test_a_reader_opened_during_a_rebuild_sees_the_previous_generation(
    git_repo, hash_embedder, tmp_path, monkeypatch, caplog, hook
):
    """The tester's report: a search started during ``index --rebuild`` found nothing (the rebuild had
    forgotten the repository's rows and committed that long before its manifest) and warned that the index
    was not finished. Readers opened while it crawls, embeds or builds its vectors see generation 1."""
    caplog.set_level(logging.WARNING)
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    repo.write("web/late.js", "function lateArrival(queue) {\n  return queue.shift();\n}\n")
    module = index_session if hook == "_update_vectors" else pipeline
    real, seen = getattr(module, hook), []

    def while_rebuilding(*args, **kwargs):
        seen.append(_fresh_reader_sees_generation_1(index_dir, hash_embedder, caplog))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, hook, while_rebuilding)
    report = _index(repo.root, index_dir, hash_embedder, rebuild=True)
    monkeypatch.undo()
    assert seen and all("lateArrival" not in names for names in seen)  # nothing of generation 2 yet
    assert report.generation == 2
    searcher = Searcher(index_dir, hash_embedder)
    assert searcher.search("lateArrival", k=1, mode="dense").hits[0].name == "lateArrival"
    assert searcher.status()["repos"][0]["files"] == 5
    searcher.close()


def test_a_reader_opened_during_a_rebuild_of_many_repositories_sees_the_previous_generation(
    git_repo, hash_embedder, tmp_path, monkeypatch, caplog
):
    """The same through ``indexer.ahead`` (``codesearch index --rebuild`` of several repositories): the
    rebuild forgets each repository just before writing it, and commits it with its generation."""
    caplog.set_level(logging.WARNING)
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    repo.write("web/late.js", "function lateArrival(queue) {\n  return queue.shift();\n}\n")
    real, seen = index_session._update_vectors, []

    def while_rebuilding(*args, **kwargs):
        seen.append(_fresh_reader_sees_generation_1(index_dir, hash_embedder, caplog))
        return real(*args, **kwargs)

    monkeypatch.setattr(index_session, "_update_vectors", while_rebuilding)
    results = index_repositories_ahead(
        [str(repo.root)], Path, index_dir=index_dir, embedder=hash_embedder, model="fake", rebuild=True
    )
    assert seen and results[0].report is not None and results[0].report.generation == 2


def test_a_reader_between_a_writers_database_commit_and_its_manifest_waits_for_the_manifest(
    git_repo, hash_embedder, tmp_path, monkeypatch, caplog
):
    """The writer has committed generation 2's rows and is writing its manifest: a reader opened then (the
    lock still held by a live process) reads the manifest again instead of answering from rows ahead of
    it, and warns of nothing."""
    caplog.set_level(logging.WARNING)
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    repo.write("web/late.js", "function lateArrival(queue) {\n  return queue.shift();\n}\n")
    real_write, opened, waits = Manifest.write, [], []

    def reader_first(manifest: Manifest, where: Path) -> None:
        if manifest.generation == 2 and not opened:
            real_sleep = local_read.time.sleep

            def manifest_lands(seconds: float) -> None:  # the writer goes on while the reader waits
                waits.append(seconds)
                if len(waits) == 5 and Manifest.read(index_dir).generation < 2:  # past the re-reads of a
                    real_write(manifest, where)  # manifest replaced between two reads: a writer's own wait
                real_sleep(0)

            monkeypatch.setattr(local_read.time, "sleep", manifest_lands)
            searcher = Searcher(index_dir, hash_embedder)
            opened.append((searcher.manifest.generation, searcher.generation.ahead))
            assert searcher.search("lateArrival", k=1, mode="dense").hits[0].name == "lateArrival"
            searcher.close()
        real_write(manifest, where)

    monkeypatch.setattr(Manifest, "write", reader_first)
    _index(repo.root, index_dir, hash_embedder)
    assert opened == [(2, False)] and len(waits) == 5
    assert NOT_FINISHED not in caplog.text


def test_the_not_finished_warning_is_for_a_writer_that_was_killed(
    git_repo, hash_embedder, tmp_path, monkeypatch, caplog
):
    """Killed between its database commit and its manifest, the writer left rows ahead of the manifest and
    no live holder of the lock: a reader answers from those rows and says the index was not finished."""
    caplog.set_level(logging.WARNING)
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    repo.write("web/late.js", "function lateArrival(queue) {\n  return queue.shift();\n}\n")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Manifest, "write", killed)
    with pytest.raises(KeyboardInterrupt):
        _index(repo.root, index_dir, hash_embedder)
    monkeypatch.undo()
    (index_dir / "index.lock").write_text("pid 999999999")  # what a SIGKILLed writer leaves in the lock file
    searcher = Searcher(index_dir, hash_embedder)
    assert searcher.manifest.generation == 1 and searcher.generation.ahead
    assert searcher.search("lateArrival", k=1, mode="lexical").hits[0].name == "lateArrival"
    searcher.close()
    assert NOT_FINISHED in caplog.text


def test_a_reader_opened_while_a_repository_is_forgotten_sees_it_until_the_commit(
    git_repo, hash_embedder, tmp_path, monkeypatch, caplog
):
    """``codesearch forget`` deletes the rows in the transaction that commits the generation without them."""
    from indexer import forget
    from indexer.forget import forget_repository

    caplog.set_level(logging.WARNING)
    repo = git_repo()
    index_dir = tmp_path / "idx"
    _index(repo.root, index_dir, hash_embedder)
    real, seen = forget._vectors_without, []

    def while_forgetting(*args, **kwargs):
        seen.append(_fresh_reader_sees_generation_1(index_dir, hash_embedder, caplog))
        return real(*args, **kwargs)

    monkeypatch.setattr(forget, "_vectors_without", while_forgetting)
    assert forget_repository(index_dir, repo.root.name).generation == 2
    searcher = Searcher(index_dir, hash_embedder)
    assert seen and searcher.search("retry_with_backoff", k=3, mode="lexical").hits == []
    searcher.close()
