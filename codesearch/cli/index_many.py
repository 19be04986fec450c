"""``codesearch index --from FILE`` / ``--clones DIR``: many repositories, a committed generation every
``--commit-every`` repositories (default: each).

The run is one session (``assembly.reindex_many``, ``indexer.ahead``): the next ``--ahead`` repositories
are crawled, parsed and embedded together while the current one is written, so the embedding servers get
full batches. A run killed after N committed repositories has those N: the same command again finds them
current (nothing parsed, nothing embedded twice) and goes on with the rest. One repository that cannot be
read or cloned is one error line and a ``failed`` row in the summary; the others are still indexed.
``--ahead 0`` indexes one repository after the other, each its own run (the behaviour before embed-ahead).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from codesearch import assembly
from codesearch.cli.index_english import english_fill_line
from codesearch.cli.output import NoProgress, ProgressBar, console, print_json, shown
from codesearch.errors import ConfigError, ExitCode
from codesearch.settings import Settings
from indexer.ahead import AHEAD, PER_REPOSITORY_ERRORS
from indexer.repo_list import find_clones, parse_repo_list, read_repo_list

if TYPE_CHECKING:
    from indexer.ahead import RepositoryResult
    from indexer.pipeline import IndexReport, Progress


@dataclass
class RepositoryOutcome:
    """What the run did with one repository: ``indexed``, ``unchanged`` (already current) or ``failed``."""

    spec: str
    name: str
    status: str
    files: int = 0
    documents: int = 0
    embedded: int = 0
    seconds: float = 0.0
    generation: int = 0
    error: str | None = None
    exit_code: int = ExitCode.OK


@dataclass
class ManyReport:
    """A run over many repositories: one outcome each, in the order they were named."""

    model: str
    repositories: list[RepositoryOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def embedded(self) -> int:
        return sum(r.embedded for r in self.repositories)

    @property
    def failed(self) -> list[RepositoryOutcome]:
        return [r for r in self.repositories if r.status == "failed"]

    def exit_code(self) -> int:
        """OK when every repository was indexed; else the exit code of the first failure's error."""
        return self.failed[0].exit_code if self.failed else ExitCode.OK


def repository_specs(args: argparse.Namespace) -> list[str]:
    """The positional paths, then the list file's lines (``-``: stdin), then the clones found, each once."""
    specs: list[str] = list(args.paths)
    if args.from_file == "-":
        specs += parse_repo_list(sys.stdin)
    elif args.from_file:
        specs += read_repo_list(Path(args.from_file))
    if args.clones:
        specs += [str(p) for p in find_clones(Path(args.clones))]
    return list(dict.fromkeys(specs))


def index_repositories(
    settings: Settings,
    specs: Sequence[str],
    model: assembly.IndexModel,
    *,
    rebuild: bool = False,
    on_done: Callable[[int, RepositoryOutcome], None] | None = None,
    progress: Progress | None = None,
    ahead: int = AHEAD,
    commit_every: int = 1,
) -> ManyReport:
    """Index each repository ``specs`` names, in order: ``ahead`` repositories prepared and embedded ahead
    and a commit every ``commit_every`` (``ahead=0``: one after the other, each committed on its own)."""
    started = time.perf_counter()
    report = ManyReport(model=model.name)

    def done(outcome: RepositoryOutcome) -> None:
        if on_done is not None:
            on_done(len(report.repositories), outcome)
        report.repositories.append(outcome)
        if progress is not None:
            progress("repositories", 1, len(specs))

    if ahead == 0:
        if commit_every != 1:
            raise ConfigError("--commit-every needs --ahead of 1 or more (--ahead 0 commits each repository)")
        for spec in specs:
            done(_index_one(settings, spec, model, rebuild))
    else:
        assembly.reindex_many(
            settings, specs, model, rebuild=rebuild, commit_every=commit_every, ahead=ahead,
            on_done=lambda result: done(_outcome(result, rebuild)),
        )  # fmt: skip
    report.seconds = time.perf_counter() - started
    return report


def _outcome(result: RepositoryResult, rebuild: bool) -> RepositoryOutcome:
    if result.report is None:
        error = result.error
        code = error.exit_code if error is not None else ExitCode.OK
        return RepositoryOutcome(
            result.spec, result.name, "failed", seconds=result.seconds, error=str(error), exit_code=code
        )
    return _from_report(result.spec, result.name, result.report, rebuild)


