"""Many repositories in one session (``indexer.ahead``): texts of several repositories embedded in one call,
a text shared by two repositories embedded once, a commit every N repositories, and a run killed between
commits resumed exactly. Real git repositories, real FAISS, the fake embedder (it records its calls)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from codesearch.search import Searcher
from indexer import ahead
from indexer.ahead import index_repositories_ahead
from indexer.store import Manifest, connect


def _files(i: int, shared: str = "") -> dict[str, str]:
    files = {
        f"pkg/mod{i}.py": f"def unique_function_{i}(x):\n    '''Return x plus {i}.'''\n    return x + {i}\n"
    }
    if shared:
        files["pkg/shared.py"] = shared
    return files


def _repos(build_git_repo, folder: Path, n: int, shared: str = "") -> list[Path]:
    return [build_git_repo(folder / f"repo{i}", _files(i, shared)).root for i in range(n)]


def _run(roots: list[Path], index_dir: Path, embedder, **kwargs) -> list[ahead.RepositoryResult]:
    return index_repositories_ahead(
        [str(r) for r in roots], Path, index_dir=index_dir, embedder=embedder, **kwargs
    )


def _vector_and_document_ids(index_dir: Path) -> tuple[list[int], list[int]]:
    searcher = Searcher(index_dir)
    try:
        vectors = sorted(int(i) for i in searcher.generation.vectors.live_ids())
    finally:
        searcher.close()
    db = connect(index_dir, readonly=True)
    try:
        return vectors, [r[0] for r in db.execute("SELECT id FROM documents ORDER BY id")]
    finally:
        db.close()


def test_texts_of_repositories_prepared_meanwhile_go_in_one_call(
    build_git_repo, hash_embedder, tmp_path, monkeypatch
):
    """The first call waits until every repository is prepared: the second call holds all their texts."""
    roots = _repos(build_git_repo, tmp_path / "clones", 5)
    prepared = threading.Semaphore(0)
    real_prepare, real_embed = ahead.prepare_root, hash_embedder.embed_documents

    def counting_prepare(*args, **kwargs):
        out = real_prepare(*args, **kwargs)
        prepared.release()
        return out

    def first_call_waits(texts, progress=None):
        if not hash_embedder.calls:
            for _ in roots:
                assert prepared.acquire(timeout=30)
        return real_embed(texts, progress)

    monkeypatch.setattr(ahead, "prepare_root", counting_prepare)
    monkeypatch.setattr(hash_embedder, "embed_documents", first_call_waits)
    results = _run(roots, tmp_path / "idx", hash_embedder)
    per_repo = [r.report.embedded for r in results]
    assert [len(c) for c in hash_embedder.calls] == [per_repo[0], sum(per_repo[1:])]
    assert [r.report.generation for r in results] == [1, 2, 3, 4, 5]  # still a generation per repository


def test_a_text_in_two_repositories_is_embedded_once(build_git_repo, hash_embedder, tmp_path):
    shared = "def same_helper(a, b):\n    return a * b + 1\n"
    roots = _repos(build_git_repo, tmp_path / "clones", 3, shared)
    results = _run(roots, tmp_path / "idx", hash_embedder)
    embedded = [t for call in hash_embedder.calls for t in call]
    assert len(embedded) == len(set(embedded)) == sum(r.report.embedded for r in results)
    assert results[0].report.embedded == results[0].report.documents  # counted for the first that has it
    assert results[1].report.embedded == results[1].report.documents - 1


def test_commit_every_n_repositories_and_an_index_that_matches(build_git_repo, hash_embedder, tmp_path):
    roots = _repos(build_git_repo, tmp_path / "clones", 5)
    results = _run(roots, tmp_path / "idx", hash_embedder, commit_every=2)
    assert [r.report.generation for r in results] == [1, 1, 2, 2, 3]
    vectors, documents = _vector_and_document_ids(tmp_path / "idx")
    assert vectors == documents and len(documents) == sum(r.report.documents for r in results)


def test_a_run_killed_between_commits_resumes_exactly(build_git_repo, hash_embedder, tmp_path, monkeypatch):
    """Killed while writing the 4th repository, with the 3rd written but not committed (a commit every 2):
    the 3rd's rows went with the uncommitted generation (readers never saw them), its vectors stayed in the
    cache; the next run finds 1-2 current, parses 3-5 again, commits them, and embeds nothing twice."""
    roots = _repos(build_git_repo, tmp_path / "clones", 5)
    index_dir = tmp_path / "idx"
    real_write, writes = ahead.write_root, []

    def killed_at_the_fourth(*args, **kwargs):
        writes.append(1)
        if len(writes) == 4:
            raise KeyboardInterrupt
        return real_write(*args, **kwargs)

    monkeypatch.setattr(ahead, "write_root", killed_at_the_fourth)
    with pytest.raises(KeyboardInterrupt):
        _run(roots, index_dir, hash_embedder, commit_every=2)
    monkeypatch.undo()
    assert Manifest.read(index_dir).generation == 1  # repositories 1-2
    embedded_first = sum(len(c) for c in hash_embedder.calls)
    hash_embedder.calls.clear()
    results = _run(roots, index_dir, hash_embedder, commit_every=2)
    assert [r.report.files_parsed for r in results] == [0, 0, 1, 1, 1]
    assert embedded_first + sum(len(c) for c in hash_embedder.calls) == sum(
        r.report.documents for r in results
    )
    vectors, documents = _vector_and_document_ids(index_dir)
    assert vectors == documents and len(documents) == sum(r.report.documents for r in results)


def test_one_root_named_twice_and_two_roots_with_one_name(build_git_repo, hash_embedder, tmp_path):
    """Names and statuses as one repository after the other would give them."""
    first = build_git_repo(tmp_path / "a" / "tool", _files(1)).root
    second = build_git_repo(tmp_path / "b" / "tool", _files(2)).root
    results = index_repositories_ahead(
        [str(first), str(second), f"{first}/"], Path, index_dir=tmp_path / "idx", embedder=hash_embedder
    )
    assert [r.name for r in results] == ["tool", "b/tool", "tool"]
    assert [r.report.files_parsed for r in results] == [1, 1, 0]
    assert [r.report.generation for r in results] == [1, 2, 2]


def test_a_repository_that_cannot_be_read_is_reported_in_its_place(build_git_repo, hash_embedder, tmp_path):
    good = _repos(build_git_repo, tmp_path / "clones", 2)
    missing = tmp_path / "nowhere"

    def resolve(spec: str) -> Path:
        if not Path(spec).exists():
            from codesearch.errors import NotFoundError

            raise NotFoundError(f"no such file or folder: {spec}")
        return Path(spec)

    specs = [str(good[0]), str(missing), str(good[1])]
    results = index_repositories_ahead(specs, resolve, index_dir=tmp_path / "idx", embedder=hash_embedder)
    assert [r.report is not None for r in results] == [True, False, True]
    assert "no such file" in str(results[1].error)
