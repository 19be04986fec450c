"""The stdio transport of ``codesearch mcp``: the MCP SDK's ``stdio_server``, with every request line answered.

The SDK drops a line it cannot read as a JSON-RPC message (logged at debug level only), so a client that
sent one waits for ever. Here each line is screened first: one that is not JSON is answered with a parse
error (id null, as JSON-RPC 2.0 says), one that is not a JSON-RPC message with an invalid-request error, and
a request that holds a lone surrogate (JSON can escape one, UTF-8 text cannot hold one) with a tool error (a
``tools/call``) or an invalid-params error. The rest go to the SDK as they are. stdout carries nothing else.
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import IO, Any, cast

import anyio
import mcp_types
from mcp.server.mcpserver import MCPServer
from mcp.server.stdio import stdio_server
from pydantic import ValidationError

log = logging.getLogger(__name__)


class _LineWriter:
    """stdout for the SDK's writer and for the screen's answers: one whole line per write, never two mixed."""

    def __init__(self, wire: IO[str]) -> None:
        self._wire = wire
        self._lock = threading.Lock()

    def _write_line(self, text: str) -> None:
        with self._lock:
            self._wire.write(text)
            self._wire.flush()

    async def write(self, text: str) -> None:
        await anyio.to_thread.run_sync(self._write_line, text)

    async def flush(self) -> None:
        """Each write flushed already (the SDK's writer calls this after each)."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _error(id_: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": id_, "error": {"code": code, "message": message}}


def _request_id(message: Any) -> int | str | None:
    """The id of a request, None when ``message`` is no request (a notification, a response, garbage)."""
    if not isinstance(message, dict) or "method" not in message:
        return None
    id_ = message.get("id")
    return id_ if isinstance(id_, int | str) and not isinstance(id_, bool) else None


def _lone_surrogate(value: Any, where: str) -> tuple[str, str] | None:
    """(where, the surrogate) of the first string in ``value`` that holds a lone surrogate, else None."""
    if isinstance(value, str):
        for char in value:
            if "\ud800" <= char <= "\udfff":
                return where, char
        return None
    if isinstance(value, dict):
        items: Iterator[tuple[Any, Any]] = iter(value.items())
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _lone_surrogate(key, where) or _lone_surrogate(item, f"{where}.{key}" if where else str(key))
        if found is not None:
            return found
    return None


def screen_line(line: str) -> tuple[bool, dict[str, Any] | None]:
    """Whether ``line`` goes on to the SDK, and else the answer it gets (None: nothing to answer, such as a
    blank line or a response the client got wrong)."""
    if not line.strip():
        return False, None
    try:
        message = json.loads(line, parse_constant=_reject_constant)
    except ValueError as exc:
        log.warning("a line on stdin is not JSON (%s): answered with a parse error", exc)
        return False, _error(None, mcp_types.PARSE_ERROR, f"Parse error: the line is not JSON ({exc})")
    id_ = _request_id(message)
    found = _lone_surrogate(message, "")
    if found is not None:
        where, char = found
        name = where.removeprefix("params.arguments.")
        text = (
            f"{'the argument ' + name if name != where else where or 'the message'} is not valid Unicode: it "
            f"holds a lone surrogate (\\u{ord(char):04x}), which no UTF-8 text can hold"
        )
        if id_ is None:
            log.warning("a message on stdin that is no request is not valid Unicode (%s): dropped", where)
            return False, None
        log.warning("request %r: %s", id_, text)
        if isinstance(message, dict) and message.get("method") == "tools/call":
            result = {"content": [{"type": "text", "text": text}], "isError": True}
            return False, {"jsonrpc": "2.0", "id": id_, "result": result}
        return False, _error(id_, mcp_types.INVALID_PARAMS, f"Invalid params: {text}")
    try:
        mcp_types.jsonrpc_message_adapter.validate_python(message, by_name=False)
    except ValidationError:
        if (
            isinstance(message, dict)
            and "method" not in message
            and ("result" in message or "error" in message)
        ):
            log.warning("a response on stdin is not a JSON-RPC response: dropped")
            return False, None
        log.warning(
            "a line on stdin is JSON but not a JSON-RPC message: answered with an invalid-request error"
        )
        return False, _error(id_, mcp_types.INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 message")
    return True, None


async def _screened(lines: anyio.AsyncFile[str], out: _LineWriter) -> AsyncIterator[str]:
    """The lines the SDK can read; every other line answered here (``screen_line``)."""
    async for line in lines:
        passes, answer = screen_line(line)
        if passes:
            yield line
        elif answer is not None:
            await out.write(json.dumps(answer) + "\n")


@contextmanager
def _wire() -> Iterator[tuple[IO[bytes], IO[bytes]]]:
    """stdin and stdout for the protocol alone: meanwhile fd 0 reads the null device and fd 1 writes to
    stderr, so that a child process or a stray print neither takes nor breaks a message (as the SDK's own
    ``stdio_server`` does); both are put back after."""
    sys.stdout.flush()
    wire_in, wire_out = os.dup(0), os.dup(1)  # not inherited by children
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        os.dup2(null, 0)
        os.dup2(2, 1)
    finally:
        os.close(null)
    try:
        with (
            os.fdopen(wire_in, "rb", closefd=False) as stdin,
            os.fdopen(wire_out, "wb", closefd=False) as stdout,
        ):
            yield stdin, stdout
    finally:
        os.dup2(wire_in, 0)
        os.dup2(wire_out, 1)
        os.close(wire_in)
        os.close(wire_out)


def run_stdio(server: MCPServer[Any]) -> None:
    """Serve ``server`` on stdin/stdout until the client closes stdin."""

    async def serve() -> None:
        with _wire() as (stdin, stdout):
            # UTF-8 whatever the locale says, undecodable bytes replaced (as the SDK reads them)
            lines = anyio.wrap_file(io.TextIOWrapper(stdin, encoding="utf-8", errors="replace"))
            out = _LineWriter(io.TextIOWrapper(stdout, encoding="utf-8"))
            # the SDK iterates stdin and awaits stdout.write/flush: the screened lines and the line writer do
            async with stdio_server(cast(Any, _screened(lines, out)), cast(Any, out)) as (read, write):
                lowlevel = server._lowlevel_server  # what MCPServer.run_stdio_async runs over its own stdio
                await lowlevel.run(read, write, lowlevel.create_initialization_options())

    anyio.run(serve)
