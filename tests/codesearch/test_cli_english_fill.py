"""``codesearch index`` with the default model (use + MiniLM int8): the index is searchable after the fast
pass, the English vectors come behind it (``--english-fill now|background|off``), and an index built with
``use`` keeps ``use``. Real models, real FAISS, real git repos; the background fill is a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from codesearch.cli import main
from codesearch.errors import ExitCode
from indexer import pipeline

pytestmark = pytest.mark.usefixtures("isolated_env")  # tests/conftest.py


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    capsys.readouterr()
    assert main([*args, "--json"]) == ExitCode.OK
    return json.loads(capsys.readouterr().out)


def test_index_with_english_fill_now_is_complete_when_it_returns(
    git_repo, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.setattr(pipeline, "DEFER_THRESHOLD", 2)  # the sample repository is small
    repo, index = git_repo(), str(tmp_path / "idx")
    report = _json(capsys, "--index", index, "index", str(repo.root), "--english-fill", "now")
    assert report["model"] == "use+minilm-int8" and report["missing_parts"] == report["documents"] > 2
    assert report["english_fill"] == "filled"
    status = _json(capsys, "--index", index, "status")
    assert status["english_vectors"] == {
        "documents": report["documents"], "embedded": report["documents"], "filling_pid": None
    }  # fmt: skip
    assert status["generation"] == report["generation"] + 1  # the fill committed one generation
    assert main(["--index", index, "status"]) == ExitCode.OK
    assert "English vectors: complete" in capsys.readouterr().out


@pytest.mark.parametrize("where", ["absolute", "relative"])
def test_index_fills_in_a_background_process_that_completes(
    git_repo, tmp_path, capsys, monkeypatch, where: str
) -> None:
    """The fill runs in the index folder: an ``--index`` given relative to the user's folder, as README's
    try-out command gives it, must still name the same index there."""
    monkeypatch.setattr(pipeline, "DEFER_THRESHOLD", 2)
    repo, index = git_repo(), str(tmp_path / "idx")
    if where == "relative":
        monkeypatch.chdir(tmp_path)
        index = "idx"
    started: list[int] = []
    from indexer import hook_run

    real = hook_run.start_detached

    def start_detached(*args, **kw):  # type: ignore[no-untyped-def]
        started.append(real(*args, **kw))
        return started[-1]

    monkeypatch.setattr(hook_run, "start_detached", start_detached)
    report = _json(capsys, "--index", index, "index", str(repo.root))  # english_fill: background, the default
    assert report["english_fill"] == "started" and len(started) == 1 and started[0] != os.getpid()
    status = _json(capsys, "--index", index, "status")
    assert status["english_vectors"]["embedded"] in (0, report["documents"])  # one generation or the next
    deadline = time.monotonic() + 300
    while status["english_vectors"]["embedded"] < report["documents"]:
        assert time.monotonic() < deadline, (
            f"the fill did not finish; log: {(tmp_path / 'idx' / 'fill.log').read_text()}"
        )
        time.sleep(0.5)
        status = _json(capsys, "--index", index, "status")
    os.waitpid(started[0], 0)  # the fill's process ends once done (and is reaped here)
    assert "English fill: " in (tmp_path / "idx" / "fill.log").read_text()
    assert status["generation"] == report["generation"] + 1


def test_english_fill_off_leaves_them_out_until_codesearch_fill(
    git_repo, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.setattr(pipeline, "DEFER_THRESHOLD", 2)
    repo, index = git_repo(), str(tmp_path / "idx")
    monkeypatch.setenv("CODESEARCH_ENGLISH_FILL", "off")
    report = _json(capsys, "--index", index, "index", str(repo.root))
    assert report["english_fill"] == "off"
    assert main(["--index", index, "status"]) == ExitCode.OK
    assert f"English vectors: 0 of {report['documents']} documents" in capsys.readouterr().out
    assert main(["--index", index, "fill"]) == ExitCode.OK
    assert f"{report['documents']} of {report['documents']} documents" in capsys.readouterr().out


def test_an_index_built_with_use_keeps_use_when_no_model_is_named(git_repo, tmp_path, capsys) -> None:
    repo, index = git_repo(), str(tmp_path / "idx")
    assert _json(capsys, "--index", index, "--model", "use", "index", str(repo.root))["model"] == "use"
    repo.write("extra.py", "def parse_header(line):\n    return line.split(':', 1)\n")
    again = _json(capsys, "--index", index, "index", str(repo.root))  # no model named: the index's own
    assert again["model"] == "use" and again["embedded"] == 1
    hits = _json(capsys, "--index", index, "search", "split a header line")["hits"]
    assert hits and hits[0]["name"] == "parse_header"
    assert _json(capsys, "--index", index, "status")["english_vectors"] is None
    # a different model named explicitly is still refused, on one line
    capsys.readouterr()
    rc = main(["--index", index, "--model", "use+minilm-int8", "index", str(repo.root)])
    assert rc == ExitCode.MODEL_MISMATCH
    assert "was built with model use" in capsys.readouterr().err


_SEARCHES = """
import contextlib, io, sys
from codesearch.cli import main

def loaded_after(index, query):
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["--index", index, "search", query, "--json"]) == 0
    from codesearch.embedding import _loading  # the English model's query runner or session, once loaded
    return any(key[0] == "minilm-int8" for key in _loading._models)

deferred, filled = sys.argv[1], sys.argv[2]
print(loaded_after(filled, "прочитати файл конфігурації"), loaded_after(deferred, "read the config file"),
      loaded_after(filled, "read the config file"))
"""


def test_a_search_loads_the_english_model_only_for_an_english_query_over_filled_vectors(
    git_repo, tmp_path, capsys, monkeypatch
) -> None:
    monkeypatch.setattr(pipeline, "DEFER_THRESHOLD", 2)
    repo = git_repo()
    deferred, filled = str(tmp_path / "deferred"), str(tmp_path / "filled")
    assert _json(capsys, "--index", deferred, "index", str(repo.root), "--english-fill", "off")[
        "missing_parts"
    ]
    assert _json(capsys, "--index", filled, "index", str(repo.root), "--english-fill", "now")["missing_parts"]
    done = subprocess.run(
        [sys.executable, "-c", _SEARCHES, deferred, filled], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    # a query in Ukrainian (no dictionary, so no English gloss), then an English one over a partly filled
    # index: no English model; then English
    assert done.stdout.split() == ["False", "False", "True"]
