"""The incremental index equals a clean rebuild after any sequence of changes to a real git repository.

Hypothesis draws sequences of edits, adds, deletes, renames (``git mv`` and plain moves), commits, branch
switches, stashes, reverts and rebases, with incremental reindexes in between. After the last reindex the
index must hold exactly the documents a clean rebuild holds, with the same vector for each, and the fake
model must never have been asked to embed a text twice (a rename, a switch back, a stash pop or a revert
re-embeds nothing seen before).
"""

from __future__ import annotations

import sqlite3
import subprocess
import tempfile
from pathlib import Path

import faiss
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codesearch.embedding.fake import HashEmbedder
from indexer.pipeline import index_paths
from indexer.store import Manifest

PATHS = ("a.py", "pkg/b.py", "pkg/c.py", "web/d.js", "web/e.js")
BRANCHES = ("main", "feature", "topic")
PY_FUNCTIONS = (
    "def alpha(x):\n    return x + 1\n",
    "def beta(items):\n    return sorted(items)\n",
    "def gamma(s):\n    return s.strip().lower()\n",
    "class Delta:\n    def run(self):\n        return 'delta'\n",
    "def epsilon(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n",
)
JS_FUNCTIONS = (
    "function alpha(x) {\n  return x + 1;\n}\n",
    "function zeta(list) {\n  return list.map((v) => v * 2);\n}\n",
    "class Eta {\n  run() {\n    return 'eta';\n  }\n}\n",
)


def _content(path: str, picks: list[int], header: int) -> str:
    pool = JS_FUNCTIONS if path.endswith(".js") else PY_FUNCTIONS
    comment = "//" if path.endswith(".js") else "#"
    head = "".join(f"{comment} line {i}\n" for i in range(header))  # shifts every symbol's lines
    return head + "\n\n".join(pool[i % len(pool)] for i in picks)


OPS = st.one_of(
    st.tuples(
        st.just("write"), st.sampled_from(PATHS), st.lists(st.integers(0, 4), max_size=3), st.integers(0, 3)
    ),
    st.tuples(st.just("delete"), st.sampled_from(PATHS)),
    st.tuples(st.just("rename"), st.sampled_from(PATHS), st.sampled_from(PATHS), st.booleans()),
    st.tuples(st.just("commit")),
    st.tuples(st.just("switch"), st.sampled_from(BRANCHES)),
    st.tuples(st.just("stash")),
    st.tuples(st.just("revert")),
    st.tuples(st.just("rebase"), st.sampled_from(BRANCHES)),
    st.tuples(st.just("index")),
)


def _git(root: Path, *args: str, check: bool = True) -> bool:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if check and done.returncode:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.returncode == 0


def _commit_all(root: Path, message: str) -> None:
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "--allow-empty", "-m", message)


def _apply(root: Path, op: tuple) -> None:
    kind = op[0]
    if kind == "write":
        _, path, picks, header = op
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(_content(path, picks, header))
    elif kind == "delete" and (root / op[1]).exists():
        (root / op[1]).unlink()
    elif kind == "rename" and (root / op[1]).exists() and op[1] != op[2]:
        _, src, dst, with_git = op
        (root / dst).parent.mkdir(parents=True, exist_ok=True)
        tracked = _git(root, "ls-files", "--error-unmatch", src, check=False)
        if with_git and tracked:
            _git(root, "mv", "-f", src, dst)
        else:
            (root / src).rename(root / dst)
    elif kind == "commit":
        _commit_all(root, "commit")
    elif kind == "switch":
        _commit_all(root, "before switch")
        if not _git(root, "checkout", "-q", op[1], check=False):
            _git(root, "checkout", "-q", "-b", op[1])
    elif kind == "stash":
        # push then pop: the tree goes back to a state seen before, and forth again
        if _git(root, "stash", "push", "-q", "-u", check=False):
            _git(root, "stash", "pop", "-q", check=False)
    elif kind == "revert":
        _commit_all(root, "before revert")
        if not _git(root, "revert", "--no-edit", "HEAD", check=False):
            _git(root, "revert", "--abort", check=False)
    elif kind == "rebase":
        _commit_all(root, "before rebase")
        if not _git(root, "rebase", "-q", op[1], check=False):
            _git(root, "rebase", "--abort", check=False)


