"""``codesearch watch [PATH]``: reindex a folder whenever its files change."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from codesearch import assembly
from codesearch.cli.output import console
from codesearch.errors import ExitCode, NotFoundError
from codesearch.settings import Settings


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("watch", parents=[common], help="reindex a folder whenever its files change")
    p.add_argument("path", nargs="?", default=".", help="the folder to watch (default: the current one)")
    p.add_argument("--debounce-ms", type=int, default=500, help="wait for this much quiet before a run")
    p.add_argument("--max-file-size", type=int, help="skip files larger than this many bytes (default 1 MiB)")
    p.add_argument("--ignore", action="append", metavar="PATTERN", help="extra gitignore-style pattern")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from indexer.watch import watch_and_index

    root = Path(args.path).expanduser().resolve()
    if not root.is_dir():
        raise NotFoundError(f"not a folder: {args.path}")
    err = console(stderr=True)

    def on_run(report: Any, n_changes: int) -> None:
        err.print(
            f"{time.strftime('%H:%M:%S')} {n_changes} change(s): parsed {report.files_parsed}, "
            f"removed {report.files_removed}, embedded {report.embedded}, generation {report.generation} "
            f"({report.seconds:.2f} s)"
        )

    err.print(f"watching {root} (index {settings.index_dir}); Ctrl-C stops")
    watch_and_index(
        root,
        settings.index_dir,
        assembly.reindexer(settings, [root]),
        on_run=on_run,
        debounce_ms=args.debounce_ms,
    )
    print("stopped", file=sys.stderr)
    return ExitCode.OK
