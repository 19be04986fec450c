"""What the sweeps share: the dev split by default, the benchmark index of a model, the query sets."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from benchmarks.paths import OUT
from benchmarks.quality import run as quality
from codesearch.embedding import get_embedder


def add_index_arguments(ap: argparse.ArgumentParser, model: str) -> None:
    """``--model`` (default ``model``) and ``--index`` (default: benchmarks/out/index-MODEL)."""
    ap.add_argument("--model", default=model)
    ap.add_argument("--index", type=Path, help="default: benchmarks/out/index-MODEL")


def add_split_argument(ap: argparse.ArgumentParser) -> None:
    ap.add_argument(
        "--split",
        default="dev",
        choices=("dev", "test", "all"),
        help="tune on dev (the default), never on test",
    )


def load_queries(args: argparse.Namespace, *names: str) -> dict[str, list[dict[str, Any]]]:
    """The records of each query set ``names`` in ``args.split``."""
    split = None if args.split == "all" else args.split
    return {name: quality.load_queries(name, quality.CORPUS, None, split=split) for name in names}


def index_of(args: argparse.Namespace) -> Path:
    return args.index or OUT / f"index-{args.model}"


def open_searcher(args: argparse.Namespace) -> Any:
    """A searcher over ``args``' index with its model, as the quality runner opens one."""
    return quality.open_searcher(index_of(args), get_embedder(args.model))
