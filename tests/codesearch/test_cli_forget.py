"""One index, several repositories: `index --rebuild PATH` rebuilds only PATH, `forget REPO` removes one,
`status` counts files and symbols per repository, and the model-mismatch message gives a command that
keeps every repository (issue 14, item 2: --rebuild silently dropped every other repository)."""

from __future__ import annotations

import json
import os
import shlex

import pytest

from codesearch.cli import main
from codesearch.errors import ExitCode

OTHER = {"lib/geometry.py": 'def polygon_area(points):\n    """Shoelace formula."""\n    return 0.0\n'}


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("CODESEARCH_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def two_repos(git_repo, tmp_path, capsys):
    shop, other = git_repo("shop"), git_repo("other", OTHER)
    index_dir = tmp_path / "idx"
    assert main(["--index", str(index_dir), "--model", "fake", "index", str(shop.root), str(other.root)]) == 0
    capsys.readouterr()
    return shop, other, index_dir


def _status(index_dir, capsys) -> dict:
    assert main(["--index", str(index_dir), "status", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _repos_found(index_dir, capsys, query: str, mode: str) -> set[str]:
    assert main(["--index", str(index_dir), "search", query, "--mode", mode, "--json", "-k", "50"]) == 0
    return {h["repo"] for h in json.loads(capsys.readouterr().out)["hits"]}


def test_rebuild_of_one_path_keeps_the_other_repositories(two_repos, capsys) -> None:
    shop, _, index_dir = two_repos
    assert main(["--index", str(index_dir), "index", "--rebuild", "--json", str(shop.root)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files_parsed"] == 4 and report["embedded"] == 0  # re-parsed, not re-embedded
    assert {r["name"] for r in _status(index_dir, capsys)["repos"]} == {"shop", "other"}
    assert "other" in _repos_found(index_dir, capsys, "polygon area shoelace", "lexical")
    assert _repos_found(index_dir, capsys, "polygon area shoelace", "dense") == {"shop", "other"}


def test_status_counts_files_and_symbols_per_repository(two_repos, capsys) -> None:
    _, _, index_dir = two_repos
    repos = {r["name"]: r for r in _status(index_dir, capsys)["repos"]}
    assert (repos["shop"]["files"], repos["shop"]["symbols"]) == (4, 9)
    assert (repos["other"]["files"], repos["other"]["symbols"]) == (1, 1)
    assert main(["--index", str(index_dir), "status"]) == 0
    out = capsys.readouterr().out
    assert "symbols" in out.split("repo", 1)[1].splitlines()[0]  # a column of the repository table


def test_forget_removes_one_repository_and_keeps_the_rest(two_repos, capsys) -> None:
    _, other, index_dir = two_repos
    before = _status(index_dir, capsys)
    assert main(["--index", str(index_dir), "forget", "other"]) == 0
    out = capsys.readouterr().out
    assert "forgot other" in out and "1 files" in out
    after = _status(index_dir, capsys)
    assert [r["name"] for r in after["repos"]] == ["shop"]
    assert after["generation"] == before["generation"] + 1 and after["documents"] < before["documents"]
    assert _repos_found(index_dir, capsys, "polygon area shoelace", "lexical") <= {"shop"}
    assert _repos_found(index_dir, capsys, "polygon area shoelace", "dense") == {"shop"}
    # the embedding cache stayed: indexing it again embeds nothing
    assert main(["--index", str(index_dir), "index", "--json", str(other.root)]) == 0
    assert json.loads(capsys.readouterr().out)["embedded"] == 0
    # a folder names its repository too
    assert main(["--index", str(index_dir), "forget", str(other.root), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["repo"] == "other"


def test_forget_an_unknown_repository_lists_the_known_ones(two_repos, capsys) -> None:
    _, _, index_dir = two_repos
    assert main(["--index", str(index_dir), "forget", "rich"]) == ExitCode.NOT_FOUND
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "rich" in err and "other, shop" in err
    assert len(_status(index_dir, capsys)["repos"]) == 2


def test_the_model_mismatch_message_gives_a_command_that_keeps_every_repository(two_repos, capsys) -> None:
    shop, other, index_dir = two_repos
    rc = main(["--index", str(index_dir), "index", str(shop.root), "--model", "fake", "--dim", "16"])
    assert rc == ExitCode.MODEL_MISMATCH
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    command = shlex.split(err.split("`")[1])
    assert command[0] == "codesearch" and "--rebuild" in command and str(other.root) in command
    assert main(command[1:]) == 0
    capsys.readouterr()
    status = _status(index_dir, capsys)
    assert status["dim"] == 16 and {r["name"] for r in status["repos"]} == {"shop", "other"}
    assert _repos_found(index_dir, capsys, "polygon area shoelace", "dense") == {"shop", "other"}


def test_a_rebuild_with_another_model_that_leaves_a_repository_out_is_refused(two_repos, capsys) -> None:
    shop, _, index_dir = two_repos
    rc = main(
        ["--index", str(index_dir), "index", "--rebuild", str(shop.root), "--model", "fake", "--dim", "16"]
    )
    assert rc == ExitCode.MODEL_MISMATCH
    assert "other" in capsys.readouterr().err
    status = _status(index_dir, capsys)
    assert status["dim"] == 32 and {r["name"] for r in status["repos"]} == {"shop", "other"}


def test_search_with_another_model_is_a_model_mismatch_not_a_dimension_error(git_repo, tmp_path, capsys):
    """`--model e5 search` on a `use` index said `dimension 512 is out of range` and exited 2: here the
    index is 1024-d, wider than the bundled model can give."""
    repo, index_dir = git_repo("other", OTHER), tmp_path / "wide"
    assert main(["--index", str(index_dir), "--model", "fake", "--dim", "1024", "index", str(repo.root)]) == 0
    capsys.readouterr()
    rc = main(["--index", str(index_dir), "--model", "use", "search", "area"])
    assert rc == ExitCode.MODEL_MISMATCH
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "built with model fake" in err and "--model fake" in err

