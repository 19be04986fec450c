"""``codesearch forget REPO``: take one repository out of an index (files, symbols, documents, vectors)."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from codesearch.cli.output import console, print_json, shown
from codesearch.errors import ExitCode
from codesearch.settings import Settings


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "forget",
        parents=[common],
        help="remove a repository from the index (its name in `codesearch status`, or its folder)",
    )
    p.add_argument("repo", metavar="REPO", help="the repository's name in `codesearch status`, or its folder")
    p.add_argument("--json", action="store_true", help="print what was removed as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from codesearch import assembly
    from indexer.forget import forget_repository

    report = forget_repository(assembly.store_dir(settings), args.repo, assembly.open_store(settings))
    where = str(settings.index_dir) if settings.store == "local" else settings.store
    if args.json:
        print_json(dataclasses.asdict(report))
        return ExitCode.OK
    console().print(
        f"forgot {shown(report.repo)} ({shown(report.root)}): {report.files:,} files, "
        f"{report.documents:,} documents; index {shown(where)} is at generation "
        f"{report.generation} (the embedding cache keeps its vectors: indexing it again embeds nothing)"
    )
    return ExitCode.OK
