"""``codesearch model serve``: the SGLang command for a Qwen3-Embedding size, run until interrupted."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from codesearch.errors import ExitCode
from codesearch.settings import Settings, user_config_path

THROUGHPUT_HINT = (
    "throughput flags to add after `--` (see README, GPU): --chunked-prefill-size, --max-running-requests, "
    "--max-prefill-tokens, --mem-fraction-static, --disable-radix-cache"
)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """``codesearch model serve [--size 4b] [--port N] [--tp N] [--dry-run] [-- SGLANG ARGS]``."""
    p = sub.add_parser("model", parents=[common], help="run an embedding model server (SGLang)")
    actions = p.add_subparsers(dest="model_command", required=True, metavar="ACTION")
    s = actions.add_parser("serve", parents=[common], help="run SGLang serving Qwen3-Embedding")
    s.add_argument("--size", default="4b", choices=("0.6b", "4b", "8b"), help="Qwen3-Embedding size")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=30000)
    s.add_argument("--tp", type=int, default=1, help="tensor parallelism (GPUs per server)")
    s.add_argument("--dry-run", action="store_true", help="only print the command")
    s.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for the server to answer")
    s.add_argument("sglang_args", nargs=argparse.REMAINDER, help="after `--`: passed to SGLang")
    s.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from codesearch.serve_model import SIZES, sglang_command, start_and_wait, stop, write_endpoint

    extra = [a for a in args.sglang_args if a != "--"]
    # --model-path serves local weights; a hub id there (the config names the served model) is not a path
    local_weights = (
        settings.model_path if settings.model_path and Path(settings.model_path).is_dir() else None
    )
    command = sglang_command(
        args.size, host=args.host, port=args.port, tp=args.tp, model_path=local_weights, extra=extra
    )
    print(shlex.join(command))
    if args.dry_run:
        print(THROUGHPUT_HINT, file=sys.stderr)
        return ExitCode.OK
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    url = f"http://{host}:{args.port}"
    process = start_and_wait(command, url, timeout=args.timeout)
    write_endpoint(user_config_path(), url, SIZES[args.size])
    print(f"serving {SIZES[args.size]} at {url}; wrote it into {user_config_path()}", file=sys.stderr)
    try:
        return int(process.wait())
    except KeyboardInterrupt:
        stop(process)
        raise
