"""``codesearch models``: the embedding models and whether they can run here."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from rich.markup import escape
from rich.table import Table

from codesearch.cli.output import console, print_json, print_table
from codesearch.errors import ExitCode
from codesearch.settings import Settings


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("models", parents=[common], help="the embedding models and whether they can run here")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
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
    print_table(
        console(table=True),
        table,
        "`--model auto` (the default) uses http when --embedding-url is given, qwen3-4b on a CUDA GPU with "
        "its weights cached, else use+minilm-int8 (use alone when minilm-int8 is not installed); an existing "
        "index keeps the model it was built with.",
    )
    return ExitCode.OK
