"""``codesearch mcp`` driven by the MCP SDK's own client over stdio (a real subprocess, the real model)."""

from __future__ import annotations

import asyncio
import json
import sys
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
