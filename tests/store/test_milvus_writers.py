"""Writing a Milvus store run after run, and from several indexing processes at once.

An incremental run writes into the live collection (a new collection is only for the first run, a model
change, ``--rebuild`` or a writer repairing what a killed run left); two ``codesearch index`` processes
with different repository lists (two indexing machines) write one collection of the 2.3.5 server with
document ids that never collide, and neither loses the other's commits. milvus-lite opens its file in one
process at a time, so the two-writer test runs on the server only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codesearch import assembly
from codesearch.cli import main
from codesearch.errors import ExitCode
from codesearch.settings import Settings

pytestmark = pytest.mark.milvus


def _files(i: int) -> dict[str, str]:
    return {
        f"pkg/mod{i}.py": f"def unique_function_{i}(x):\n    '''Return x plus {i}.'''\n    return x + {i}\n",
        f"pkg/extra{i}.py": f"class Holder{i}:\n    def value_{i}(self):\n        return {i}\n",
    }


@pytest.fixture
def store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    def uri(kind: str) -> str:
        if kind == "milvus-lite":
            return f"milvus-lite:{tmp_path / 'lite'}"
        return f"{request.getfixturevalue('milvus_server')}/w_{abs(hash(request.node.nodeid)) % 10**8}"

    return uri


def _collection(index_dir: Path, uri: str) -> str:
    store = assembly.open_store(Settings(index_dir=index_dir, store=uri))
    assert store is not None
    state = store.refresh()
    assert state is not None
    return str(state["collection"])


@pytest.mark.parametrize("kind", ["milvus-server", "milvus-lite"])
def test_an_incremental_run_writes_into_the_live_collection(
    kind: str, build_git_repo: Any, tmp_path: Path, store_uri: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    uri, index_dir = store_uri(kind), tmp_path / "index"
    flags = ["--index", str(index_dir), "--store", uri, "--model", "fake"]
    first, second = (build_git_repo(tmp_path / f"repo{i}", _files(i)).root for i in (1, 2))
    assert main([*flags, "index", str(first)]) == ExitCode.OK
    collection = _collection(index_dir, uri)
    assert main([*flags, "index", str(second)]) == ExitCode.OK
    assert _collection(index_dir, uri) == collection  # not refilled into a new one
    capsys.readouterr()
    assert main([*flags, "status", "--json"]) == ExitCode.OK
    status = json.loads(capsys.readouterr().out)
    assert status["generation"] == 2 and {r["name"] for r in status["repos"]} == {"repo1", "repo2"}
    for i in (1, 2):
        assert main([*flags, "search", f"unique_function_{i}", "--json", "--mode", "lexical", "-k", "1"]) == 0
        assert json.loads(capsys.readouterr().out)["hits"][0]["name"] == f"unique_function_{i}"
    assert main([*flags, "forget", "repo1"]) == ExitCode.OK
    assert _collection(index_dir, uri) == collection  # the repository's ids deleted, nothing refilled
    capsys.readouterr()
    assert main([*flags, "search", "unique_function_1", "--json", "--mode", "lexical", "-k", "1"]) == 0
    assert all(h["repo"] != "repo1" for h in json.loads(capsys.readouterr().out)["hits"])
