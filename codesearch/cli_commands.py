"""The bodies of the ``codesearch`` subcommands (argument parsing and error handling live in ``cli``)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.syntax import Syntax
from rich.table import Table

from codesearch.api.commands import cmd_mcp, cmd_serve  # noqa: F401 -- dispatched by name
from codesearch.cli import _embedder, _model_name, print_json, resolve_paths
from codesearch.cli_hooks import cmd_hook, cmd_watch  # noqa: F401  (dispatched by name from cli.main)
from codesearch.cli_model import cmd_model  # noqa: F401  (dispatched by name: cmd_{command})
from codesearch.errors import ConfigError, ExitCode, IndexNotFoundError
from codesearch.settings import Settings
from tui.command import cmd_tui  # noqa: F401  (dispatched by name from cli.main)

_STAGES = {"crawl": "listing files", "parse": "parsing", "embed": "embedding"}
# rich lexer names where they differ from our language ids
_LEXERS = {"csharp": "c#", "tsx": "tsx", "text": "text", "window": "text", "ocaml": "ocaml", "shell": "bash"}


class _ProgressBar:
    """A progress bar per stage on stderr (only when stderr is a terminal)."""

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<14}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _ProgressBar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def __call__(self, stage: str, advance: int, total: int | None) -> None:
        task = self._tasks.get(stage)
        if task is None:
            task = self._tasks[stage] = self._progress.add_task(_STAGES.get(stage, stage), total=total)
        self._progress.update(task, advance=advance, total=total)


def _fmt_counts(counts: dict[str, int]) -> str:
    return " · ".join(f"{k} {v:,}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])) or "none"


def index_embedder(settings: Settings, rebuild: bool = False) -> tuple[Any, str]:
    """(embedder or None, model name) for indexing: an existing index keeps its model unless told."""
    from indexer.store import Manifest

    manifest = None if rebuild else Manifest.read(settings.index_dir)
    chosen = manifest.model if manifest is not None and settings.model == "auto" else None
    if chosen is not None and manifest is not None and settings.dim is None and manifest.dim:
        settings = dataclasses.replace(settings, dim=manifest.dim)
    embedder = _embedder(settings, chosen)
    return embedder, chosen or _model_name(settings, embedder)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from indexer.pipeline import index_paths

    err = Console(stderr=True)
    embedder, model = index_embedder(settings, args.rebuild)
    roots = resolve_paths(args.paths, settings)
    if err.is_terminal and not args.json:
        err.print(f"indexing {len(roots)} root(s) into {settings.index_dir} with model {model}")
    with _ProgressBar(err) if err.is_terminal else _NullProgress() as progress:
        report = index_paths(
            roots,
            index_dir=settings.index_dir,
            embedder=embedder,
            model=model,
            max_file_size=settings.max_file_size,
            ignore=settings.ignore,
            rebuild=args.rebuild,
            progress=progress,
        )
    if args.json:
        print_json(dataclasses.asdict(report))
        return ExitCode.OK
    out = Console(highlight=False)
    out.print(
        f"Indexed {len(roots)} root(s) in {report.seconds:.1f} s "
        f"(model {report.model}, generation {report.generation}, index {settings.index_dir})"
    )
    out.print(
        f"  files      {report.files:,} (parsed {report.files_parsed:,}, removed {report.files_removed:,})"
    )
    out.print(f"  symbols    {report.symbols:,}: {_fmt_counts(report.symbols_by_language)}")
    out.print(f"  documents  {report.documents:,} ({report.embedded:,} texts embedded in this run)")
    out.print(f"  skipped    {_fmt_counts(report.skipped)}")
    out.print("  time       " + " · ".join(f"{k} {v:.1f} s" for k, v in report.timings.items()))
    if report.files == 0:
        err.print(
            "[yellow]warning:[/] no files were indexed: every file under the given path(s) was ignored or "
            "skipped (see `skipped` above)"
        )
    for line in report.errors[:10]:
        err.print(f"[yellow]warning:[/] {line}")
    return ExitCode.OK


class _NullProgress:
    def __enter__(self) -> _NullProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __call__(self, stage: str, advance: int, total: int | None) -> None:
        return None


def open_searcher(settings: Settings, explicit_model: str | None, rerank: bool = False) -> Any:
    """A Searcher over the settings' index, with the model the index was built with (unless told), and
    the settings' reranker (``rerank`` turns on ``auto`` when none is set)."""
    from codesearch.search import Searcher
    from indexer.store import Manifest

    manifest = Manifest.read(settings.index_dir)
    if manifest is None:
        raise IndexNotFoundError(f"no index at {settings.index_dir}: run `codesearch index PATH` first")
    model = explicit_model or manifest.model
    if settings.dim is None and manifest.dim and model != "none":
        settings = dataclasses.replace(settings, dim=manifest.dim)
    embedder = _embedder(settings, model) if manifest.vectors_file else None
    instructions = {
        name: text
        for name, text in (
            ("text", settings.query_instruction),
            ("identifier", settings.identifier_instruction),
            ("code", settings.code_instruction),
        )
        if text
    }
    searcher: Any
    if settings.device and settings.device.startswith("cuda"):  # dense top-k on the GPU too
        from codesearch.gpu_searcher import GpuSearcher

        device = settings.device
        searcher = GpuSearcher(settings.index_dir, embedder, instructions=instructions, device=device)
    else:
        searcher = Searcher.open(settings.index_dir, embedder, instructions=instructions)
    searcher.reranker, searcher.rerank_top = _reranker(settings, rerank), settings.rerank_top
    return searcher


