"""``codesearch serve`` and ``codesearch mcp``: their options and bodies (heavy imports deferred)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys

from codesearch.errors import ConfigError, ExitCode
from codesearch.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_PORT = 8765


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the HTTP API on ``--host``/``--port`` until interrupted; model and index load first."""
    import uvicorn

    from codesearch.api.security import check_bind
    from codesearch.api.server import create_app

    if args.token:
        settings = dataclasses.replace(settings, token=args.token)
    if args.cors_origins:
        settings = dataclasses.replace(settings, cors_origins=tuple(args.cors_origins))
    check_bind(args.host, settings.token)
    if args.workers < 1 or args.threads < 1:
        raise ConfigError("--workers and --threads must be at least 1")
    _limit_threads(args.threads)
    # the model and the index load at startup, before the port answers
    app = create_app(settings, batch_window=args.batch_window_ms / 1000, workers=args.workers)
    print(
        f"codesearch: serving http://{args.host}:{args.port} (API docs at /docs)", file=sys.stderr, flush=True
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return ExitCode.OK


def _limit_threads(threads: int) -> None:
    """BLAS and OpenMP threads per search: parallelism comes from the workers, and threads that must meet
    at every product crawl when another process holds a core (benchmarks/RESULTS.md, use_threads.py)."""
    import faiss

    faiss.omp_set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # without it, BLAS keeps its own default
        return
    threadpool_limits(threads)


def cmd_mcp(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the MCP tools on stdin/stdout until the client closes them."""
    try:
        from codesearch.mcp_server import build_server
    except ImportError as exc:
        raise ConfigError(
            f"codesearch mcp needs the mcp package ({exc}): pip install 'codesearch[mcp]'"
        ) from None
    build_server(settings).run("stdio")
    return ExitCode.OK


def add_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:  # type: ignore[type-arg]
    """The ``serve`` and ``mcp`` subcommands."""
    p = sub.add_parser("serve", parents=[common], help="serve the HTTP API (127.0.0.1 by default)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind; beyond loopback a token is required")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--token", help="Bearer token clients must send (env CODESEARCH_TOKEN)")
    p.add_argument(
        "--cors-origin",
        dest="cors_origins",
        action="append",
        metavar="ORIGIN",
        help="allow this browser origin (repeatable; CORS is off by default)",
    )
    p.add_argument(
        "--batch-window-ms",
        type=float,
        default=2.0,
        help="how long a query waits for others to share its embedding batch (default 2)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=4,
        help="searches run at once (they share one copy of the vectors; default 4)",
    )
    p.add_argument(
        "--threads", type=int, default=1, help="BLAS/OpenMP threads per search (default 1; see --workers)"
    )
    sub.add_parser("mcp", parents=[common], help="serve the MCP tools on stdio (for coding agents)")