def _from_report(spec: str, name: str, done: IndexReport, rebuild: bool) -> RepositoryOutcome:
    current = done.files_parsed == 0 and done.files_removed == 0 and done.embedded == 0 and not rebuild
    return RepositoryOutcome(
        spec,
        name,
        "unchanged" if current else "indexed",
        files=done.files,
        documents=done.documents,
        embedded=done.embedded,
        seconds=done.seconds,
        generation=done.generation,
    )


def _index_one(settings: Settings, spec: str, model: assembly.IndexModel, rebuild: bool) -> RepositoryOutcome:
    started = time.perf_counter()
    name = Path(spec.rstrip("/")).name or spec
    try:
        root = assembly.resolve_roots([spec], settings)[0]
        name = root.name
        done = assembly.reindex(settings, [root], model=model, rebuild=rebuild)
    except PER_REPOSITORY_ERRORS as exc:
        seconds = time.perf_counter() - started
        return RepositoryOutcome(
            spec, name, "failed", seconds=seconds, error=str(exc), exit_code=exc.exit_code
        )
    return _from_report(spec, name, done, rebuild)


def run(args: argparse.Namespace, settings: Settings, model: assembly.IndexModel) -> int:
    """The ``index`` command for ``--from``/``--clones``: a line per repository, then a summary."""
    err = console(stderr=True)
    if (args.ahead is not None and args.ahead < 0) or args.commit_every < 1:
        raise ConfigError("--ahead takes 0 or more repositories, --commit-every 1 or more")
    specs = repository_specs(args)
    if not specs:
        raise ConfigError("no repositories to index: the list is empty and no clones were found")
    if not args.json:
        err.print(
            f"indexing {len(specs)} repositories into {shown(str(settings.index_dir))} with model {model.name}"
        )

    def repository_line(i: int, outcome: RepositoryOutcome) -> None:
        where = f"[{i + 1}/{len(specs)}] {shown(outcome.name)}"
        if outcome.error is not None:
            err.print(f"{where}  [red]error:[/] {shown(outcome.error)}")
        else:
            err.print(
                f"{where}  {outcome.status}  files {outcome.files:,}  documents {outcome.documents:,}  "
                f"embedded {outcome.embedded:,}  {outcome.seconds:.1f} s",
                highlight=False,
            )

    with ProgressBar(err) if err.is_terminal else NoProgress() as progress:
        report = index_repositories(
            settings, specs, model, rebuild=args.rebuild, on_done=repository_line, progress=progress,
            ahead=AHEAD if args.ahead is None else args.ahead, commit_every=args.commit_every,
        )  # fmt: skip
    manifest = assembly.read_manifest(settings)
    english_fill = assembly.after_index(settings, manifest.missing_parts if manifest else 0, model.embedder)
    if args.json:
        print_json({**_as_json(report), "english_fill": english_fill})
    else:
        _print_summary(report)
        if english_fill != "complete":
            err.print(english_fill_line(english_fill, manifest.missing_parts if manifest else 0))
    return report.exit_code()


def _as_json(report: ManyReport) -> dict[str, object]:
    return {
        "model": report.model,
        "seconds": report.seconds,
        "embedded": report.embedded,
        "failed": len(report.failed),
        "exit_code": int(report.exit_code()),
        "repositories": [dataclasses.asdict(r) for r in report.repositories],
    }


def _print_summary(report: ManyReport) -> None:
    out = console()
    width = max(len("repository"), *(len(r.name) for r in report.repositories))
    out.print(
        f"{'repository':<{width}}  {'status':<9}  {'files':>7}  {'documents':>9}  {'embedded':>8}  seconds"
    )
    for r in report.repositories:
        out.print(
            f"{shown(r.name):<{width}}  {r.status:<9}  {r.files:>7,}  {r.documents:>9,}  {r.embedded:>8,}  "
            f"{r.seconds:>7.1f}",
            highlight=False,
        )
    minutes = max(report.seconds, 1e-9) / 60
    counts = {s: sum(r.status == s for r in report.repositories) for s in ("indexed", "unchanged", "failed")}
    out.print(
        f"{len(report.repositories)} repositories in {report.seconds:.1f} s "
        f"({len(report.repositories) / minutes:.1f}/min): "
        + ", ".join(f"{n} {s}" for s, n in counts.items())
        + f"; {report.embedded:,} texts embedded",
        highlight=False,
    )
    for r in report.failed:
        out.print(f"  [red]failed:[/] {shown(r.spec)}: {shown(r.error or '')}")
