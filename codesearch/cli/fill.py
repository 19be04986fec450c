"""``codesearch fill``: embed the English vectors a fast build left for later, and commit them; then make the
word lexicon of the index's common words ready (``codesearch.lexicon``), also left for later.

``codesearch index`` runs it on its own (``--english-fill``); this command is for ``--english-fill off``,
for resuming a fill that was killed, and for the detached process ``index`` starts.
"""

from __future__ import annotations

import argparse
from typing import Any

from codesearch import assembly
from codesearch.cli.output import console, shown
from codesearch.errors import CodesearchError, ExitCode
from codesearch.settings import Settings


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "fill",
        parents=[common],
        help="embed the English vectors a fast build left for later (index runs it by itself)",
    )
    p.add_argument(
        "--background", action="store_true", help="in a detached process (log: fill.log in the index)"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    out, err = console(), console(stderr=True)
    if getattr(args, "background", False):
        pid = assembly.start_english_fill(settings)
        out.print(f"English vectors: filling in the background (pid {pid})")
        return ExitCode.OK
    shown_at = [0]

    def progress(done: int, total: int) -> None:
        if err.is_terminal and (done - shown_at[0] >= 1024 or done >= total):
            shown_at[0] = done
            err.print(f"  English vectors: {done:,} of {total:,} documents embedded")

    report = assembly.fill_english(settings, progress)
    status = assembly.index_status(settings)
    english = status.get("english_vectors")
    if english is None:
        out.print(
            f"nothing to fill: the index at {shown(status['index_dir'])} has no English-only model part"
        )
        return ExitCode.OK
    embedded = report.embedded if report else 0
    out.print(
        f"English vectors: {english['embedded']:,} of {english['documents']:,} documents "
        f"({embedded:,} texts embedded now, generation {status['generation']})"
    )
    # what the first Korean or Russian search would otherwise embed: the index's common words
    try:
        words = assembly.prepare_word_lexicon(settings)
    except CodesearchError as exc:  # the fill is done; the first such search makes the lexicon instead
        err.print(f"word lexicon: not made now ({exc}); the first Korean or Russian search will make it")
        return ExitCode.OK
    if words:
        out.print(f"word lexicon: {words:,} common words ready for Korean and Russian queries")
    return ExitCode.OK