def _reranker(settings: Settings, rerank: bool) -> Any:
    name = "auto" if rerank and settings.reranker == "none" else settings.reranker
    if name == "none":
        return None
    from codesearch.rerank import get_reranker

    return get_reranker(
        name, urls=settings.reranker_urls, model_path=settings.reranker_model_path, device=settings.device
    )


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    started = time.perf_counter()
    # --- hook (serve_discovery): a `codesearch serve` running on this index answers in milliseconds ---
    if args.command == "search" and not args.model and not args.rerank:
        from codesearch.serve_discovery import search_via_server

        filters = {"lang": args.lang, "path": args.path_glob, "repo": args.repo, "kind": args.kind}
        request = {"query": args.query, "k": settings.k, "mode": settings.mode, **filters}
        served = search_via_server(settings, request)
        if served is not None:
            return _print_result(args, served, started)
    # --- end of hook ---
    searcher = open_searcher(settings, args.model, rerank=args.rerank)
    filters = {"lang": args.lang, "path_glob": args.path_glob, "repo": args.repo, "kind": args.kind}
    if args.command == "similar":
        file, _, line = args.location.rpartition(":")
        if not file or not line.isdigit():
            raise ConfigError(f"expected FILE:LINE, not {args.location!r}")
        mode = args.mode  # default: dense (the model's code-to-code instruction); lexical without vectors
        result = searcher.similar(Path(file), int(line), k=settings.k, mode=mode, **filters)
    else:
        result = searcher.search(args.query, k=settings.k, mode=settings.mode, **filters)
    return _print_result(args, result, started)


cmd_similar = cmd_search


def _print_result(args: argparse.Namespace, result: Any, started: float) -> int:
    if args.json:
        print_json(result.to_json(explain=args.explain))
        return ExitCode.OK
    out = Console(highlight=False)
    if not result.hits:
        out.print(f"no hits for {getattr(args, 'query', None) or args.location!r}")
    for hit in result.hits:
        out.print(
            f"[bold cyan]{hit.path}:{hit.start_line}[/]  [bold]{hit.qualified_name}[/] "
            f"[dim]{hit.kind} · {hit.language} · {hit.repo} · score {hit.score:.4f}[/]"
        )
        out.print(f"  [dim]why: {_why(hit)}[/]")
        if hit.also_at:
            out.print(
                f"  [dim]also at: {', '.join(hit.also_at[:5])}{' …' if len(hit.also_at) > 5 else ''}[/]"
            )
        lexer = _LEXERS.get(hit.language, hit.language)
        out.print(
            Syntax(
                hit.snippet,
                lexer,
                line_numbers=True,
                start_line=hit.start_line,
                word_wrap=False,
                background_color="default",
            )
        )
    Console(stderr=True).print(
        f"[dim]{len(result.hits)} hits in {(time.perf_counter() - started) * 1000:.0f} ms "
        f"(search {result.took_ms:.0f} ms)[/]"
    )
    return ExitCode.OK


def _why(hit: Any) -> str:
    parts = ["exact name"] if hit.exact_name else []
    if hit.matched_terms:
        parts.append("words " + ", ".join(hit.matched_terms))
    if "dense" in hit.scores:
        parts.append(f"dense {hit.scores['dense']:.3f}")
    return " · ".join(parts) or "ranked by the fusion alone"


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from codesearch.search import Searcher

    status = Searcher.open(settings.index_dir).status()
    if args.json:
        print_json(status)
        return ExitCode.OK
    out = Console(highlight=False)
    out.print(f"index      {status['index_dir']} (generation {status['generation']})")
    out.print(f"model      {status['model']} ({status['dim']}-d, {status['fingerprint']})")
    out.print(f"documents  {status['documents']:,}")
    updated = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(status["updated_at"]))
    out.print(f"updated    {updated}")
    table = Table("repo", "root", "files", "indexed", box=None)
    for r in status["repos"]:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r["indexed_at"])) if r["indexed_at"] else "-"
        table.add_row(r["name"], r["root"], f"{r['files']:,}", when)
    out.print(table)
    langs = Table("language", "files", "symbols", box=None)
    for lang, n in status["languages"].items():
        langs.add_row(lang, f"{n['files']:,}", f"{n['symbols']:,}")
    out.print(langs)
    return ExitCode.OK


def cmd_models(args: argparse.Namespace, settings: Settings) -> int:
    from rich.markup import escape

    from codesearch.embedding.registry import list_models

    models = list_models(urls=settings.embedding_urls, model_path=settings.model_path, device=settings.device)
    if args.json:
        print_json([dataclasses.asdict(m) for m in models])
        return ExitCode.OK
    table = Table("model", "dim", "available", "description", box=None)
    for m in models:
        # escaped: a hint like pip install 'codesearch[e5]' is not rich markup
        why = "yes" if m.available else escape(f"no: {m.why_not}")
        table.add_row(m.name, str(m.dim or "-"), why, escape(m.description))
    table.add_row("none", "-", "yes", "no vectors: a lexical-only index")
    Console(highlight=False).print(table)
    print(
        "`--model auto` (the default) uses http when --embedding-url is given, qwen3-4b on a CUDA GPU with "
        "its weights cached, else use.",
        file=sys.stdout,
    )
    return ExitCode.OK