def _documents(index_dir: Path) -> tuple[list[tuple], dict[tuple, np.ndarray]]:
    """Sorted document rows (no ids) and each row's vector, read from the committed generation."""
    manifest = Manifest.read(index_dir)
    assert manifest is not None and manifest.vectors_file
    vectors = faiss.read_index(str(index_dir / manifest.vectors_file))
    db = sqlite3.connect(index_dir / "meta.sqlite")
    try:
        rows = db.execute(
            "SELECT d.id, f.path, d.kind, d.qualified_name, d.start_line, d.end_line, d.content_hash, d.code "
            "FROM documents d JOIN files f ON f.id=d.file_id"
        ).fetchall()
        fts = db.execute("SELECT COUNT(*) FROM documents_fts").fetchone()[0]
        files = db.execute("SELECT path, content_hash FROM files ORDER BY path").fetchall()
    finally:
        db.close()
    # an HNSW index keeps removed documents as tombstones (id -1): count live vectors only
    live = int(np.count_nonzero(faiss.vector_to_array(vectors.id_map) >= 0))
    assert fts == len(rows) == manifest.documents == live
    by_doc = {tuple(r[1:]): vectors.reconstruct(r[0]) for r in rows}
    return sorted([tuple(r[1:]) for r in rows] + [("file", *f) for f in files]), by_doc


def _check_sequence(build_git_repo, ops: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        repo = build_git_repo(base / "repo", {"a.py": PY_FUNCTIONS[0], "web/d.js": JS_FUNCTIONS[0]})
        embedder = HashEmbedder(16)
        incremental = base / "incremental"
        index_paths([repo.root], index_dir=incremental, embedder=embedder, model="fake")
        for op in ops:
            _apply(repo.root, op)
            if op[0] == "index":
                index_paths([repo.root], index_dir=incremental, embedder=embedder, model="fake")
        index_paths([repo.root], index_dir=incremental, embedder=embedder, model="fake")
        texts = embedder.embedded_texts
        assert len(texts) == len(set(texts)), "a text was embedded twice"

        clean = base / "clean"
        index_paths([repo.root], index_dir=clean, embedder=HashEmbedder(16), model="fake")
        got, got_vectors = _documents(incremental)
        want, want_vectors = _documents(clean)
        assert got == want
        for key, vector in want_vectors.items():
            assert np.array_equal(got_vectors[key], vector), key
        # and a no-op run after all that parses and embeds nothing
        embedder.calls.clear()
        again = index_paths([repo.root], index_dir=incremental, embedder=embedder, model="fake")
        assert again.files_parsed == 0 and embedder.calls == []


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=1, max_size=12))
def test_incremental_index_equals_clean_rebuild(build_git_repo, ops):
    _check_sequence(build_git_repo, ops)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=1, max_size=30))
def test_incremental_index_equals_clean_rebuild_many(build_git_repo, ops):
    _check_sequence(build_git_repo, ops)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=1, max_size=12))
def test_incremental_hnsw_index_equals_clean_rebuild(build_git_repo, ops):
    """The same with HNSW from the first document: removals are tombstones (up to three quarters of these
    small indexes, so that they pile up over several runs), rebuilds past that."""
    from unittest.mock import patch

    from indexer import index_session
    from indexer import vectors as vectors_module

    with (
        patch.object(vectors_module, "ANN_THRESHOLD", 1),
        patch.object(index_session, "ANN_THRESHOLD", 1),
        patch.object(vectors_module, "MAX_DEAD_FRACTION", 0.75),
    ):
        _check_sequence(build_git_repo, ops)
