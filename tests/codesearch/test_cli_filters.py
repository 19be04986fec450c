"""Filter values on the command line: obvious aliases are accepted, anything else is refused with the valid
values listed and exit 2 (issue 14, item 5: `--lang py`, `--kind func`, `--repo rich` gave no hits, exit 0)."""

from __future__ import annotations

import json
import os

import pytest

from codesearch.cli import main
from codesearch.errors import ExitCode
from codesearch.filter_values import canonical_kind, canonical_language


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
    return index_dir


def _hits(capsys) -> list[dict]:
    return json.loads(capsys.readouterr().out)["hits"]


@pytest.mark.parametrize(
    ("flag", "value", "expect"),
    [
        ("--lang", "py", ("language", "python")),
        ("--lang", "Python", ("language", "python")),
        ("--lang", "js", ("language", "javascript")),
        ("--lang", "golang", ("language", "go")),
        ("--kind", "func", ("kind", "function")),
        ("--kind", "def", ("kind", "function")),
        ("--kind", "cls", ("kind", "class")),
        ("--repo", "SHOP", ("repo", "shop")),
    ],
)
def test_aliases_find_what_the_full_name_finds(indexed, capsys, flag, value, expect) -> None:
    rc = main(["--index", str(indexed), "search", "retry request", "--mode", "dense", "--json", flag, value])
    hits = _hits(capsys)
    key, wanted = expect
    assert rc == 0 and hits and {h[key] for h in hits} == {wanted}


@pytest.mark.parametrize(
    ("flag", "value", "listed"),
    [
        ("--lang", "pyhton", "python"),
        ("--kind", "funktion", "function"),
        ("--repo", "rich", "shop"),
    ],
)
def test_unknown_values_are_refused_with_the_valid_ones(indexed, capsys, flag, value, listed) -> None:
    rc = main(["--index", str(indexed), "search", "retry", flag, value])
    captured = capsys.readouterr()
    assert rc == ExitCode.USAGE and captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err
    assert value in lines[0] and listed in lines[0]


def test_similar_checks_its_filters_too(indexed, capsys, tmp_path) -> None:
    rc = main(
        [
            "--index",
            str(indexed),
            "similar",
            str(tmp_path / "shop/src/net/retry.py") + ":7",
            "--lang",
            "klingon",
        ]
    )
    assert rc == ExitCode.USAGE and "klingon" in capsys.readouterr().err


def test_alias_tables() -> None:
    assert canonical_language("c++") == canonical_language("cpp") == "cpp"
    assert canonical_language("C#") == canonical_language("cs") == "csharp"
    assert canonical_language("ts") == "typescript" and canonical_language("rb") == "ruby"
    assert canonical_language("rs") == "rust" and canonical_language("sh") == "bash"
    assert canonical_language("kt") == "kotlin" and canonical_language(".py") == "python"
    assert canonical_language("markdown") == "markdown" and canonical_language("md") == "markdown"
    assert canonical_kind("fn") == canonical_kind("functions") == "function"
    assert canonical_kind("meth") == "method" and canonical_kind("struct") == "struct"


def test_a_path_glob_with_a_byte_that_is_not_utf8_is_a_usage_error(indexed, capsys) -> None:
    # the crawler skips files whose names are not UTF-8, so no indexed path can match; it died as
    # "internal error: UnicodeEncodeError" in SQLite's GLOB
    glob = b"src/\xff*".decode("utf-8", "surrogateescape")
    assert main(["--index", str(indexed), "search", "retry", "--path", glob]) == ExitCode.USAGE
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--path" in err and "UTF-8" in err and "internal error" not in err


def test_a_path_glob_with_a_lone_surrogate_from_json_is_a_usage_error() -> None:
    # JSON (the HTTP API, MCP) can carry "\ud800", which no command line makes: the error line must still be
    # said, not die encoding it
    from codesearch.errors import ConfigError
    from codesearch.filter_values import canonical_path

    with pytest.raises(ConfigError, match=r"lone surrogate U\+D800"):
        canonical_path("src/\ud800*", "path")


def _search_paths(indexed, capsys, glob: str, *flags: str) -> tuple[int, list[str], str]:
    rc = main(
        [
            "--index",
            str(indexed),
            "search",
            "retry request",
            "--mode",
            "dense",
            "--json",
            "--path",
            glob,
            *flags,
        ]
    )
    captured = capsys.readouterr()
    hits = json.loads(captured.out)["hits"] if rc == 0 else []
    return rc, [h["path"] for h in hits], captured.err


