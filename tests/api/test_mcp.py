"""``codesearch mcp`` driven by the MCP SDK's own client over stdio (a real subprocess, the real model)."""

from __future__ import annotations

import asyncio
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

ROOT = Path(__file__).resolve().parents[2]


async def _session_calls(
    index_dir: Path, calls: list[tuple[str, dict[str, Any]]]
) -> tuple[list[str], list[Any]]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "codesearch.cli", "mcp", "--index", str(index_dir)],
        env={"PYTHONPATH": str(ROOT)},
        cwd=str(ROOT),
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        tools = [tool.name for tool in (await session.list_tools()).tools]
        results = [await session.call_tool(name, arguments) for name, arguments in calls]
    return tools, results


def _payload(result: Any) -> Any:
    assert not result.is_error, result.content
    if result.structured_content is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


def test_mcp_tools_over_stdio_with_the_sdk_client(api_index) -> None:
    calls = [
        ("search_code", {"query": "merge environment variables over a config file", "k": 3}),
        ("search_code", {"query": "hash", "lang": "python", "path": "src/auth/*", "mode": "lexical"}),
        ("index_status", {}),
        ("get_symbol", {"ref": "shop/src/net/retry.py:7"}),
        ("search_code", {"query": "retry", "k": 0}),
        ("get_symbol", {"ref": "shop/../../etc/passwd:1"}),
        ("search_code", {"query": "hash", "lang": "py", "kind": "fn", "mode": "lexical"}),
        ("search_code", {"query": "hash", "repo": "no-such-repo"}),
    ]
    tools, results = asyncio.run(asyncio.wait_for(_session_calls(api_index.index_dir, calls), timeout=120))
    assert sorted(tools) == ["get_symbol", "index_status", "search_code"]

    found = _payload(results[0])
    assert set(found) == {"query", "took_ms", "hits"} and found["hits"][0]["name"] == "LoadConfig"
    filtered = _payload(results[1])
    assert filtered["hits"] and {h["path"] for h in filtered["hits"]} == {"src/auth/tokens.py"}
    status = _payload(results[2])
    assert status["model"] == "use" and status["repos"][0]["name"] == "shop" and status["documents"] > 0
    symbol = _payload(results[3])
    assert symbol["qualified_name"] == "retry_with_backoff" and "time.sleep(delay)" in symbol["code"]

    bad_k, outside = results[4], results[5]
    assert bad_k.is_error and "k must be between 1 and 100" in bad_k.content[0].text
    assert outside.is_error and "root:" not in outside.content[0].text
    assert "no indexed symbol" in outside.content[0].text or "not inside" in outside.content[0].text
    aliased, unknown_repo = _payload(results[6]), results[7]
    assert aliased["hits"] and {h["language"] for h in aliased["hits"]} == {"python"}
    assert unknown_repo.is_error and "valid values: shop" in unknown_repo.content[0].text


class _RawStdioServer:
    """``codesearch mcp`` in a subprocess, spoken to line by line (what a client that sends bad lines sees)."""

    def __init__(self, index_dir: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "codesearch.cli", "mcp", "--index", str(index_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join((str(ROOT), os.environ.get("PYTHONPATH", "")))},
            cwd=str(ROOT),
        )
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.stderr = bytearray()
        threading.Thread(target=self._read, daemon=True).start()
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr += line

    def send(self, line: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + b"\n")
        self.proc.stdin.flush()

    def request(self, id_: int, method: str, params: dict[str, Any]) -> None:
        self.send(json.dumps({"jsonrpc": "2.0", "id": id_, "method": method, "params": params}).encode())

    def answer(self, timeout: float = 120) -> dict[str, Any]:
        """The next line on stdout, which must be one JSON-RPC message (a generous safety timeout)."""
        line = self.lines.get(timeout=timeout)
        assert line is not None, "the server closed stdout"
        message = json.loads(line)
        assert message["jsonrpc"] == "2.0"
        return dict(message)

    def initialize(self) -> None:
        self.request(
            0,
            "initialize",
            {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "0"},
            },
        )
        assert self.answer()["id"] == 0
        self.send(b'{"jsonrpc":"2.0","method":"notifications/initialized"}')

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=60)
            self._stderr_reader.join(timeout=60)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def test_mcp_answers_every_request_line_even_one_that_is_not_json_or_not_unicode(api_index) -> None:
    server = _RawStdioServer(api_index.index_dir)
    try:
        server.initialize()
        server.send(b'{"jsonrpc":"2.0","id":101,"method":')  # cut short: not JSON
        parse_error = server.answer()
        assert parse_error["id"] is None and parse_error["error"]["code"] == -32700

        # JSON may escape a lone surrogate, which no UTF-8 text holds
        server.send(
            b'{"jsonrpc":"2.0","id":7,"method":"tools/call",'
            b'"params":{"name":"search_code","arguments":{"query":"parse \\udc80 value","k":1}}}'
        )
        surrogate = server.answer()
        assert surrogate["id"] == 7 and surrogate["result"]["isError"] is True
        assert "not valid Unicode" in surrogate["result"]["content"][0]["text"]

        server.request(8, "tools/call", {"name": "index_status", "arguments": {}})  # still serving
        status = server.answer()
        assert status["id"] == 8 and not status["result"].get("isError")
    finally:
        server.close()
    assert b"not JSON" in server.stderr  # said without --debug


def _cli(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "codesearch.cli", *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join((str(ROOT), os.environ.get("PYTHONPATH", "")))}


async def _calls_around_a_rebuild(index_dir: Path, rebuild: list[str], *server_flags: str) -> list[Any]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "codesearch.cli", "mcp", "--index", str(index_dir), *server_flags],
        env=_env(),
        cwd=str(ROOT),
    )
    query = {"query": "retry with backoff", "k": 3}
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        before = await session.call_tool("search_code", query)
        await asyncio.to_thread(_cli, "--index", str(index_dir), "index", "--rebuild", *rebuild)
        return [
            before,
            await session.call_tool("search_code", query),
            await session.call_tool("index_status", {}),
        ]


def test_mcp_server_follows_the_index_to_another_model_unless_given_one(
    tmp_path: Path, build_git_repo, sample_files
) -> None:
    repo = build_git_repo(tmp_path / "shop", sample_files)
    index_dir = tmp_path / "index"
    _cli("--index", str(index_dir), "index", "--model", "fake", str(repo.root))
    results = asyncio.run(
        asyncio.wait_for(_calls_around_a_rebuild(index_dir, ["--model", "use", str(repo.root)]), timeout=300)
    )
    before, after, status = (_payload(result) for result in results)
    assert before["hits"] and after["hits"][0]["name"] == "retry_with_backoff"
    assert status["model"] == "use"

    # a server told which model to search with says the index no longer has it
    results = asyncio.run(
        asyncio.wait_for(
            _calls_around_a_rebuild(index_dir, ["--model", "fake", str(repo.root)], "--model", "use"),
            timeout=300,
        )
    )
    assert _payload(results[0])["hits"]
    refused = results[1]
    assert refused.is_error and "built with model fake" in refused.content[0].text
