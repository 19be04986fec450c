"""``codesearch index [PATH|GIT-URL ...]``: index folders, git repositories or git URLs (incremental)."""

from __future__ import annotations

import argparse
import dataclasses
from typing import TYPE_CHECKING, Any

from codesearch import assembly
from codesearch.cli.index_english import english_fill_line
from codesearch.cli.options import add_english_fill_option
from codesearch.cli.output import NoProgress, ProgressBar, console, format_counts, print_json, shown
from codesearch.errors import ExitCode, IndexIOError
from codesearch.settings import Settings

if TYPE_CHECKING:
    from rich.console import Console

    from indexer.store import Manifest


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "index", parents=[common], help="index folders, git repositories or git URLs (incremental)"
    )
    p.add_argument("paths", nargs="*", default=[], metavar="PATH|GIT-URL")
    p.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE",
        help="also index the repositories FILE lists (a path or git URL a line, # comments; - for stdin), "
        "each committed on its own, with a line per repository; a killed run resumes where it stopped",
    )
    p.add_argument(
        "--clones",
        metavar="DIR",
        help="also index every git repository under DIR (found up to 3 levels down), as --from does",
    )
    p.add_argument(
        "--ahead",
        type=int,
        default=None,
        metavar="N",
        help="with --from/--clones: prepare and embed up to N repositories ahead of the one being written, "
        "their texts sent to the embedding servers together (default 16; 0: one repository after the other)",
    )
    p.add_argument(
        "--commit-every",
        type=int,
        default=1,
        metavar="N",
        help="with --from/--clones: commit a generation every N repositories (default 1: each); a killed "
        "run still resumes exactly, committing what it had written",
    )
    p.add_argument(
        "--rebuild",
        action="store_true",
        help="forget what the index holds of these paths and index them again (other repositories stay)",
    )
    p.add_argument("--max-file-size", type=int, help="skip files larger than this many bytes (default 1 MiB)")
    p.add_argument(
        "--ignore", action="append", metavar="PATTERN", help="extra gitignore-style pattern (repeatable)"
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_english_fill_option(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    err = console(stderr=True)
    model = assembly.model_for_indexing(settings, _manifest(settings, args.rebuild))
    if args.from_file or args.clones:
        from codesearch.cli import index_many

        return index_many.run(args, settings, model)
    roots = assembly.resolve_roots(args.paths or ["."], settings)
    if err.is_terminal and not args.json:
        err.print(
            f"indexing {len(roots)} root(s) into {shown(str(settings.index_dir))} with model {model.name}"
        )
    with ProgressBar(err) if err.is_terminal else NoProgress() as progress:
        report = assembly.reindex(settings, roots, progress, model=model, rebuild=args.rebuild)
    if report.missing_parts and not args.json:
        err.print(english_fill_line(settings.english_fill, report.missing_parts, searchable=True))
    english_fill = assembly.after_index(settings, report.missing_parts, model.embedder)
    if args.json:
        print_json({**dataclasses.asdict(report), "english_fill": english_fill})
        return ExitCode.OK
    out = console()
    out.print(
        f"Indexed {len(roots)} root(s) in {report.seconds:.1f} s "
        f"(model {report.model}, generation {report.generation}, index {shown(str(settings.index_dir))})"
    )
    out.print(
        f"  files      {report.files:,} (parsed {report.files_parsed:,}, removed {report.files_removed:,})"
    )
    out.print(f"  symbols    {report.symbols:,}: {format_counts(report.symbols_by_language)}")
    out.print(f"  documents  {report.documents:,} ({report.embedded:,} texts embedded in this run)")
    if args.verbose or not report.skipped:
        out.print(f"  skipped    {format_counts(report.skipped)}")
    else:
        out.print(f"  skipped    {format_counts(report.skipped)} (-v names them)")
    if args.verbose:
        _print_skipped_files(out, report.skipped_files)
    out.print("  time       " + " · ".join(f"{k} {v:.1f} s" for k, v in report.timings.items()))
    if report.files == 0 and report.skipped:
        err.print(
            "[yellow]warning:[/] no files were indexed: every file under the given path(s) was ignored or "
            "skipped (see `skipped` above)"
        )
    elif report.files == 0:
        err.print(
            "[yellow]warning:[/] no files were indexed: the given path(s) hold no file codesearch reads"
        )
    for line in report.errors[:10]:
        err.print(f"[yellow]warning:[/] {shown(line)}")
    return ExitCode.OK


def _print_skipped_files(out: Console, skipped_files: dict[str, list[str]]) -> None:
    """A line per skipped file, under the counts: its reason, then its path (as ripgrep's --debug names
    what it ignores)."""
    width = max((len(reason) for reason in skipped_files), default=0)
    for reason in sorted(skipped_files):
        for path in skipped_files[reason]:
            out.print(f"             {reason:<{width}}  {shown(path)}")


def _manifest(settings: Settings, rebuild: bool) -> Manifest | None:
    """The index's manifest, so a run keeps the index's model; a rebuild also goes on where it is unreadable."""
    try:
        return assembly.read_manifest(settings)
    except IndexIOError:
        if rebuild:
            return None
        raise
