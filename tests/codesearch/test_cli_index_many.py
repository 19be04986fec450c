"""``codesearch index --from FILE`` / ``--clones DIR``: many repositories, a line and a commit each, a bad
one reported and skipped, a killed run resumed without embedding anything twice."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from codesearch.cli import main
from codesearch.errors import ExitCode
from codesearch.search import Searcher
from indexer.repo_list import find_clones, parse_repo_list

pytestmark = pytest.mark.usefixtures("isolated_env")  # tests/conftest.py


def _repo_files(i: int) -> dict[str, str]:
    """Small files whose texts are this repository's own (no text is shared with another repository)."""
    return {
        f"pkg/mod{i}.py": f"def unique_function_{i}(x):\n    '''Return x plus {i}.'''\n    return x + {i}\n",
        f"pkg/extra{i}.py": f"class Holder{i}:\n    def value_{i}(self):\n        return {i}\n",
    }


def _make_repos(build_git_repo, folder: Path, n: int) -> list[Path]:
    return [build_git_repo(folder / f"org{i % 2}" / f"repo{i:02d}", _repo_files(i)).root for i in range(n)]


def test_parse_repo_list_skips_comments_blanks_and_repeats() -> None:
    text = (
        "# my repos\n\n/a/one\n  /a/two   # the second\nfile:///x/three.git\n/a/one\n   # indented comment\n"
    )
    assert parse_repo_list(io.StringIO(text)) == ["/a/one", "/a/two", "file:///x/three.git"]


def test_find_clones_finds_nested_repositories_but_not_inside_one(build_git_repo, tmp_path) -> None:
    outer = build_git_repo(tmp_path / "clones" / "host" / "org" / "outer", {"a.py": "x = 1\n"}).root
    build_git_repo(outer / "vendor" / "inner", {"b.py": "y = 2\n"})  # inside a found repository: not listed
    top = build_git_repo(tmp_path / "clones" / "top", {"c.py": "z = 3\n"}).root
    build_git_repo(tmp_path / "clones" / ".hidden" / "h", {"d.py": "w = 4\n"})
    build_git_repo(tmp_path / "clones" / "a" / "b" / "c" / "too-deep", {"e.py": "v = 5\n"})
    (tmp_path / "clones" / "plain-folder").mkdir()
    assert find_clones(tmp_path / "clones") == [outer.resolve(), top.resolve()]


def test_clones_and_list_index_every_repository_with_a_line_each(build_git_repo, tmp_path, capsys) -> None:
    roots = _make_repos(build_git_repo, tmp_path / "clones", 4)
    extra = build_git_repo(tmp_path / "elsewhere" / "listed", _repo_files(9)).root
    listing = tmp_path / "repos.txt"
    listing.write_text(f"# one more\n{extra}\n{roots[0]}\n")
    index = tmp_path / "idx"
    args = ["--index", str(index), "--model", "fake", "index", "--clones", str(tmp_path / "clones")]
    assert main([*args, "--from", str(listing)]) == ExitCode.OK
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.startswith("[")]
    assert len(lines) == 5 and all(" indexed " in line for line in lines)  # roots[0] listed twice: once
    assert lines[0].startswith("[1/5] listed") and "files 2" in lines[0]
    assert "5 repositories in" in captured.out and "5 indexed, 0 unchanged, 0 failed" in captured.out
    searcher = Searcher(index)
    for i in (0, 1, 2, 3, 9):
        assert (
            searcher.search(f"unique_function_{i}", k=1, mode="lexical").hits[0].name
            == f"unique_function_{i}"
        )


