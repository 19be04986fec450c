"""Text output shows what came from a file as it is: no rich markup read out of it, no control character
reaching the terminal (issue 14, hostile input)."""

from __future__ import annotations

import json
import os

import pytest

from codesearch.cli import main
from codesearch.terminal_text import printable, printable_code

ESC = "\x1b"
HOSTILE = {
    "[/]x.py": "def closing_tag_file():\n    return 1\n",
    "[blink red]pwned.py": "def blinking_file():\n    return 2\n",
    f"evil{ESC}[2Jname.py": "def escape_in_path():\n    return 3\n",
    "raw.py": f"def raw_escape_in_code():\n    # {ESC}]0;owned{ESC}\\ title\n    return 4\n",
}


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("CODESEARCH_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def hostile_index(git_repo, tmp_path, capsys):
    repo = git_repo("hostile", HOSTILE)
    index_dir = tmp_path / "idx"
    assert main(["--index", str(index_dir), "index", str(repo.root), "--model", "fake"]) == 0
    capsys.readouterr()
    return repo, index_dir


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("closing_tag_file", "[/]x.py"),
        ("blinking_file", "[blink red]pwned.py"),
        ("escape_in_path", "evil\\x1b[2Jname.py"),
        ("raw_escape_in_code", "\\x1b]0;owned\\x1b\\ title"),
    ],
)
def test_names_and_code_from_files_print_literally(hostile_index, capsys, query, shown) -> None:
    _, index_dir = hostile_index
    rc = main(["--index", str(index_dir), "search", query, "--mode", "lexical", "-k", "1"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert shown in captured.out
    assert ESC not in captured.out


def test_json_keeps_the_raw_names(hostile_index, capsys) -> None:
    """JSON is for programs: the path is the real one (json escapes control characters itself)."""
    _, index_dir = hostile_index
    assert main(["--index", str(index_dir), "search", "escape_in_path", "--json", "-k", "1"]) == 0
    hit = json.loads(capsys.readouterr().out)["hits"][0]
    assert hit["path"] == f"evil{ESC}[2Jname.py"


def test_printable_shows_controls_and_bidi_overrides_as_escapes() -> None:
    assert printable(f"a{ESC}b\tc\nd\u202ee\x9bf") == "a\\x1bb\\x09c\\x0ad\\u202ee\\x9bf"
    assert printable_code(f"x = 1\n\ty{ESC}\r\n") == "x = 1\n\ty\\x1b\n"
    assert printable("plain ünïcode 名前") == "plain ünïcode 名前"


def test_status_and_the_index_summary_print_names_literally(git_repo, tmp_path, capsys) -> None:
    repo = git_repo("[bold]repo", {"a.py": "def a():\n    return 1\n"})
    index_dir = tmp_path / "[red]idx"
    assert main(["--index", str(index_dir), "index", str(repo.root), "--model", "fake"]) == 0
    assert "[red]idx" in capsys.readouterr().out.replace("\n", "")
    assert main(["--index", str(index_dir), "status"]) == 0
    out = capsys.readouterr().out
    assert "[red]idx" in out and out.count("[bold]repo") == 2  # its name and its root


def test_emoji_codes_print_as_written(git_repo, tmp_path, capsys) -> None:
    """Rich reads ``:100:`` as 💯: a hit on line 100 printed ``path💯`` in ``--compact``, and a file or a
    function named with colons (``:smile:``) lost its name the same way."""
    body = "\n" * 99 + "def line_hundred():\n    return 1\n"
    repo = git_repo("emoji", {"a.py": body, ":smile:.py": "def smile_file():\n    return 2\n"})
    index_dir = tmp_path / "idx"
    assert main(["--index", str(index_dir), "index", str(repo.root), "--model", "fake"]) == 0
    capsys.readouterr()
    search = ["--index", str(index_dir), "search", "--mode", "lexical", "-k", "1"]
    assert main([*search, "line_hundred", "--compact"]) == 0
    assert "a.py:100: line_hundred" in capsys.readouterr().out
    assert main([*search, "line_hundred"]) == 0
    assert "a.py:100" in capsys.readouterr().out
    for flags in ([], ["--compact"], ["-l"]):
        assert main([*search, "smile_file", *flags]) == 0
        out = capsys.readouterr().out
        assert ":smile:.py" in out and "\N{SMILING FACE WITH OPEN MOUTH AND SMILING EYES}" not in out
