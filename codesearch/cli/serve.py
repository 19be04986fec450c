"""``codesearch serve``: the HTTP API on a port until interrupted (heavy imports deferred)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
from typing import Any

from codesearch import assembly
from codesearch.api.launch import DEFAULT_PORT, SPEC_ENV, limit_threads
from codesearch.errors import ConfigError, ExitCode
from codesearch.settings import Settings, settings_to_json


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("serve", parents=[common], help="serve the HTTP API (127.0.0.1 by default)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind; beyond loopback a token is required")
    p.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
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
        "--processes",
        type=int,
        default=1,
        help="server processes on the port, each with its own model and index in memory (default 1; "
        "on 2 cores, 2 gave 3.0-3.8x the 1-client throughput at 32 clients: benchmarks/RESULTS.md)",
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
    p.set_defaults(handler=run)


def _port(text: str) -> int:
    """``--port``: 0 (any free port) to 65535; bind() fails past them with an OverflowError, not an OSError."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535 (0: any free one), not {port}")
    return port


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the HTTP API on ``--host``/``--port`` until interrupted; model and index load first.

    With ``--processes N`` uvicorn runs N worker processes on the one port, each with its own model, index
    and searchers (more memory, but searches no longer share one interpreter lock: figures in
    benchmarks/RESULTS.md); index jobs are recorded in a folder they share.
    """
    if args.workers < 1 or args.threads < 1 or args.processes < 1:
        raise ConfigError("--workers, --threads and --processes must be at least 1")
    limit_threads(args.threads)  # before anything loads FAISS
    import uvicorn

    from codesearch.api.listen import bind_listener, ensure_port_free
    from codesearch.api.security import check_bind
    from codesearch.api.server import create_app
    from codesearch.serve_discovery import advertised

    if args.token:
        settings = dataclasses.replace(settings, token=args.token)
    if args.cors_origins:
        settings = dataclasses.replace(settings, cors_origins=tuple(args.cors_origins))
    check_bind(args.host, settings.token)
    options = {"log_level": "warning", "access_log": False}
    _exit_on_sigterm()
    if args.processes == 1:
        listener = bind_listener(args.host, args.port)  # a busy port fails here, before "serving"
        port = listener.getsockname()[1]  # --port 0: the one the system chose
        # the model and the index load at startup, before the port answers
        app = create_app(settings, batch_window=args.batch_window_ms / 1000, workers=args.workers)
        print(
            f"codesearch: serving http://{args.host}:{port} (API docs at /docs)", file=sys.stderr, flush=True
        )
        with advertised(assembly.store_dir(settings), args.host, port, token_required=bool(settings.token)):
            uvicorn.Server(uvicorn.Config(app, **options)).run(sockets=[listener])  # type: ignore[arg-type]
        return ExitCode.OK
    ensure_port_free(args.host, args.port)  # the workers bind it themselves
    with tempfile.TemporaryDirectory(prefix="codesearch-jobs-") as jobs:
        os.environ[SPEC_ENV] = json.dumps(
            {
                "settings": settings_to_json(settings),
                "batch_window": args.batch_window_ms / 1000,
                "workers": args.workers,
                "threads": args.threads,
                "jobs_store": jobs,
            }
        )
        print(
            f"codesearch: serving http://{args.host}:{args.port} from {args.processes} processes "
            "(API docs at /docs)",
            file=sys.stderr,
            flush=True,
        )
        with advertised(
            assembly.store_dir(settings), args.host, args.port, token_required=bool(settings.token)
        ):
            uvicorn.run(
                "codesearch.api.launch:app_from_spec",
                factory=True,
                workers=args.processes,
                host=args.host,
                port=args.port,
                **options,  # type: ignore[arg-type]
            )
    return ExitCode.OK


def _exit_on_sigterm() -> None:
    """SIGTERM raises SystemExit: uvicorn shuts down gracefully, then re-raises the signal it caught to
    the handler that was there before; the default one would kill the process before the ``finally``
    blocks that remove the discovery file run."""
    import signal

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)