def test_a_bad_repository_is_one_error_line_and_the_others_are_indexed(
    build_git_repo, tmp_path, capsys, monkeypatch
) -> None:
    good = _make_repos(build_git_repo, tmp_path / "clones", 2)
    listing = f"{good[0]}\n{tmp_path / 'no-such-repo'}\nfile://{tmp_path}/nowhere/bogus.git\n{good[1]}\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(listing))
    index = tmp_path / "idx"
    rc = main(["--index", str(index), "--model", "fake", "index", "--from", "-", "--json"])
    captured = capsys.readouterr()
    assert rc == ExitCode.NOT_FOUND
    assert "Traceback" not in captured.err
    errors = [line for line in captured.err.splitlines() if "error:" in line]
    assert len(errors) == 2
    assert "no such file or folder" in errors[0] and "cannot clone" in errors[1]
    summary = json.loads(captured.out)
    assert [r["status"] for r in summary["repositories"]] == ["indexed", "failed", "failed", "indexed"]
    assert summary["failed"] == 2 and summary["exit_code"] == ExitCode.NOT_FOUND
    assert summary["repositories"][1]["exit_code"] == ExitCode.NOT_FOUND
    assert summary["embedded"] == sum(r["embedded"] for r in summary["repositories"]) > 0
    searcher = Searcher(index)
    assert searcher.search("unique_function_1", k=1, mode="lexical").hits[0].name == "unique_function_1"


def test_an_empty_list_is_a_usage_error(tmp_path, capsys) -> None:
    listing = tmp_path / "repos.txt"
    listing.write_text("# nothing yet\n")
    rc = main(["--index", str(tmp_path / "idx"), "--model", "fake", "index", "--from", str(listing)])
    assert rc == ExitCode.USAGE
    assert "no repositories to index" in capsys.readouterr().err


def _read_lines(stream, into: list[str]) -> threading.Thread:
    thread = threading.Thread(target=lambda: into.extend(iter(stream.readline, "")), daemon=True)
    thread.start()
    return thread


def test_a_killed_run_resumes_and_embeds_only_the_remaining_repositories(build_git_repo, tmp_path) -> None:
    """Killed while texts of later repositories are embedded ahead: the resumed run finds the committed
    repositories current, embeds only texts never embedded (what was embedded ahead is in the cache), and
    ends with every repository searchable and the vectors matching the documents."""
    n = 6
    _make_repos(build_git_repo, tmp_path / "clones", n)
    index = tmp_path / "idx"
    command = [sys.executable, "-m", "codesearch.cli", "--index", str(index), "--model", "fake", "index"]
    command += ["--clones", str(tmp_path / "clones"), "--json"]
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    # two texts a call at most (a repository has three): the fake model blocks on its 5th call, part way through
    env = {**os.environ, "CODESEARCH_TEST_EMBED_LOG": str(first_log), "CODESEARCH_TEST_EMBED_BATCH_SIZE": "2"}
    env["CODESEARCH_TEST_EMBED_HOLD_AFTER"] = "4"
    killed = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = _read_lines(killed.stderr, lines)
    held = Path(str(first_log) + ".held")
    deadline = time.monotonic() + 120
    while killed.poll() is None and time.monotonic() < deadline:
        if held.exists() and any(" indexed " in line for line in lines):  # held, and one repository committed
            break
        time.sleep(0.05)
    assert held.exists() and killed.poll() is None, "".join(lines)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    reader.join(timeout=10)
    committed_lines = sum(" indexed " in line for line in lines)
    calls_before = [int(x) for x in first_log.read_text().split()]
    assert len(calls_before) == 4  # each call's vectors were in the cache before the next call began
    embedded_before = sum(calls_before)

    env = {**os.environ, "CODESEARCH_TEST_EMBED_LOG": str(second_log)}
    rerun = subprocess.run(command, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout)
    statuses = [r["status"] for r in summary["repositories"]]
    unchanged = statuses.count("unchanged")
    assert 1 <= committed_lines <= unchanged < n
    assert statuses == ["unchanged"] * unchanged + ["indexed"] * (n - unchanged)
    embedded_after = sum(int(x) for x in second_log.read_text().split())
    total = sum(r["documents"] for r in summary["repositories"])
    assert embedded_after == summary["embedded"] and embedded_before + embedded_after == total  # none twice
    searcher = Searcher(index)
    assert searcher.manifest.documents == total
    assert searcher.generation.vectors.ntotal == total
    for i in range(n):
        assert (
            searcher.search(f"unique_function_{i}", k=1, mode="lexical").hits[0].name
            == f"unique_function_{i}"
        )
