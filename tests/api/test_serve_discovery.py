"""A CLI search finds a `codesearch serve` running on its index and asks it; `serve` on a busy port fails
before it claims to serve. Real `codesearch serve` subprocesses on 127.0.0.1, the real bundled model."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from codesearch.api.listen import bind_listener
from codesearch.errors import AddressInUseError, ExitCode
from codesearch.serve_discovery import (
    discovery_path,
    read_discovery,
    search_via_server,
    write_discovery,
)
from codesearch.settings import load_settings

QUERY = "hash a password with a salt"


def _cli_json(index_dir, capsys, *extra: str) -> dict:
    from codesearch.cli import main

    assert main(["search", QUERY, "--index", str(index_dir), "--json", "-k", "5", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def _ranked(result: dict) -> list[tuple[int, str, int]]:
    return [(h["rank"], h["path"], h["start_line"]) for h in result["hits"]]


def test_a_cli_search_is_answered_by_the_server_running_on_its_index(
    api_index, cli_server, capsys, monkeypatch
) -> None:
    local = _cli_json(api_index.index_dir, capsys)
    with cli_server(api_index.index_dir) as url:
        found = read_discovery(api_index.index_dir)
        assert found is not None and f":{found['port']}" in url and found["token_required"] is False

        from codesearch import assembly

        def no_local_search(*args: object, **kwargs: object) -> None:
            raise AssertionError("searched locally although a server runs on this index")

        monkeypatch.setattr(assembly, "open_searcher", no_local_search)
        served = _cli_json(api_index.index_dir, capsys)
        from codesearch.cli import main

        # the text output prints served hits too
        assert main(["search", QUERY, "--index", str(api_index.index_dir), "-k", "2"]) == 0
        assert "hash_password" in capsys.readouterr().out
    assert _ranked(served) == _ranked(local) and served["hits"]
    for mine, theirs in zip(local["hits"], served["hits"], strict=True):
        assert theirs["score"] == pytest.approx(mine["score"], abs=1e-4)
        assert theirs["snippet"] == mine["snippet"]
    assert not discovery_path(api_index.index_dir).exists()  # gone with the server


def test_a_dead_servers_file_means_a_local_search(api_index, capsys, tmp_path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    settings = load_settings({"index_dir": str(api_index.index_dir)})
    write_discovery(api_index.index_dir, "127.0.0.1", 9, token_required=False)
    path = discovery_path(api_index.index_dir)
    try:
        path.write_text(json.dumps({"host": "127.0.0.1", "port": 9, "pid": int(dead.stdout)}))
        assert search_via_server(settings, {"query": QUERY}) is None
        assert _cli_json(api_index.index_dir, capsys)["hits"]
        # alive pid (this one) but nothing listens there: still local, no error
        write_discovery(api_index.index_dir, "127.0.0.1", _closed_port(), token_required=False)
        assert search_via_server(settings, {"query": QUERY}) is None
        path.write_text("{not json")
        assert search_via_server(settings, {"query": QUERY}) is None
    finally:
        path.unlink(missing_ok=True)


def test_a_server_that_wants_a_token_is_asked_only_with_one(api_index, cli_server, cli_environ) -> None:
    with cli_server(api_index.index_dir, env=cli_environ(CODESEARCH_TOKEN="s3cret-token-for-tests")):
        found = read_discovery(api_index.index_dir)
        assert found is not None and found["token_required"] is True
        assert "s3cret" not in discovery_path(api_index.index_dir).read_text()
        without = load_settings({"index_dir": str(api_index.index_dir)})
        assert search_via_server(without, {"query": QUERY, "k": 3}) is None
        with_token = load_settings({"index_dir": str(api_index.index_dir), "token": "s3cret-token-for-tests"})
        served = search_via_server(with_token, {"query": QUERY, "k": 3})
        assert served is not None and [h.name for h in served.hits][0] == "hash_password"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_on_a_host_name_that_does_not_resolve_says_so(tmp_path, cli_environ) -> None:
    """Not the busy port's hint ("another program holds it? choose one with --port"): the host is wrong."""
    proc = subprocess.run(
        [sys.executable, "-m", "codesearch.cli", "serve", "--index", str(tmp_path), "--model", "none"]
        + ["--host", "nonsense.invalid", "--token", "t" * 20],
        env=cli_environ(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == ExitCode.ADDRESS_IN_USE, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("codesearch: error: cannot listen on nonsense.invalid:")
    assert "does not resolve" in lines[0] and "--host" in lines[0] and "--port" not in lines[0]


def test_binding_an_address_of_another_machine_says_so() -> None:
    try:  # TEST-NET-1 (RFC 5737): on no machine's interfaces
        bind_listener("192.0.2.1", 0).close()
    except AddressInUseError as exc:
        said = str(exc)
    else:
        pytest.skip("this machine binds addresses it does not have (net.ipv4.ip_nonlocal_bind)")
    assert said.startswith("cannot listen on 192.0.2.1:0: ")
    assert "not an address of this machine" in said and "--host" in said and "--port" not in said


def test_serve_on_a_busy_port_says_so_before_it_claims_to_serve(api_index, cli_environ) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "codesearch.cli", "serve", "--index", str(api_index.index_dir)]
            + ["--port", str(port), "--model", "none"],
            env=cli_environ(),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == ExitCode.ADDRESS_IN_USE, proc.stderr
    assert "serving" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0] and "--port" in lines[0]
    assert os.path.exists(api_index.index_dir) and read_discovery(api_index.index_dir) is None
