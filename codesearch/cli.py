"""The ``codesearch`` command line. Errors become one line on stderr and an exit code from ``ExitCode``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from codesearch import cli_hooks
from codesearch.errors import CodesearchError, ExitCode
from codesearch.settings import MODES, Settings, load_settings

log = logging.getLogger("codesearch")


def _build_parser() -> argparse.ArgumentParser:
    # SUPPRESS: a subcommand must not reset what was given before it (`codesearch --debug index`)
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument(
        "--index",
        dest="index_dir",
        metavar="DIR",
        help="index directory (env CODESEARCH_INDEX; default: the user data dir)",
    )
    common.add_argument(
        "--model",
        help="embedding model: use (bundled), e5, minilm, qwen3-0.6b/4b/8b, http, none, auto; "
        "several in one index with + (use+minilm)",
    )
    common.add_argument("--dim", type=int, help="output dimension (Matryoshka truncation)")
    common.add_argument("--model-path", help="local path or hub id of the model's weights")
    common.add_argument(
        "--embedding-url",
        dest="embedding_urls",
        action="append",
        metavar="URL",
        help="OpenAI-compatible embedding server (repeatable; e.g. SGLang)",
    )
    common.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    common.add_argument("-v", "--verbose", action="store_true", help="show info logs")

    # allow_abbrev=False: the top level scans every argument, so `search --mode` read as an abbreviation
    # of --model/--model-path and failed as ambiguous
    parser = argparse.ArgumentParser(
        prog="codesearch",
        parents=[common],
        allow_abbrev=False,
        description="Cross-lingual semantic code search: ask in any language, find code in any language.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "index", parents=[common], help="index folders, git repositories or git URLs (incremental)"
    )
    p.add_argument("paths", nargs="*", default=["."], metavar="PATH|GIT-URL")
    p.add_argument("--rebuild", action="store_true", help="forget the index's files and build it again")
    p.add_argument("--max-file-size", type=int, help="skip files larger than this many bytes (default 1 MiB)")
    p.add_argument(
        "--ignore", action="append", metavar="PATTERN", help="extra gitignore-style pattern (repeatable)"
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")

    p = sub.add_parser("search", parents=[common], help="search the index")
    p.add_argument("query")
    _add_result_options(p, mode_help="hybrid (default), dense or lexical")
    p = sub.add_parser("similar", parents=[common], help="code like the function at FILE:LINE (code to code)")
    p.add_argument("location", metavar="FILE:LINE")
    _add_result_options(p, mode_help="dense (default), hybrid or lexical")

    p = sub.add_parser("status", parents=[common], help="what the index holds")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("models", parents=[common], help="the embedding models and whether they can run here")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("tui", parents=[common], help="the terminal UI: search as you type, preview, open")
    p.add_argument(
        "--server", metavar="URL", help="use a running `codesearch serve` instead of the local index"
    )
    from codesearch.api.commands import add_parsers
    from codesearch.cli_model import add_model_parser

    add_model_parser(sub, common)
    cli_hooks.add_parsers(sub, common)
    add_parsers(sub, common)  # serve, mcp
    return parser


def _add_result_options(p: argparse.ArgumentParser, *, mode_help: str) -> None:
    """The options of the commands that print hits: how many, filters, mode, output."""
    p.add_argument("-k", type=int, dest="k", help="number of hits (default 10)")
    p.add_argument("--lang", help="only this language (python, go, ...)")
    p.add_argument("--path", dest="path_glob", metavar="GLOB", help="only paths matching this glob")
    p.add_argument("--repo", help="only this repository (its name in `codesearch status`)")
    p.add_argument("--kind", help="only this kind (function, method, class, ...)")
    p.add_argument("--mode", choices=MODES, help=mode_help)
    p.add_argument("--json", action="store_true", help="print exactly one JSON object")
    p.add_argument("--explain", action="store_true", help="with --json: add each hit's `why` and `also_at`")
    p.add_argument("--rerank", action="store_true", help="rerank the top hits with a cross-encoder (Qwen3)")
    p.add_argument("--reranker", help="reranker: auto, http, qwen3-0.6b/4b/8b (env CODESEARCH_RERANKER)")
    p.add_argument("--rerank-top", type=int, help="how many fused hits to rerank (default 30)")
    p.add_argument(
        "--reranker-url", dest="reranker_urls", action="append", metavar="URL", help="/v1/rerank server"
    )
    p.add_argument("--reranker-model-path", metavar="DIR", help="local Qwen3-Reranker weights")


def _settings(args: argparse.Namespace) -> Settings:
    names = (
        "index_dir",
        "model",
        "dim",
        "model_path",
        "embedding_urls",
        "k",
        "mode",
        "max_file_size",
        "ignore",
        "reranker",
        "rerank_top",
        "reranker_urls",
        "reranker_model_path",
    )
    return load_settings({n: getattr(args, n, None) for n in names})


def _embedder(settings: Settings, model: str | None = None) -> Any:
    """The embedder the settings (or an existing index's manifest) call for; None for lexical only."""
    name = model or settings.model
    if name == "none":
        return None
    from codesearch.embedding.registry import get_embedder

    return get_embedder(
        name,
        dim=settings.dim,
        urls=settings.embedding_urls,
        model_path=settings.model_path,
        api_key=settings.api_key,
        device=settings.device,
    )


def _model_name(settings: Settings, embedder: Any) -> str:
    if embedder is None:
        return "none"
    return str(embedder.registry_name or settings.model)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    for flag in ("debug", "verbose", "json", "rebuild", "explain", "rerank", "dry_run"):
        setattr(args, flag, getattr(args, flag, False))
    for name in ("model", "index_dir", "dim", "model_path", "embedding_urls"):
        setattr(args, name, getattr(args, name, None))
    level = logging.DEBUG if args.debug else logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    from codesearch import cli_commands

    handler = getattr(cli_commands, f"cmd_{args.command}")
    try:
        return int(handler(args, _settings(args)))
    except CodesearchError as exc:
        if args.debug:
            raise
        print(f"codesearch: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("codesearch: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
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


def print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def resolve_paths(specs: Sequence[str], settings: Settings) -> list[Path]:
    from indexer.sources import resolve_source

    return [resolve_source(spec, cache_dir=settings.clone_dir) for spec in specs]


if __name__ == "__main__":
    sys.exit(main())
