"""What the CLI prints: JSON on stdout, the progress of an index run on stderr, hits with their code."""

from __future__ import annotations

import json
import os
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.syntax import Syntax

from codesearch.terminal_text import printable, printable_code
from codesearch.types import Hit

_STAGES = {"crawl": "listing files", "parse": "parsing", "embed": "embedding"}
# rich lexer names where they differ from our language ids
_LEXERS = {"csharp": "c#", "tsx": "tsx", "text": "text", "window": "text", "ocaml": "ocaml", "shell": "bash"}


# the width of a console that is not a terminal (a pipe, a file): lines are never folded there
UNFOLDED_WIDTH = 1 << 16


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # rich exits 1 here; a reader that stopped early (`| head`) is no failure: the CLI's edge says so
        self.quiet = True
        raise BrokenPipeError


def console(*, stderr: bool = False, table: bool = False) -> Console:
    """The console on stdout (or stderr) every command prints through: no highlighting of numbers and
    paths, no emoji codes read out of text (``a.py:100:`` is not ``a.py💯``), and no folding at 80 columns
    when it is not a terminal (``| grep``, ``> file``). For a ``table``, what is not a terminal is 80
    columns wide (or ``COLUMNS``): a table sized to its longest cell is unreadable in ``less`` or a file."""
    out = _Console(highlight=False, emoji=False, stderr=stderr)
    if not out.is_terminal and not table:
        out.width = UNFOLDED_WIDTH
    return out


def print_table(out: Console, renderable: Any, footnote: str = "") -> None:
    """``renderable`` (a table) and a ``footnote`` paragraph on ``out``; where ``out`` is not a terminal,
    both laid out for its width, without the spaces that pad each line to it."""
    if out.is_terminal:
        out.print(renderable)
        if footnote:
            print(footnote, file=out.file)  # the terminal folds it
        return
    with out.capture() as captured:
        out.print(renderable)
    lines = [line.rstrip() for line in captured.get().splitlines()]
    if footnote:
        lines += textwrap.wrap(footnote, out.width, break_long_words=False, break_on_hyphens=False)
    out.file.write("".join(f"{line}\n" for line in lines))
    out.file.flush()  # a broken pipe is raised here, inside the CLI's edge


def print_json(obj: Any) -> None:
    """One JSON object on one line of stdout, non-ASCII text as is."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()  # a broken pipe is raised here, inside the CLI's edge, not at the interpreter's exit


def format_counts(counts: dict[str, int]) -> str:
    """``python 12 · go 3``: the largest first."""
    return " · ".join(f"{k} {v:,}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])) or "none"


class ProgressBar:
    """A progress bar per stage on stderr (only when stderr is a terminal)."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<14}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> ProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def __call__(self, stage: str, advance: int, total: int | None) -> None:
        task = self._tasks.get(stage)
        if task is None:
            task = self._tasks[stage] = self._progress.add_task(_STAGES.get(stage, stage), total=total)
        self._progress.update(task, advance=advance, total=total)


class NoProgress:
    """The progress bar's stand-in when stderr is not a terminal."""

    def __enter__(self) -> NoProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __call__(self, stage: str, advance: int, total: int | None) -> None:
        return None


def shown(text: str) -> str:
    """Text from a file or the index (a path, a name) as rich markup that prints it literally."""
    return escape(printable(text))


def where_from_here(hit: Hit, here: Path) -> str:
    """The hit's file as the user can open it from ``here`` (ripgrep's habit): relative when ``here`` is
    inside the hit's repository (``../`` where needed), else absolute."""
    root = Path(hit.abs_path.removesuffix(hit.path))
    if here == root or here.is_relative_to(root):
        return Path(os.path.relpath(hit.abs_path, here)).as_posix()
    return hit.abs_path


def lexer_for(language: str, out: Console) -> str:
    """The lexer that colours a hit's code: none (``text``) where the console prints no colour (a pipe, a
    file, ``NO_COLOR``), whose output is the same without the work: loading a language's lexer costs
    15-30 ms, a tenth of a one-shot search when the hits span several languages."""
    if out.color_system is None:
        return "text"
    return _LEXERS.get(language, language)


def print_hits(hits: list[Hit], took_ms: float, asked: str, started: float) -> None:
    """Each hit's place, name and why, then its code; the count and the time on stderr."""
    out = console()
    here = Path(os.getcwd())
    if not hits:
        out.print(f"no hits for {shown(repr(asked))}")
    for hit in hits:
        out.print(
            f"[bold cyan]{shown(where_from_here(hit, here))}:{hit.start_line}[/]  [bold]{shown(hit.qualified_name)}[/] "
            f"[dim]{shown(hit.kind)} · {shown(hit.language)} · {shown(hit.repo)} · score {hit.score:.4f}[/]"
        )
        out.print(f"  [dim]why: {shown(_why(hit))}[/]")
        if hit.also_at:
            more = " …" if len(hit.also_at) > 5 else ""
            out.print(f"  [dim]also at: {shown(', '.join(hit.also_at[:5]))}{more}[/]")
        out.print(
            Syntax(
                printable_code(hit.snippet),
                lexer_for(hit.language, out),
                line_numbers=True,
                start_line=hit.snippet_start_line,
                word_wrap=False,
                background_color="default",
            )
        )
    console(stderr=True).print(
        f"[dim]{len(hits)} {'hit' if len(hits) == 1 else 'hits'} in "
        f"{(time.perf_counter() - started) * 1000:.0f} ms (search {took_ms:.0f} ms)[/]"
    )


def print_compact(hits: list[Hit]) -> None:
    """One line per hit, like ``rg -n``: ``path:line: qualified_name  signature``."""
    out = console()
    here = Path(os.getcwd())
    for hit in hits:
        place = f"{where_from_here(hit, here)}:{hit.start_line}:"
        out.print(shown(f"{place} {hit.qualified_name}  {hit.signature}".rstrip()))


def print_files(hits: list[Hit]) -> None:
    """Each file with a hit, once, in the order of its best hit (``rg -l``)."""
    out = console()
    here = Path(os.getcwd())
    for path in dict.fromkeys(where_from_here(hit, here) for hit in hits):
        out.print(shown(path))


def _why(hit: Hit) -> str:
    parts = ["exact name"] if hit.exact_name else []
    if hit.matched_terms:
        parts.append("words " + ", ".join(hit.matched_terms))
    if "dense" in hit.scores:
        parts.append(f"dense {hit.scores['dense']:.3f}")
    return " · ".join(parts) or "ranked by the fusion alone"
