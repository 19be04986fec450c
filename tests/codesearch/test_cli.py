"""The ``codesearch`` command line: in-process through ``main([...])`` and as a real console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codesearch import glossary
from codesearch.cli import main
from codesearch.errors import ExitCode, IndexNotFoundError

pytestmark = pytest.mark.usefixtures("isolated_env")  # tests/conftest.py


@pytest.fixture
def indexed(git_repo, tmp_path, capsys):
    """A sample repo indexed with the fake model; returns (repo, index_dir)."""
    repo = git_repo()
    index_dir = tmp_path / "idx"
    assert main(["--index", str(index_dir), "index", str(repo.root), "--model", "fake"]) == 0
    capsys.readouterr()
    return repo, index_dir


def _one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_index_prints_a_summary(git_repo, tmp_path, capsys) -> None:
    repo = git_repo()
    rc = main(["index", str(repo.root), "--index", str(tmp_path / "idx"), "--model", "fake"])
    out = capsys.readouterr().out
    assert rc == ExitCode.OK
    assert "Indexed 1 root(s)" in out and "model fake, generation 1" in out
    assert "files      4 (parsed 4, removed 0)" in out
    assert "python 6" in out and "javascript 2" in out and "go 1" in out


def test_index_json_then_noop(git_repo, tmp_path, capsys) -> None:
    repo = git_repo()
    args = ["--index", str(tmp_path / "idx"), "--model", "fake", "index", "--json", str(repo.root)]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["files"] == 4 and first["generation"] == 1 and first["embedded"] == first["documents"]
    assert main(args) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["files_parsed"] == 0 and second["embedded"] == 0 and second["generation"] == 1


@pytest.mark.parametrize("skipped", [False, True])
def test_an_index_with_no_files_says_why(tmp_path, capsys, skipped) -> None:
    """An empty folder got "every file ... was ignored or skipped (see `skipped` above)" under "skipped none"."""
    root = tmp_path / "empty"
    root.mkdir()
    if skipped:
        (root / "package-lock.json").write_text("{}\n")
    assert main(["--index", str(tmp_path / "idx"), "--model", "fake", "index", str(root)]) == 0
    err = _one_line(capsys.readouterr().err)
    if skipped:
        assert "every file under the given path(s) was ignored or skipped" in err
    else:
        assert err == "warning: no files were indexed: the given path(s) hold no file codesearch reads"


def test_index_names_the_files_it_skipped_with_v_and_in_json(git_repo, tmp_path, capsys) -> None:
    repo = git_repo()
    (repo.root / "assets").mkdir()
    (repo.root / "assets" / "big.txt").write_text("x = 1\n" * 400_000)  # over the 1 MiB default
    (repo.root / os.fsdecode(b"caf\xe9\x1b[2J.py")).write_text("x = 1\n")  # Latin-1, and an escape sequence
    index = ["--index", str(tmp_path / "idx"), "--model", "fake"]

    assert main([*index, "index", "--json", str(repo.root)]) == 0
    report = json.loads(capsys.readouterr().out)
    root = report["roots"][0]
    assert report["skipped"] == {"too-large": 1, "undecodable-name": 1}  # the counts, as before
    assert report["skipped_files"] == {
        "too-large": [f"{root}/assets/big.txt"],
        "undecodable-name": [f"{root}/caf\\xe9\x1b[2J.py"],  # JSON escapes the ESC; the bytes read \xe9
    }

    assert main([*index, "index", str(repo.root)]) == 0
    out = capsys.readouterr().out
    assert "big.txt" not in out and "caf" not in out  # named only when asked
    assert "skipped    too-large 1 · undecodable-name 1 (-v names them)" in out

    assert main([*index, "-v", "index", str(repo.root)]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("  skipped    too-large 1 · undecodable-name 1")
    assert lines[at + 1 : at + 3] == [
        f"             too-large         {root}/assets/big.txt",
        f"             undecodable-name  {root}/caf\\xe9\\x1b[2J.py",  # nothing reaches the terminal raw
    ]


def test_search_json_prints_exactly_one_object(indexed, capsys) -> None:
    repo, index_dir = indexed
    rc = main(["search", "retry_with_backoff", "--json", "-k", "2", "--index", str(index_dir)])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.endswith("\n") and out.count("\n") == 1
    obj = json.loads(out)
    assert list(obj) == ["query", "took_ms", "hits"] and len(obj["hits"]) == 2
    top = obj["hits"][0]
    assert top["name"] == "retry_with_backoff" and top["abs_path"] == str(repo.root / "src/net/retry.py")
    assert top["start_line"] == repo.line_of("src/net/retry.py", "def retry_with_backoff(")


def test_search_filters_and_text_output(indexed, capsys) -> None:
    _, index_dir = indexed
    rc = main(
        ["--index", str(index_dir), "search", "total price", "--lang", "javascript", "--mode", "lexical"]
    )
    captured = capsys.readouterr()
    assert rc == 0
    assert "web/cart.js:6" in captured.out and "computeCartTotal" in captured.out
    assert "retry" not in captured.out
    assert "1 hit in" in captured.err  # one hit: not "1 hits"
    assert main(["--index", str(index_dir), "search", "total price retry config", "--mode", "lexical"]) == 0
    assert " hits in" in capsys.readouterr().err


def test_status_json_and_text(indexed, capsys) -> None:
    _, index_dir = indexed
    assert main(["status", "--json", "--index", str(index_dir)]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["generation"] == 1 and status["model"] == "fake"
    assert [r["name"] for r in status["repos"]] == ["repo"] and status["repos"][0]["files"] == 4
    assert main(["status", "--index", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert "generation 1" in out and "repo" in out and "python" in out


def test_status_says_which_translation_dictionaries_are_installed(
    indexed, tmp_path, monkeypatch, capsys
) -> None:
    _, index_dir = indexed
    folder = tmp_path / "dictd"
    folder.mkdir()
    for name in ("freedict-fra-eng.index", "freedict-fra-eng.dict.dz"):
        (folder / name).write_bytes(b"")
    monkeypatch.setenv("CODESEARCH_FREEDICT_DIR", str(folder))
    monkeypatch.setenv("CODESEARCH_APERTIUM", "off")
    monkeypatch.setattr(glossary, "LANGUAGES", glossary.LANGUAGES - {"es"})  # a language with nothing
    assert main(["status", "--json", "--index", str(index_dir)]) == 0
    translation = json.loads(capsys.readouterr().out)["translation"]
    assert translation["fr"].endswith(str(folder / "freedict-fra-eng.dict.dz"))
    assert translation["es"] is None
    # the glossary codesearch ships reads these without any dictionary installed
    for language in ("ko", "ru", "de", "fr"):
        assert translation[language].startswith(str(glossary.path(language)))
    assert main(["status", "--index", str(index_dir)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("translation"))
    assert " fr" in line and " de" in line and "es (Debian's " in line


def test_models_lists_the_bundled_model(capsys) -> None:
    assert main(["models", "--json"]) == 0
    models = {m["name"]: m for m in json.loads(capsys.readouterr().out)}
    assert models["use"]["available"] is True and models["use"]["dim"] == 512
    assert "fake" in models
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "use" in out and "none" in out


@pytest.mark.parametrize(
    "command",
    [
        ["search", "anything"],
        ["status"],
        ["search", "x", "--json"],
        # filters that are checked against the index's repositories: "no index", not "not in the index"
        ["search", "x", "--path", "/srv/code/src/*"],
        ["search", "x", "--repo", "shop"],
    ],
)
def test_no_index_is_one_line_and_exit_code(tmp_path, capsys, command) -> None:
    rc = main([*command, "--index", str(tmp_path / "missing")])
    captured = capsys.readouterr()
    assert rc == ExitCode.NO_INDEX
    assert captured.out == ""
    assert _one_line(captured.err).startswith("codesearch: error: no index at")


@pytest.mark.parametrize("command", [["search", "anything"], ["status"]])
def test_no_index_yet_while_a_first_build_runs_says_it_is_being_built(tmp_path, capsys, command) -> None:
    """While `codesearch index` builds a new index (its lock names a live pid, no manifest yet), a read said
    "run `codesearch index PATH` first", as if nothing were happening."""
    index_dir = tmp_path / "idx"
    index_dir.mkdir()
    (index_dir / "index.lock").write_text(f"pid {os.getpid()}\n")  # a live process: this one
    rc = main([*command, "--index", str(index_dir)])
    err = _one_line(capsys.readouterr().err)
    assert rc == ExitCode.NO_INDEX
    assert err.startswith("codesearch: error: no index at") and f"pid {os.getpid()}" in err
    assert "being built" in err and "run `codesearch index PATH` first" not in err


def test_bad_path_is_not_found(tmp_path, capsys) -> None:
    rc = main(["index", str(tmp_path / "no-such-dir"), "--index", str(tmp_path / "idx"), "--model", "fake"])
    assert rc == ExitCode.NOT_FOUND
    assert "no-such-dir" in _one_line(capsys.readouterr().err)


def test_other_model_is_refused_with_exit_code(indexed, capsys) -> None:
    repo, index_dir = indexed
    rc = main(["index", str(repo.root), "--index", str(index_dir), "--model", "fake", "--dim", "16"])
    assert rc == ExitCode.MODEL_MISMATCH
    assert "--rebuild" in _one_line(capsys.readouterr().err)
    rc = main(
        ["index", str(repo.root), "--index", str(index_dir), "--model", "fake", "--dim", "16", "--rebuild"]
    )
    assert rc == 0


def test_empty_query_is_a_usage_error(indexed, capsys) -> None:
    _, index_dir = indexed
    assert main(["search", "  ", "--index", str(index_dir)]) == ExitCode.USAGE
    assert "empty" in _one_line(capsys.readouterr().err)


def test_a_query_with_a_byte_that_is_not_utf8_is_a_usage_error(indexed, capsys) -> None:
    # a Latin-1 terminal's "café": Python hands the byte over as a lone surrogate, which the `use` model's
    # tokenizer died on ("internal error: UnicodeEncodeError")
    _, index_dir = indexed
    query = b"caf\xe9 config".decode("utf-8", "surrogateescape")
    assert main(["search", query, "--index", str(index_dir)]) == ExitCode.USAGE
    err = _one_line(capsys.readouterr().err)
    assert "UTF-8" in err and "0xe9" in err and "internal error" not in err


def test_bad_config_value_is_a_usage_error(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CODESEARCH_K", "lots")
    assert main(["search", "x", "--index", str(tmp_path / "idx")]) == ExitCode.USAGE
    assert "CODESEARCH_K" in _one_line(capsys.readouterr().err)


@pytest.mark.parametrize("where", ["repo", "user"])
@pytest.mark.parametrize("command", [["index", "."], ["search", "x"]])
def test_a_config_file_that_is_not_utf8_is_a_usage_error(tmp_path, capsys, where, command) -> None:
    # a Latin-1 editor's "café" in a comment: tomllib's UTF-8 decode failed as "internal error"
    config = (
        tmp_path / ".codesearch.toml" if where == "repo" else tmp_path / "xdg/config/codesearch/config.toml"
    )
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_bytes(b"k = 5 # caf\xe9\n")
    assert main(["--index", str(tmp_path / "idx"), *command]) == ExitCode.USAGE
    err = _one_line(capsys.readouterr().err)
    assert err.startswith(f"codesearch: error: {config}: cannot read config: ") and "0xe9" in err
    assert "internal error" not in err


@pytest.mark.parametrize("k", ["99999999999999999999", str(2**61), "10001"])
@pytest.mark.parametrize("given", ["flag", "env"])
@pytest.mark.parametrize("command", [["search", "retry"], ["similar", "src/net/retry.py:1"]])
def test_a_k_above_the_most_hits_is_a_usage_error_naming_the_bound(
    indexed, capsys, monkeypatch, k, given, command
) -> None:
    # a k past SQLite's integers failed as "internal error: OverflowError" (lexical, or hybrid while
    # English vectors were missing); flag, environment and config files are all read as settings
    _, index_dir = indexed
    argv = ["--index", str(index_dir), *command, "--mode", "lexical"]
    if given == "flag":
        argv += ["-k", k]
    else:
        monkeypatch.setenv("CODESEARCH_K", k)
    assert main(argv) == ExitCode.USAGE
    err = _one_line(capsys.readouterr().err)
    source = "-k" if given == "flag" else "CODESEARCH_K"  # which of the places a setting comes from said it
    assert err == f"codesearch: error: {source}: k must be between 1 and 10000, not {k}"


def test_k_at_the_most_hits_searches(indexed, capsys) -> None:
    _, index_dir = indexed
    argv = ["--index", str(index_dir), "search", "retry", "--mode", "lexical", "--json", "-k", "10000"]
    assert main(argv) == ExitCode.OK
    assert json.loads(capsys.readouterr().out)["hits"]


@pytest.mark.parametrize("where", ["--index FILE", "--index FILE/x", "XDG_DATA_HOME=FILE/x"])
@pytest.mark.parametrize(
    "command",
    [
        ["index", ".", "--model", "fake"],
        ["index", ".", "--rebuild"],
        ["search", "x"],
        ["status"],
        ["hook", "install", "--no-index"],
    ],
)
def test_an_index_path_through_a_file_says_so_and_leaves_the_file(
    git_repo, tmp_path, capsys, monkeypatch, where, command
) -> None:
    # it said "manifest.json: unreadable manifest ([Errno 20] Not a directory ...); rebuild with --rebuild",
    # and --rebuild then "cannot create the index at FILE: File exists"
    monkeypatch.chdir(git_repo().root)
    afile = tmp_path / "afile"
    afile.write_text("data\n")
    argv = list(command)
    if where == "--index FILE":
        index_dir = afile
        argv = ["--index", str(afile), *argv]
    elif where == "--index FILE/x":
        index_dir = afile / "x"
        argv = ["--index", str(index_dir), *argv]
    else:
        monkeypatch.setenv("XDG_DATA_HOME", str(afile / "x"))
        index_dir = afile / "x" / "codesearch" / "index"
    assert main(argv) == ExitCode.IO
    err = _one_line(capsys.readouterr().err)
    assert err == f"codesearch: error: cannot use {index_dir} as the index: {afile} is not a directory"
    assert afile.read_text() == "data\n"
    assert not Path(".git/hooks/post-commit").exists()  # no hook left behind to reindex into it


def test_debug_reraises_in_process(tmp_path) -> None:
    with pytest.raises(IndexNotFoundError):
        main(["--debug", "search", "x", "--index", str(tmp_path / "missing")])


def _run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_debug_shows_a_traceback_in_a_real_process(tmp_path, isolated_env) -> None:
    done = _run(
        sys.executable,
        "-m",
        "codesearch.cli",
        "--debug",
        "status",
        "--index",
        str(tmp_path / "missing"),
        env=isolated_env,
        cwd=tmp_path,
    )
    assert done.returncode != 0
    assert "Traceback" in done.stderr and "IndexNotFoundError" in done.stderr


def test_console_script_end_to_end_with_the_real_model(use_index, tmp_path, isolated_env) -> None:
    """The installed ``codesearch`` script searches the real-model index with a Chinese query."""
    script = shutil.which("codesearch") or str(Path(sys.executable).parent / "codesearch")
    index_dir = tmp_path / "copy"
    shutil.copytree(use_index.index_dir, index_dir)
    done = _run(
        script,
        "search",
        "读取配置文件并合并环境变量",
        "--json",
        "-k",
        "3",
        "--index",
        str(index_dir),
        env=isolated_env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    obj = json.loads(done.stdout)
    assert obj["query"] == "读取配置文件并合并环境变量"
    assert "LoadConfig" in [h["name"] for h in obj["hits"]]
    done = _run(script, "search", "x", "--index", str(tmp_path / "missing"), env=isolated_env, cwd=tmp_path)
    assert done.returncode == ExitCode.NO_INDEX
    assert _one_line(done.stderr).startswith("codesearch: error: no index")


def test_reindex_without_model_keeps_the_index_model(indexed, capsys) -> None:
    """`codesearch index` with no --model on an existing index uses the index's model, not `auto`."""
    repo, index_dir = indexed
    (repo.root / "extra.py").write_text("def added_later():\n    return 1\n")
    assert main(["--index", str(index_dir), "index", "--json", str(repo.root)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model"] == "fake" and report["files_parsed"] == 1


def test_auto_records_the_model_it_picked(git_repo, tmp_path, capsys) -> None:
    """An index built with `--model auto` remembers the model auto chose, never `auto` itself."""
    repo = git_repo()
    index_dir = tmp_path / "idx"
    assert main(["--index", str(index_dir), "index", "--json", "--model", "auto", str(repo.root)]) == 0
    report = json.loads(capsys.readouterr().out)
    manifest = json.loads((index_dir / "manifest.json").read_text())
    assert report["model"] == manifest["model"] == "use+minilm-int8"  # no GPU, no server: the bundled models


def test_each_hit_says_why_it_matched(indexed, capsys) -> None:
    """--explain adds `why` to the JSON (only then: the default object stays exactly DESIGN's); text shows it."""
    _, index_dir = indexed
    assert (
        main(["--index", str(index_dir), "search", "retry_with_backoff", "--json", "--explain", "-k", "3"])
        == 0
    )
    hits = json.loads(capsys.readouterr().out)["hits"]
    top = hits[0]["why"]
    assert top["exact_name"] is True and {"retry", "backoff"} <= set(top["matched_terms"])
    assert isinstance(top["dense_score"], float)
    assert all(not h["why"]["exact_name"] for h in hits[1:])
    assert main(["--index", str(index_dir), "search", "total price retry config", "--mode", "lexical"]) == 0
    out = capsys.readouterr().out
    assert "why: words total, price" in out


def test_similar_command(indexed, capsys) -> None:
    repo, index_dir = indexed
    line = repo.line_of("src/net/retry.py", "def retry_with_backoff(")
    rc = main(
        [
            "--index",
            str(index_dir),
            "similar",
            f"{repo.root / 'src/net/retry.py'}:{line}",
            "--json",
            "-k",
            "3",
        ]
    )
    hits = json.loads(capsys.readouterr().out)["hits"]
    assert rc == 0 and hits and all(h["name"] != "retry_with_backoff" for h in hits)
    assert main(["--index", str(index_dir), "similar", "nowhere.py:3"]) == ExitCode.NOT_FOUND
    assert "nothing indexed at" in _one_line(capsys.readouterr().err)
    assert main(["--index", str(index_dir), "similar", "no-line-number"]) == ExitCode.USAGE


def test_verbose_output_holds_codesearchs_lines_not_the_vector_librarys_loader(
    git_repo, tmp_path, isolated_env
) -> None:
    """`-v` printed faiss's loader trying its CPU variants, with `ModuleNotFoundError(...)` lines, to every
    newcomer asking what codesearch skipped; `--debug` still shows them."""
    repo = git_repo(files={"a.py": "def answer():\n    return 42\n"})
    script = shutil.which("codesearch") or str(Path(sys.executable).parent / "codesearch")
    index = ["--index", str(tmp_path / "idx")]
    done = _run(
        script, *index, "-v", "index", str(repo.root), "--model", "use", env=isolated_env, cwd=tmp_path
    )
    assert done.returncode == 0 and "Indexed 1 root" in done.stdout
    assert "faiss" not in done.stderr and "ModuleNotFoundError" not in done.stderr
