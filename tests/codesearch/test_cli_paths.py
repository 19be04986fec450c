"""Printed paths work from where the user stands (ripgrep's habit) and `similar` takes what `search`
printed (issue 14, item 4: paths were repo-relative, so neither an editor nor `similar` could use them)."""

from __future__ import annotations

import json
import os

import pytest

from codesearch.cli import main
from codesearch.errors import ExitCode


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("CODESEARCH_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def indexed(git_repo, tmp_path, capsys):
    repo = git_repo("shop")
    index_dir = tmp_path / "idx"
    assert main(["--index", str(index_dir), "index", str(repo.root), "--model", "fake"]) == 0
    capsys.readouterr()
    return repo, index_dir


def _first_location(out: str) -> str:
    return out.splitlines()[0].split()[0]


def test_inside_the_repository_paths_are_relative_to_the_current_folder(indexed, capsys, monkeypatch):
    repo, index_dir = indexed
    monkeypatch.chdir(repo.root / "src")
    assert main(["--index", str(index_dir), "search", "retry_with_backoff", "-k", "1"]) == 0
    line = repo.line_of("src/net/retry.py", "def retry_with_backoff(")
    printed = _first_location(capsys.readouterr().out)
    assert printed == f"net/retry.py:{line}"
    assert main(["--index", str(index_dir), "search", "LoadConfig", "-k", "1"]) == 0
    assert _first_location(capsys.readouterr().out).startswith("../config/load.go:")
    # what search printed is what similar takes
    assert main(["--index", str(index_dir), "similar", printed, "--json", "-k", "2"]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert hits and all(h["name"] != "retry_with_backoff" for h in hits)


def test_outside_every_repository_paths_are_absolute(indexed, capsys, tmp_path, monkeypatch):
    repo, index_dir = indexed
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["--index", str(index_dir), "search", "retry_with_backoff", "-k", "1"]) == 0
    printed = _first_location(capsys.readouterr().out)
    assert printed.startswith(str(repo.root / "src/net/retry.py") + ":")
    assert main(["--index", str(index_dir), "similar", printed, "-k", "1"]) == 0
    capsys.readouterr()


def test_json_keeps_the_repository_relative_path_and_the_absolute_one(indexed, capsys, monkeypatch):
    repo, index_dir = indexed
    monkeypatch.chdir(repo.root / "src")
    assert main(["--index", str(index_dir), "search", "retry_with_backoff", "--json", "-k", "1"]) == 0
    hit = json.loads(capsys.readouterr().out)["hits"][0]
    assert hit["path"] == "src/net/retry.py" and hit["abs_path"] == str(repo.root / "src/net/retry.py")


def test_similar_still_takes_a_repository_relative_path(indexed, capsys, tmp_path):
    repo, index_dir = indexed
    line = repo.line_of("src/net/retry.py", "def retry_with_backoff(")
    for location in (f"src/net/retry.py:{line}", f"shop/src/net/retry.py:{line}"):
        assert main(["--index", str(index_dir), "similar", location, "--json", "-k", "1"]) == 0, location
        assert json.loads(capsys.readouterr().out)["hits"]
    assert main(["--index", str(index_dir), "similar", "src/net/nothing.py:3"]) == ExitCode.NOT_FOUND
    assert "nothing indexed at" in capsys.readouterr().err


def test_similar_past_the_end_of_a_file_or_at_line_zero_says_so(indexed, capsys):
    # it used to answer "nothing indexed at ...: is the file in an indexed repository?" for a file that is
    repo, index_dir = indexed
    lines = len((repo.root / "src/net/retry.py").read_text().splitlines())
    past = lines + 1000
    assert main(["--index", str(index_dir), "similar", f"src/net/retry.py:{past}"]) == ExitCode.USAGE
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"has {lines} lines" in err and f"line {past} is past its end" in err
    assert "indexed repository" not in err
    assert main(["--index", str(index_dir), "similar", "src/net/retry.py:0"]) == ExitCode.USAGE
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "lines count from 1" in err


def test_similar_on_a_fifo_answers_without_hanging(indexed, capsys):
    repo, index_dir = indexed
    fifo = repo.root / "src/net/pipe.py"
    os.mkfifo(fifo)
    assert main(["--index", str(index_dir), "similar", "src/net/pipe.py:3"]) == ExitCode.NOT_FOUND
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_similar_on_a_file_name_that_is_not_utf8_says_it_is_not_indexed(indexed, capsys):
    # such files are skipped by the crawler ("undecodable-name"); it died as "internal error: UnicodeEncodeError"
    repo, index_dir = indexed
    location = b"src/net/\xff.py:3".decode("utf-8", "surrogateescape")
    assert main(["--index", str(index_dir), "similar", location]) == ExitCode.NOT_FOUND
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "UTF-8" in err and "internal error" not in err


@pytest.mark.parametrize("absolute", [False, True], ids=["relative", "absolute"])
def test_similar_on_a_loop_of_symlinks_says_so_like_a_missing_file(indexed, capsys, tmp_path, absolute):
    # Path.resolve() raised "RuntimeError: Symlink loop from ...": it was an internal error, rc 1
    _, index_dir = indexed
    (tmp_path / "loop2.py").symlink_to("loop1.py")
    (tmp_path / "loop1.py").symlink_to("loop2.py")
    file = str(tmp_path / "loop1.py") if absolute else "loop1.py"
    assert main(["--index", str(index_dir), "similar", f"{file}:1"]) == ExitCode.NOT_FOUND
    err = capsys.readouterr().err.strip()
    assert err == f"codesearch: error: {file}: a loop of symbolic links, no file"


def test_similar_on_the_home_of_no_such_user_is_the_path_as_written(indexed, capsys, tmp_path):
    # Path.expanduser() raised "RuntimeError: Could not determine home directory": an internal error, rc 1;
    # a shell leaves such a ~ as it is written
    _, index_dir = indexed
    rc = main(["--index", str(index_dir), "similar", "~no_such_user_here/a.py:1"])
    assert rc == ExitCode.NOT_FOUND
    err = capsys.readouterr().err.strip()
    assert err.startswith(
        f"codesearch: error: nothing indexed at {tmp_path.resolve()}/~no_such_user_here/a.py:1"
    )
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("absolute", [False, True], ids=["relative", "absolute"])
def test_similar_on_a_directory_names_it(indexed, capsys, tmp_path, absolute):
    # the line named the file descriptor os.fdopen() had failed on: "codesearch: error: 6: Is a directory"
    _, index_dir = indexed
    (tmp_path / "somedir").mkdir()
    folder = str(tmp_path / "somedir") if absolute else "somedir"
    assert main(["--index", str(index_dir), "similar", f"{folder}:1"]) == ExitCode.IO
    assert capsys.readouterr().err.strip() == f"codesearch: error: {folder}: is a directory"
