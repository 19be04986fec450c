"""The CLI on a Milvus store, end to end: a real git repository indexed through ``codesearch.cli.main`` and
``codesearch.assembly`` into a Milvus 2.3.5 server (started by ``conftest.py``) and milvus-lite 2.5, searched,
edited and reindexed, compared hit for hit with the same repository indexed into the local store.

Rankings are the same on every store because fusion, exact names, roles and grouping live above the seam:
on the server (dense in Milvus, lexical in the FTS5 sidecar) every mode gives the local hits in the local
order; on milvus-lite, whose lexical side is Milvus's own BM25 (one field, its own parameters), the dense
mode does (its hybrid order may differ: for "parse the configuration file" it puts the file's window of
loose lines above LoadConfig).
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from codesearch.cli import main
from codesearch.errors import ExitCode

pytestmark = pytest.mark.milvus

QUERIES = ["retry a failed request with backoff", "parse the configuration file", "retry_with_backoff"]
EDITED_RETRY = '''"""Helpers for calling flaky HTTP services."""


def circuit_breaker_open(failures, threshold=3):
    """Stop calling a service that keeps failing."""
    return failures >= threshold
'''


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    """Run the CLI; its exit code and its stdout (parsed when it is JSON)."""
    code = main(list(argv))
    out = capsys.readouterr().out
    try:
        return code, json.loads(out)
    except ValueError:
        return code, out


def hits(
    capsys: pytest.CaptureFixture[str], flags: list[str], query: str, mode: str
) -> list[tuple[str, str, int]]:
    code, result = cli(capsys, *flags, "search", query, "--json", "--mode", mode, "-k", "8")
    assert code == ExitCode.OK
    return [(h["path"], h["qualified_name"], h["start_line"]) for h in result["hits"]]


@pytest.fixture
def uri_of(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    def uri(kind: str) -> str:
        if kind == "milvus-lite":
            return f"milvus-lite:{tmp_path / 'lite'}"
        return f"{request.getfixturevalue('milvus_server')}/cli_{abs(hash(request.node.nodeid)) % 10**8}"

    return uri


@pytest.mark.parametrize("kind", ["milvus-server", "milvus-lite"])
def test_index_search_reindex_and_status_on_milvus_match_the_local_store(
    kind: str,
    git_repo: Any,
    sample_files: dict[str, str],
    tmp_path: Path,
    uri_of: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    repo = git_repo("shop")
    local = ["--index", str(tmp_path / "local"), "--model", "fake"]
    milvus = ["--index", str(tmp_path / "index"), "--store", uri_of(kind), "--model", "fake"]
    assert cli(capsys, *local, "index", str(repo.root))[0] == ExitCode.OK
    code, out = cli(capsys, *milvus, "index", str(repo.root), "--json")
    assert code == ExitCode.OK and out["generation"] == 1 and out["documents"] > 0

    modes = ["hybrid", "dense", "lexical"] if kind == "milvus-server" else ["dense"]
    for query in QUERIES:
        for mode in modes:
            want = hits(capsys, local, query, mode)
            assert want, (query, mode)  # no vacuous pass on an empty ranking
            assert hits(capsys, milvus, query, mode) == want, (query, mode)
    # milvus-lite's own BM25 weighs differently, so its hybrid order may differ; an exact name still ranks first
    assert hits(capsys, milvus, "retry_with_backoff", "hybrid")[0][1] == "retry_with_backoff"

    # an edit: retry_with_backoff removed, circuit_breaker_open added; only that file is sent again
    repo.write("src/net/retry.py", EDITED_RETRY)
    repo.commit("replace retry with a circuit breaker")
    code, out = cli(capsys, *milvus, "index", str(repo.root), "--json")
    assert code == ExitCode.OK and out["generation"] == 2 and out["files_parsed"] == 1
    code, filtered = cli(capsys, *milvus, "search", "circuit breaker", "--repo", "shop", "--json")
    assert code == ExitCode.OK and filtered["hits"]  # --repo is checked against the store's repositories
    names = [name for _, name, _ in hits(capsys, milvus, "circuit_breaker_open", "hybrid")]
    assert names[0] == "circuit_breaker_open"
    for mode in ("hybrid", "dense"):
        assert "retry_with_backoff" not in [
            name for _, name, _ in hits(capsys, milvus, "retry_with_backoff", mode)
        ]

    code, status = cli(capsys, *milvus, "status", "--json")
    assert code == ExitCode.OK
    assert (status["generation"], status["model"]) == (2, "fake")
    assert [(r["name"], r["root"], r["files"]) for r in status["repos"]] == [
        ("shop", str(repo.root), len(sample_files))
    ]
    assert status["documents"] == out["documents"]
    assert sum(n["files"] for n in status["languages"].values()) == len(sample_files)


def test_serve_answers_search_status_and_symbols_from_milvus(
    git_repo: Any, tmp_path: Path, uri_of: Any, serve_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import httpx

    from codesearch.api.server import create_app
    from codesearch.settings import Settings

    repo = git_repo("shop")
    store = uri_of("milvus-lite")
    flags = ["--index", str(tmp_path / "index"), "--store", store, "--model", "fake"]
    assert cli(capsys, *flags, "index", str(repo.root))[0] == ExitCode.OK
    want = hits(capsys, flags, "retry a failed request", "hybrid")
    settings = Settings(index_dir=tmp_path / "index", store=store, model="fake")
    with serve_app(create_app(settings, workers=2)) as url:
        found = httpx.post(f"{url}/search", json={"query": "retry a failed request", "k": 8}).json()
        assert [(h["path"], h["qualified_name"], h["start_line"]) for h in found["hits"]] == want
        status = httpx.get(f"{url}/status").json()
        assert (status["generation"], status["index_dir"]) == (
            1,
            f"milvus-lite:{tmp_path / 'lite' / 'milvus.db'}",
        )
        top = found["hits"][0]
        symbol = httpx.get(f"{url}/symbols/{top['repo']}/{top['path']}:{top['start_line']}")
        assert symbol.status_code == 200 and symbol.json()["qualified_name"] == top["qualified_name"]


def test_git_hooks_reindex_into_the_milvus_store_they_were_installed_for(
    git_repo: Any, tmp_path: Path, uri_of: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = git_repo("shop")
    store = uri_of("milvus-lite")
    flags = ["--index", str(tmp_path / "index"), "--store", store, "--model", "fake"]
    assert cli(capsys, *flags, "index", str(repo.root))[0] == ExitCode.OK
    repo.write("src/net/retry.py", EDITED_RETRY)
    repo.commit("replace retry with a circuit breaker")  # before the install: no background run races ours
    assert cli(capsys, *flags, "hook", "install", "--repo", str(repo.root))[0] == ExitCode.OK
    assert f"--store {store}" in (repo.root / ".git" / "hooks" / "post-commit").read_text()
    # what the installed hook runs after a commit, in the foreground
    assert cli(capsys, *flags, "hook", "run", "--repo", str(repo.root))[0] == ExitCode.OK
    assert hits(capsys, flags, "circuit_breaker_open", "hybrid")[0][1] == "circuit_breaker_open"


def test_the_tui_backend_searches_summarises_and_reindexes_a_milvus_store(
    git_repo: Any, tmp_path: Path, uri_of: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from codesearch.settings import Settings
    from tui.backend import Filters, LocalBackend

    repo = git_repo("shop")
    store = uri_of("milvus-lite")
    flags = ["--index", str(tmp_path / "index"), "--store", store, "--model", "fake"]
    assert cli(capsys, *flags, "index", str(repo.root))[0] == ExitCode.OK
    backend = LocalBackend(Settings(index_dir=tmp_path / "index", store=store, model="fake"))
    answer = backend.search("retry a failed request", Filters(), 8)
    assert [(h.path, h.qualified_name, h.start_line) for h in answer.hits] == hits(
        capsys, flags, "retry a failed request", "hybrid"
    )
    summary = backend.summary()
    assert (summary.generation, summary.repos, summary.model) == (1, ["shop"], "fake")
    repo.write("src/net/retry.py", EDITED_RETRY)
    assert "generation 2" in backend.reindex(lambda stage, done, total: None)
    assert (
        backend.search("circuit_breaker_open", Filters(), 3).hits[0].qualified_name == "circuit_breaker_open"
    )


def test_mcp_tools_answer_from_milvus(
    git_repo: Any, tmp_path: Path, uri_of: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio
    import os
    import sys

    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    repo = git_repo("shop")
    store = uri_of("milvus-server")  # milvus-lite opens its file in one process at a time
    flags = ["--index", str(tmp_path / "index"), "--store", store, "--model", "fake"]
    assert cli(capsys, *flags, "index", str(repo.root))[0] == ExitCode.OK
    want = hits(capsys, flags, "retry a failed request", "hybrid")[:3]
    calls = [
        ("search_code", {"query": "retry a failed request", "k": 3}),
        ("index_status", {}),
        ("get_symbol", {"ref": f"shop/{want[0][0]}:{want[0][2]}"}),
    ]

    async def session_calls() -> list[Any]:
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "codesearch.cli", *flags, "mcp"],
            env={"PYTHONPATH": os.environ["PYTHONPATH"]},
        )
        with open(tmp_path / "mcp.err", "w") as errlog:  # pytest's captured stderr has no file descriptor
            async with stdio_client(params, errlog) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                return [await session.call_tool(name, arguments) for name, arguments in calls]

    results = asyncio.run(asyncio.wait_for(session_calls(), timeout=120))
    assert not any(r.is_error for r in results), [r.content for r in results]
    found, status, symbol = (r.structured_content or json.loads(r.content[0].text) for r in results)
    assert [(h["path"], h["qualified_name"], h["start_line"]) for h in found["hits"]] == want
    assert (status["generation"], status["repos"][0]["name"]) == (1, "shop")
    assert symbol["qualified_name"] == want[0][1]


def test_an_unreachable_milvus_is_one_line_and_exit_code_10(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = main(["--index", str(tmp_path / "index"), "--store", f"milvus://127.0.0.1:{port}", "status"])
    err = capsys.readouterr().err
    assert code == ExitCode.STORE_UNAVAILABLE == 10
    assert err.count("\n") == 1 and f"127.0.0.1:{port}" in err and err.startswith("codesearch: error:")


@pytest.mark.parametrize("kind", ["milvus-server", "milvus-lite"])
def test_forget_takes_one_repository_out_of_the_milvus_store(
    kind: str, git_repo: Any, tmp_path: Path, uri_of: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = git_repo("shop")
    other = git_repo("other", {"lib/geometry.py": 'def polygon_area(points):\n    """Shoelace formula."""\n'})
    milvus = ["--index", str(tmp_path / "index"), "--store", uri_of(kind), "--model", "fake"]
    assert cli(capsys, *milvus, "index", str(shop.root), str(other.root))[0] == ExitCode.OK
    assert "polygon_area" in [name for _, name, _ in hits(capsys, milvus, "polygon_area", "dense")]

    code, report = cli(capsys, *milvus, "forget", "other", "--json")
    assert code == ExitCode.OK and report["repo"] == "other" and report["documents"] > 0
    # gone from Milvus itself, not only from this machine's tables
    assert "polygon_area" not in [name for _, name, _ in hits(capsys, milvus, "polygon_area", "dense")]
    code, status = cli(capsys, *milvus, "status", "--json")
    assert code == ExitCode.OK and [r["name"] for r in status["repos"]] == ["shop"]
    assert status["generation"] == report["generation"]
    assert hits(capsys, milvus, "retry_with_backoff", "hybrid")[0][1] == "retry_with_backoff"  # shop stays


def test_a_store_embedded_another_way_is_refused_with_the_rebuild_that_embeds_it_again(
    git_repo: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A local index another version embedded another way is embedded again by a reindex (tests/codesearch/
    test_embedded_another_way.py); a Milvus store keeps its vectors there, so the reindex says how to embed
    it again instead of sending only what changed beside vectors of the old way."""
    from codesearch.embedding.fake import HashEmbedder

    repo = git_repo("shop")
    milvus = [
        "--index",
        str(tmp_path / "index"),
        "--store",
        f"milvus-lite:{tmp_path / 'lite'}",
        "--model",
        "fake",
    ]
    assert cli(capsys, *milvus, "index", str(repo.root))[0] == ExitCode.OK
    monkeypatch.setattr(HashEmbedder, "revision", "2")  # the next version of codesearch
    code = main([*milvus, "index", str(repo.root)])
    assert code == ExitCode.MODEL_MISMATCH
    err = capsys.readouterr().err
    assert "embedded by another version of codesearch's fake" in err
    assert f"codesearch index --rebuild {repo.root}" in err
    code, out = cli(capsys, *milvus, "index", "--rebuild", str(repo.root), "--json")
    assert code == ExitCode.OK and out["documents"] > 0
    assert hits(capsys, milvus, "retry_with_backoff", "dense")  # searched with the new way's vectors
