"""The small things a user notices (issue 14, item 8): --version, help for a bare `codesearch`, a compact
one-line mode and -l, no folding when piped, exit 0 when piped into `head`, an ETA on progress bars."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from importlib.metadata import version

import pytest
from rich.console import Console

from codesearch.cli import main
from codesearch.cli.output import ProgressBar
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


def test_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"codesearch {version('codesearch')}"


def test_a_bare_codesearch_prints_the_help_and_exits_0(capsys) -> None:
    assert main([]) == 0
    captured = capsys.readouterr()
    assert "usage: codesearch" in captured.out and "search" in captured.out and captured.err == ""


def test_compact_mode_is_one_line_per_hit(indexed, capsys, monkeypatch) -> None:
    repo, index_dir = indexed
    monkeypatch.chdir(repo.root)
    assert main(["--index", str(index_dir), "search", "retry_with_backoff", "--compact", "-k", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    line = repo.line_of("src/net/retry.py", "def retry_with_backoff(")
    assert len(lines) == 3
    assert lines[0] == (
        f"src/net/retry.py:{line}: retry_with_backoff  def retry_with_backoff(request, attempts=5, base_delay=0.5)"
    )


def test_dash_l_prints_each_file_once(indexed, capsys, monkeypatch) -> None:
    repo, index_dir = indexed
    monkeypatch.chdir(repo.root)
    query = ["--index", str(index_dir), "search", "retry rate limiter", "--mode", "lexical"]
    assert main([*query, "--json"]) == 0
    paths = [h["path"] for h in json.loads(capsys.readouterr().out)["hits"]]
    assert len(paths) > len(set(paths)) >= 2  # several hits in one file, and more than one file
    assert main([*query, "-l"]) == 0
    assert capsys.readouterr().out.splitlines() == list(dict.fromkeys(paths))


def test_long_lines_are_not_folded_when_piped(indexed, capsys, tmp_path) -> None:
    repo, index_dir = indexed
    deep = tmp_path / ("a-very-long-folder-name-" * 4)
    deep.mkdir()
    long_repo = deep / "repo"
    repo.git("clone", "-q", str(repo.root), str(long_repo))
    assert main(["--index", str(index_dir), "index", str(long_repo)]) == 0
    capsys.readouterr()
    assert main(["--index", str(index_dir), "search", "retry_with_backoff", "--repo", "repo", "-k", "9"]) == 0
    out = capsys.readouterr().out
    assert f"{long_repo}/src/net/retry.py:" in out  # one line, however long


@pytest.mark.parametrize("output", ["", "--json", "--compact"])
def test_piped_into_head_exits_0_without_a_traceback(indexed, tmp_path, output) -> None:
    _, index_dir = indexed
    command = (
        f"{sys.executable} -m codesearch.cli --index {index_dir} search retry -k 50 --mode dense {output} "
        "| true; exit ${PIPESTATUS[0]}"  # the reader is gone before the first write: a broken pipe
    )
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


def test_progress_bars_show_an_eta() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    with ProgressBar(console) as progress:
        progress("embed", 0, 100)
        progress("embed", 40, 100)
        console.file.flush()
    assert "eta" in screen.getvalue()


def test_code_is_lexed_only_where_it_will_be_coloured() -> None:
    """Piped output has no colour, so no lexer is loaded for it (a tenth of a one-shot search), and what it
    prints is the same as with the language's lexer."""
    from rich.syntax import Syntax

    from codesearch.cli.output import lexer_for

    code = 'def read_config(path):\n    """Read it."""\n    return {"raw": open(path).read()}  # done\n'
    plain = Console(file=io.StringIO(), color_system=None, width=100)
    colour = Console(file=io.StringIO(), color_system="truecolor", force_terminal=True, width=100)
    assert lexer_for("python", plain) == "text"
    assert lexer_for("python", colour) == "python"
    assert lexer_for("csharp", colour) == "c#"

    def printed(lexer: str) -> str:
        out = Console(file=io.StringIO(), color_system=None, width=100)
        out.print(Syntax(code, lexer, line_numbers=True, start_line=7, background_color="default"))
        return out.file.getvalue()  # type: ignore[attr-defined, no-any-return]

    assert printed("text") == printed("python")
    assert "7 def read_config(path):" in printed("text")


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["search", "x", "--mode", "foo"],
            "invalid choice: 'foo' (choose from 'hybrid', 'dense', 'lexical')",
        ),
        (["search", "x", "--format", "compact"], "unrecognized arguments: --format compact"),
        (["search", "x", "--json", "--compact"], "not allowed with argument --json"),
        (["index", "--no-such-flag"], "unrecognized arguments: --no-such-flag"),
        (["nosuchcommand"], "invalid choice: 'nosuchcommand'"),
        # no port: bind() failed as "internal error: OverflowError"
        (["serve", "--port", "99999"], "argument --port: a port is 0-65535 (0: any free one), not 99999"),
        (["serve", "--port", "-1"], "argument --port: a port is 0-65535 (0: any free one), not -1"),
        (["serve", "--port", "http"], "argument --port: not a port number: 'http'"),
    ],
)
def test_a_bad_argument_is_one_line_on_stderr(capsys, argv, said) -> None:
    """Like every other error: one line (argparse's usage block of a dozen lines buried it), exit code 2,
    and where to read the options."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == ExitCode.USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert said in lines[0] and lines[0].startswith("codesearch") and "--help" in lines[0]


def test_models_is_laid_out_for_80_columns_when_piped(capsys, monkeypatch) -> None:
    # piped (`codesearch models | less`, `> file`) its table was 216 columns wide, padded with spaces
    monkeypatch.delenv("COLUMNS", raising=False)
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and max(len(line) for line in lines) <= 80, max(lines, key=len)
    assert all(line == line.rstrip() for line in lines)
    assert {"use", "e5", "minilm-int8", "qwen3-4b", "http", "none"} <= {
        line.split()[0] for line in lines if line
    }
    assert "keeps the model it was built with." in " ".join(lines)


def test_models_in_a_terminal_is_one_row_per_model(tmp_path) -> None:
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()  # a real terminal, 250 columns wide
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TERM")}
    with subprocess.Popen(
        [sys.executable, "-m", "codesearch.cli", "models"], stdout=follower, stderr=follower, env=env
    ) as proc:
        os.close(follower)
        out = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            out += chunk
    os.close(leader)
    assert proc.returncode == 0
    rows = {line.split()[0]: line for line in out.decode().splitlines() if line.strip()}
    assert "Universal Sentence Encoder multilingual v3" in rows["use"]
    assert len(rows["qwen3-4b"]) > 80 and "Qwen/Qwen3-Embedding-4B in-process" in rows["qwen3-4b"]