def test_an_absolute_path_glob_inside_a_repository_is_read_from_its_root(indexed, capsys, tmp_path) -> None:
    # `--path $PWD/src/*.py` matched nothing: the index matches globs against paths from a repository's root
    root = tmp_path / "shop"
    for glob in (
        f"{root}/src/*",
        f"{root}/src/net/*.py",
        f"{root}/src",
        f"{root}/src/",
        f"{root}/./src/net/retry.py",
    ):
        rc, paths, err = _search_paths(indexed, capsys, glob)
        assert rc == 0 and err == "", glob
        assert paths and set(paths) == {"src/net/retry.py"}, glob
    rc, paths, _ = _search_paths(indexed, capsys, str(root))  # the root itself: the whole repository
    assert rc == 0 and {"src/net/retry.py", "util/text.py"} <= set(paths)


def test_a_relative_path_glob_is_matched_as_before(indexed, capsys) -> None:
    rc, paths, _ = _search_paths(indexed, capsys, "net")  # a bare word matches anywhere in the path
    assert rc == 0 and set(paths) == {"src/net/retry.py"}
    rc, paths, _ = _search_paths(indexed, capsys, "*.py")
    assert rc == 0 and set(paths) == {"src/net/retry.py", "util/text.py"}


@pytest.mark.parametrize("glob", ["./src/*", "./src/net/retry.py", "src/./net/*"])
def test_a_path_glob_written_with_dot_slash_matches_as_without(indexed, capsys, glob) -> None:
    """`--path ./src/*`, as a shell's completion writes it, matched nothing (the index holds `src/...`)."""
    rc, paths, _ = _search_paths(indexed, capsys, glob)
    assert rc == 0 and set(paths) == {"src/net/retry.py"}


def test_an_absolute_path_glob_outside_every_repository_is_a_usage_error(indexed, capsys, tmp_path) -> None:
    elsewhere = f"{tmp_path}/elsewhere/*.py"
    rc, _, err = _search_paths(indexed, capsys, elsewhere)
    lines = err.strip().splitlines()
    assert rc == ExitCode.USAGE and len(lines) == 1 and "Traceback" not in err
    assert elsewhere in lines[0] and "--path" in lines[0] and str(tmp_path / "shop") in lines[0]


@pytest.mark.parametrize("glob", ["src/[net", "*.p[y", "[]", "src/[^]x"])
def test_a_malformed_path_glob_is_a_usage_error(indexed, capsys, glob) -> None:
    # an unclosed `[` matched nothing, silently
    rc, _, err = _search_paths(indexed, capsys, glob)
    lines = err.strip().splitlines()
    assert rc == ExitCode.USAGE and len(lines) == 1 and "Traceback" not in err
    assert glob in lines[0] and "[" in lines[0] and "--path" in lines[0]


def test_a_closed_bracket_in_a_path_glob_is_a_character_class(indexed, capsys) -> None:
    rc, paths, _ = _search_paths(indexed, capsys, "src/[n]et/*")
    assert rc == 0 and set(paths) == {"src/net/retry.py"}
    rc, paths, _ = _search_paths(indexed, capsys, "[]x]*")  # `]` first in a class is the character itself
    assert rc == 0 and paths == []


def test_an_absolute_path_glob_keeps_its_repository_only(git_repo, tmp_path, capsys) -> None:
    fetch = 'def fetch_with_retries(url):\n    """Retry a request until it answers."""\n    return url\n'
    shop, store = git_repo("shop"), git_repo("store", {"src/fetch.py": fetch})  # `src/*` is in both
    index_dir = tmp_path / "idx"
    assert main(["--index", str(index_dir), "index", str(shop.root), str(store.root), "--model", "fake"]) == 0
    capsys.readouterr()
    rc = main(["--index", str(index_dir), "search", "retry", "--json", "--path", "src/*"])
    assert rc == 0 and {h["repo"] for h in _hits(capsys)} == {"shop", "store"}
    rc = main(["--index", str(index_dir), "search", "retry", "--json", "--path", f"{store.root}/src/*"])
    hits = _hits(capsys)
    assert rc == 0 and {(h["repo"], h["path"]) for h in hits} == {("store", "src/fetch.py")}
    rc = main(["--index", str(index_dir), "search", "retry", "--path", f"{store.root}/src", "--repo", "shop"])
    err = capsys.readouterr().err.strip()
    assert rc == ExitCode.USAGE and len(err.splitlines()) == 1 and "store" in err and "--repo" in err
