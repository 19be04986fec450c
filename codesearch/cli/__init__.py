"""The ``codesearch`` command line.

One module per command; each adds its subparser and sets its handler (``set_defaults(handler=...)``).
Errors become one line on stderr and an exit code from ``ExitCode`` (``edge``); what is printed is
rendered in ``output``. Nothing outside this package imports it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import NoReturn

from codesearch.cli import (
    fill,
    forget,
    hook,
    index,
    mcp,
    model_serve,
    models,
    search,
    serve,
    status,
    tui,
    watch,
)
from codesearch.cli.edge import run_command
from codesearch.cli.options import common_options, fill_defaults, settings_from_args
from codesearch.errors import ExitCode

# in the order `codesearch --help` lists them
COMMANDS = (index, fill, search, status, forget, models, tui, model_serve, hook, watch, serve, mcp)


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on stderr like every other error, not its usage block;
    the line says where the options are. Command parsers are of this class too (``add_subparsers``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(int(ExitCode.USAGE), f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every command's subparser."""
    common = common_options()
    # allow_abbrev=False: the top level scans every argument, so `search --mode` read as an abbreviation
    # of --model/--model-path and failed as ambiguous
    parser = _Parser(
        prog="codesearch",
        parents=[common],
        allow_abbrev=False,
        description="Cross-lingual semantic code search: ask in any language, find code in any language.",
    )
    parser.add_argument("--version", action="version", version=f"codesearch {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub, common)
    return parser


def _version() -> str:
    try:
        return version("codesearch")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``codesearch`` command; returns its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:  # a bare `codesearch`: what it can do, not an error
        parser.print_help()
        return int(ExitCode.OK)
    fill_defaults(args)
    level = logging.DEBUG if args.debug else logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not args.debug:  # the vector library's loader tries its CPU variants aloud: not what -v asks about
        logging.getLogger("faiss").setLevel(logging.WARNING)
    return run_command(args.handler, args, lambda: settings_from_args(args))
