"""``codesearch tui [--server URL]``: the terminal UI (Textual is imported only when it runs)."""

from __future__ import annotations

import argparse
from typing import Any

from codesearch.errors import ExitCode
from codesearch.settings import Settings


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("tui", parents=[common], help="the terminal UI: search as you type, preview, open")
    p.add_argument(
        "--server", metavar="URL", help="use a running `codesearch serve` instead of the local index"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from tui.command import run_app

    run_app(settings, getattr(args, "server", None), args.model)
    return ExitCode.OK
