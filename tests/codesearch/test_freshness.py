"""Stale hits are never shown: files edited, moved about or deleted after indexing, searched before a reindex."""

from __future__ import annotations

import os

from codesearch.freshness import FreshHits
from codesearch.search import Searcher
from indexer.pipeline import index_paths


def _index(repo, tmp_path, embedder):
    index_dir = tmp_path / "idx"
    index_paths([repo.root], index_dir=index_dir, embedder=embedder, model="fake")
    return Searcher(index_dir, embedder)


def test_a_hit_whose_lines_moved_shows_the_lines_on_disk(git_repo, hash_embedder, tmp_path):
    repo = git_repo()
    searcher = _index(repo, tmp_path, hash_embedder)
    before = searcher.search("retry_with_backoff", k=1).hits[0]
    assert before.start_line == repo.line_of("src/net/retry.py", "def retry_with_backoff")
    text = (repo.root / "src/net/retry.py").read_text()
    repo.write("src/net/retry.py", "# a\n# new\n# header\n" + text)  # not reindexed
    for mode in ("hybrid", "dense", "lexical"):
        hit = searcher.search("retry_with_backoff", k=1, mode=mode).hits[0]
        assert hit.name == "retry_with_backoff"
        assert hit.start_line == before.start_line + 3 == repo.line_of("src/net/retry.py", "def retry_with")
        assert hit.end_line == before.end_line + 3
        lines = (repo.root / hit.path).read_text().splitlines()
        assert (
            lines[hit.end_line - 1].strip()
            == 'raise TimeoutError(f"request failed after {attempts} attempts")'
        )


def test_hits_of_a_deleted_file_or_changed_code_are_dropped(git_repo, hash_embedder, tmp_path):
    repo = git_repo()
    searcher = _index(repo, tmp_path, hash_embedder)
    assert any(h.name == "LoadConfig" for h in searcher.search("LoadConfig", k=5).hits)
    repo.delete("config/load.go")
    text = (repo.root / "util/text.py").read_text()
    repo.write("util/text.py", text.replace("return len(text.split())", "return len(text.split(' '))"))
    for mode in ("hybrid", "dense", "lexical"):
        hits = searcher.search("LoadConfig count_words slugify", k=20, mode=mode).hits
        names = {h.name for h in hits}
        assert "LoadConfig" not in names and "count_words" not in names, mode
        assert "slugify" in names  # unchanged code in the changed file stays, at its line
        slug = next(h for h in hits if h.name == "slugify")
        assert slug.start_line == repo.line_of("util/text.py", "def slugify")


def test_a_touched_but_unchanged_file_keeps_its_hits(git_repo, hash_embedder, tmp_path):
    repo = git_repo()
    searcher = _index(repo, tmp_path, hash_embedder)
    path = repo.root / "web/cart.js"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))
    hit = searcher.search("computeCartTotal", k=1).hits[0]
    assert hit.name == "computeCartTotal" and hit.start_line == repo.line_of(
        "web/cart.js", "function computeCart"
    )


def test_nearest_occurrence_wins_and_crlf_files_match(tmp_path):
    path = tmp_path / "dup.py"
    body = "def twin():\r\n    return 1\r\n"
    path.write_bytes(("# x\r\n" + body + "\r\n" * 5 + body).encode())
    row = {"root": str(tmp_path), "path": "dup.py", "size": -1, "mtime_ns": 0, "code": body.rstrip()}
    fresh = FreshHits()
    assert fresh.check({**row, "start_line": 1, "end_line": 2})["start_line"] == 2
    assert fresh.check({**row, "start_line": 9, "end_line": 10})["start_line"] == 9
    assert fresh.check({**row, "code": "def gone():\n    pass", "start_line": 1, "end_line": 2}) is None
    assert fresh.check({**row, "path": "missing.py", "start_line": 1, "end_line": 2}) is None


def test_a_cli_search_that_rereads_a_changed_file_does_not_import_gitpython(git_repo, tmp_path):
    """Re-reading a changed hit's file decodes it as the crawler does (``indexer.safe_read.decode_text``); that
    once meant importing ``indexer.crawl`` and with it gitpython, ~75 ms of a CLI search."""
    import subprocess
    import sys

    repo = git_repo()
    index_dir = tmp_path / "idx"
    index_paths([repo.root], index_dir=index_dir, embedder=None)
    text = (repo.root / "src/net/retry.py").read_text()
    repo.write("src/net/retry.py", "# a new header\n" + text)  # changed since indexing: the hit is re-read
    script = (
        "import sys\n"
        "from codesearch.cli import main\n"
        f"assert main(['search', 'retry_with_backoff', '--index', {str(index_dir)!r}, '--json', '-k', '1']) == 0\n"
        "print('git' in sys.modules, 'indexer.crawl' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert '"start_line": ' + str(repo.line_of("src/net/retry.py", "def retry_with_backoff")) in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "False False"
