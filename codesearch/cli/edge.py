"""The CLI's error edge: every error becomes one line on stderr and an exit code from ``ExitCode``."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Callable

from codesearch.errors import CodesearchError, ExitCode
from codesearch.settings import Settings

Handler = Callable[[argparse.Namespace, Settings], int]


def run_command(handler: Handler, args: argparse.Namespace, settings: Callable[[], Settings]) -> int:
    """``handler(args, settings())``'s exit code; an error is one line (a traceback only with ``--debug``)."""
    try:
        return int(handler(args, settings()))
    except CodesearchError as exc:
        if args.debug:
            raise
        print(f"codesearch: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("codesearch: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:  # the reader stopped early (`| head`): what it wanted, it got
        _silence_stdout()
        return int(ExitCode.OK)
    except OSError as exc:
        if args.debug:
            raise
        print(
            f"codesearch: error: {exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror or exc}",
            file=sys.stderr,
        )
        return int(ExitCode.IO)
    except Exception as exc:  # a bug: one line, and how to see more
        if args.debug:
            raise
        print(
            f"codesearch: internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)",
            file=sys.stderr,
        )
        return int(ExitCode.ERROR)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush finds no broken pipe to complain about."""
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
