"""``codesearch mcp``: an MCP server on stdio for coding agents (Claude Code, Cursor, Continue).

Three tools over the same index as the CLI and the HTTP API: ``search_code`` (the JSON of
``codesearch search --json``), ``get_symbol`` (a symbol with its code as on disk now) and ``index_status``
(``codesearch status --json``). A codesearch error is a tool error with its one line; stdout carries
only the protocol (logs go to stderr).
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from codesearch.api.models import MAX_K, MAX_QUERY_CHARS
from codesearch.api.symbols import find_symbol
from codesearch.assembly import IndexSearcher, store_dir
from codesearch.errors import CodesearchError, ConfigError
from codesearch.filter_values import canonical_filters
from codesearch.settings import Settings

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "Semantic code search over the repositories indexed with `codesearch index`. Ask search_code in plain "
    "language (any human language) what the code does; get_symbol with a hit's `repo/path:start_line` "
    "returns the whole symbol as it is on disk now."
)


def _tool_errors(fn: Any) -> Any:
    """A codesearch error becomes a tool error that says what is wrong (not a generic crash)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CodesearchError as exc:
            raise ToolError(str(exc)) from None

    return wrapper


def build_server(settings: Settings, model: str | None = None) -> MCPServer[Any]:
    """The MCP server with its three tools over ``settings.index_dir``, searching with the index's own model
    (whichever a rebuild gave it) or, when the user named one, with ``model``."""
    server: MCPServer[Any] = MCPServer("codesearch", instructions=INSTRUCTIONS, log_level="WARNING")
    searcher = IndexSearcher(settings, model)

    def search_code(
        query: str,
        k: int = 10,
        lang: str | None = None,
        path: str | None = None,
        repo: str | None = None,
        kind: str | None = None,
        mode: Literal["hybrid", "dense", "lexical"] | None = None,
    ) -> dict[str, Any]:
        """Find code by what it does, in any human language. Returns ranked hits with repo, path,
        start_line/end_line, signature and a snippet. Filters: lang (python, go, ...), path (glob),
        repo, kind (function, method, class, ...); mode hybrid (default), dense or lexical."""
        if len(query) > MAX_QUERY_CHARS:
            raise ToolError(f"the query is {len(query)} characters long (at most {MAX_QUERY_CHARS})")
        if not 1 <= k <= MAX_K:
            raise ToolError(f"k must be between 1 and {MAX_K}, not {k}")
        opened = searcher.get()
        try:
            filters = canonical_filters(
                lang,
                path,
                repo,
                kind,
                lambda: [(r.name, r.root) for r in opened.index_status().repos],
                flag_prefix="",
            )
        except ConfigError as exc:
            raise ToolError(str(exc)) from None
        return opened.search(query, k=k, mode=mode or settings.mode, **filters).to_json()

    def get_symbol(ref: str) -> dict[str, Any]:
        """One indexed symbol with its full code as it is on disk now. `ref` is a hit's location,
        `repo/path:start_line`, or a document id."""
        searcher.get()  # a clear error when there is no index
        return find_symbol(store_dir(settings), ref)

    def index_status() -> dict[str, Any]:
        """What the index holds: repositories, files and symbols per language, model, generation."""
        return searcher.get().status()

    for tool in (search_code, get_symbol, index_status):
        server.tool()(_tool_errors(tool))
    return server
