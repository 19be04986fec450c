"""Writing a Milvus store run after run, and from several indexing processes at once.

An incremental run writes into the live collection (a new collection is only for the first run, a model
change, ``--rebuild`` or a writer repairing what a killed run left); two ``codesearch index`` processes
with different repository lists (two indexing machines) write one collection of the 2.3.5 server with
document ids that never collide, and neither loses the other's commits. milvus-lite opens its file in one
process at a time, so the two-writer test runs on the server only.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
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


def _index_process(index_dir: Path, uri: str, clones: Path) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-m",
        "codesearch.cli",
        "--index",
        str(index_dir),
        "--store",
        uri,
        "--model",
        "fake",
    ]
    command += ["index", "--clones", str(clones), "--json"]
    return subprocess.Popen(
        command, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _status(capsys: pytest.CaptureFixture[str], flags: list[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main([*flags, "status", "--json"]) == ExitCode.OK
    return dict(json.loads(capsys.readouterr().out))


def _writer_number(index_dir: Path, uri: str) -> tuple[int, str]:
    tables = Settings(index_dir=index_dir, store=uri).store_dir / "meta.sqlite"
    with sqlite3.connect(tables) as db:
        number, token = db.execute("SELECT value FROM meta WHERE key='milvus_writer'").fetchone()[0].split()
    return int(number), token


def _names(capsys: pytest.CaptureFixture[str], flags: list[str], query: list[str]) -> list[str]:
    capsys.readouterr()
    assert main([*flags, "search", *query]) == ExitCode.OK
    return [h["name"] for h in json.loads(capsys.readouterr().out)["hits"]]


@pytest.mark.parametrize("kind", ["milvus-server", "milvus-lite"])
def test_two_indexing_machines_write_one_store(
    kind: str, build_git_repo: Any, tmp_path: Path, store_uri: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two machines (two processes, each its own --index folder) index different repositories into one
    collection (at once on the server; one after the other on milvus-lite, which one process opens at a
    time): every document of both is there under its own id, a reader sees every repository and the
    generation counts every commit; a killed writer's uncommitted documents are not found; a later
    incremental run of one and a repair of the other keep each other's documents; --rebuild is refused."""
    uri, n = store_uri(kind), 3
    for i in range(2 * n):
        build_git_repo(tmp_path / "clones" / ("a" if i < n else "b") / f"repo{i}", _files(i))
    machines = [tmp_path / "machine-a", tmp_path / "machine-b"]
    outcomes, codes = [], []
    if kind == "milvus-server":
        runs = [_index_process(m, uri, tmp_path / "clones" / c) for m, c in zip(machines, "ab", strict=True)]
        outcomes = [run.communicate(timeout=300) for run in runs]
        codes = [run.returncode for run in runs]
    else:
        for m, c in zip(machines, "ab", strict=True):
            run = _index_process(m, uri, tmp_path / "clones" / c)
            outcomes.append(run.communicate(timeout=300))
            codes.append(run.returncode)
    assert codes == [0, 0], [err for _, err in outcomes]
    summaries = [json.loads(out) for out, _ in outcomes]
    documents = sum(r["documents"] for s in summaries for r in s["repositories"])
    numbers = [_writer_number(m, uri)[0] for m in machines]
    assert sorted(numbers) == [0, 1]

    from indexer.milvus import MilvusStore
    from indexer.milvus.rows import StoredDocument
    from indexer.milvus.writers import ID_SPAN, Writer

    store = MilvusStore(uri, lexical_dir=tmp_path / "probe")
    try:
        state = store.refresh()
        assert state is not None and store.count() == documents  # no id shared: nothing overwritten
        ids = [int(r["id"]) for r in store._query(state["collection"], "", ["id"])]
        assert sorted({i // ID_SPAN for i in ids}) == [0, 1]  # two writers, two id ranges
    finally:
        store.close()
    reader = ["--index", str(tmp_path / "reader"), "--store", uri, "--model", "fake"]
    status = _status(capsys, reader)
    assert sorted(r["name"] for r in status["repos"]) == [f"repo{i}" for i in range(2 * n)]
    assert status["generation"] == 2 * n and status["documents"] == documents  # one per repository committed
    for i in range(2 * n):  # dense: on 2.3 the lexical side is each machine's own FTS5 sidecar
        query = [f"unique_function_{i}", "--json", "--mode", "dense", "-k", "3", "--repo", f"repo{i}"]
        assert f"unique_function_{i}" in _names(capsys, reader, query)

    # machine b killed mid-run: documents sent into the live collection, no commit. Readers don't find them
    number_b, token_b = _writer_number(machines[1], uri)
    writer_b = Writer(number_b, token_b)
    store = MilvusStore(uri, lexical_dir=tmp_path / "killed")
    try:
        state = store.refresh()
        assert state is not None
        store.begin(model=state["model"], fingerprint=state["fingerprint"], dim=state["dim"], writer=writer_b)
        partial = StoredDocument(
            id=number_b * ID_SPAN + 10_000, repo=f"repo{n}", root="/nowhere", path="pkg/partial.py",
            language="python", kind="function", name="partial_function", qualified_name="partial_function",
            signature="def partial_function()", doc="", code="def partial_function(): pass",
            start_line=1, end_line=1, content_hash="partial", size=1, mtime_ns=1,
            lexical="partial_function\tpkg/partial.py\t\tpartial_function",
        )  # fmt: skip
        vector = np.ones((1, int(state["dim"])), dtype=np.float32) / np.sqrt(int(state["dim"]))
        store.upsert([partial], vector)
        assert store.count() == documents + 1  # it is in the collection ...
    finally:
        store.close()
    dense = ["partial_function", "--json", "--mode", "dense", "-k", "50"]
    assert "partial_function" not in _names(capsys, reader, dense)  # ... and no reader finds it
    if kind == "milvus-lite":  # BM25 in the engine: the lexical side keeps to the committed ranges too
        lexical = ["partial_function", "--json", "--mode", "lexical", "-k", "50"]
        assert "partial_function" not in _names(capsys, reader, lexical)

    # machine a: an edit, incrementally; machine b: a repair of what its killed run left
    edited = tmp_path / "clones" / "a" / "repo0"
    (edited / "pkg" / "extra0.py").unlink()
    subprocess.run(["git", "-C", str(edited), "commit", "-qam", "drop extra"], check=True)
    flags_a = ["--index", str(machines[0]), "--store", uri, "--model", "fake"]
    flags_b = ["--index", str(machines[1]), "--store", uri, "--model", "fake"]
    assert main([*flags_a, "index", "--clones", str(tmp_path / "clones" / "a")]) == ExitCode.OK
    tables_b = Settings(index_dir=machines[1], store=uri).store_dir / "meta.sqlite"
    with sqlite3.connect(tables_b) as db:
        db.execute("UPDATE meta SET value='-1' WHERE key='generation'")  # written, never sent
    assert main([*flags_b, "index", "--clones", str(tmp_path / "clones" / "b")]) == ExitCode.OK
    after = _status(capsys, reader)
    assert after["documents"] == documents - 2  # the class and its method went; b's documents all stayed
    assert after["generation"] == 2 * n + 2 and len(after["repos"]) == 2 * n
    for i in range(2 * n):
        query = [f"unique_function_{i}", "--json", "--mode", "dense", "-k", "3", "--repo", f"repo{i}"]
        assert f"unique_function_{i}" in _names(capsys, reader, query)
    capsys.readouterr()
    assert (
        main([*flags_b, "index", "--rebuild", "--clones", str(tmp_path / "clones" / "b")]) == ExitCode.USAGE
    )
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("codesearch: error:")]
    assert len(errors) == 1 and f"other indexing machines (writer/{numbers[0]})" in errors[0]


def test_a_writer_opening_the_store_while_another_creates_it_waits_for_its_index(
    store_uri: Any, tmp_path: Path
) -> None:
    """The window two indexing machines raced through (a CI run failed on it once): one writer has created
    the store's pointer collection and not yet its index when the other opens the store and loads it
    ("index not found"); the second waits for the index instead of failing."""
    import threading
    import time

    from indexer.milvus import collection as schema
    from indexer.milvus.store import MilvusStore

    uri = store_uri("milvus-server")
    creator = MilvusStore(uri.rsplit("/", 1)[0] + "/unused_probe")  # a client on the same server
    client = creator.client
    meta = uri.rsplit("/", 1)[1] + "_meta"
    client.create_collection(meta, schema=schema.meta_schema())  # the collection, no index yet

    def add_the_index_a_moment_later() -> None:
        time.sleep(1.0)
        params = client.prepare_index_params()
        params.add_index("unused", index_type="FLAT", metric_type="L2")
        client.create_index(meta, params)

    later = threading.Thread(target=add_the_index_a_moment_later)
    later.start()
    try:
        store = MilvusStore(uri)  # loads the pointer collection: fails with "index not found" until then
        assert store.refresh() is None  # opened: an empty store, nothing committed yet
        store.close()
    finally:
        later.join()
        creator.close()
