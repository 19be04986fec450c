"""``codesearch mcp``: the MCP tools on stdio for coding agents."""

from __future__ import annotations

import argparse
from typing import Any

from codesearch.errors import ConfigError, ExitCode
from codesearch.settings import Settings


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("mcp", parents=[common], help="serve the MCP tools on stdio (for coding agents)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the MCP tools on stdin/stdout until the client closes them."""
    try:
        from codesearch.mcp_server import build_server
        from codesearch.mcp_stdio import run_stdio
    except ImportError as exc:
        raise ConfigError(
            f"codesearch mcp needs the mcp package ({exc}): pip install 'codesearch[mcp]'"
        ) from None
    run_stdio(build_server(settings, args.model))  # --model: the user's choice, else the index's
    return ExitCode.OK
