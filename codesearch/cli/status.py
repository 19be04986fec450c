"""``codesearch status``: what the index holds."""

from __future__ import annotations

import argparse
import time
from typing import Any

from rich.table import Table

from codesearch import assembly, translate
from codesearch.cli.output import console, print_json, shown
from codesearch.errors import ExitCode
from codesearch.settings import Settings


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("status", parents=[common], help="what the index holds")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=run)


def english_vectors_line(english: dict[str, Any]) -> str:
    """``N of M documents (filling, pid P)``, or ``complete``."""
    if english["embedded"] >= english["documents"]:
        return f"complete ({english['documents']:,} documents)"
    how = (
        f"filling, pid {english['filling_pid']}"
        if english["filling_pid"]
        else "not filling: run `codesearch fill`"
    )
    return f"{english['embedded']:,} of {english['documents']:,} documents ({how})"


def run(args: argparse.Namespace, settings: Settings) -> int:
    status = assembly.index_status(settings)
    status["translation"] = translate.available_dictionaries(
        settings.edict, settings.freedict_dir, settings.apertium
    )
    if args.json:
        print_json(status)
        return ExitCode.OK
    out = console()
    out.print(f"index      {shown(status['index_dir'])} (generation {status['generation']})")
    out.print(f"model      {status['model']} ({status['dim']}-d, {status['fingerprint']})")
    if status.get("embedded_another_way"):
        out.print("           embedded by another version of codesearch: `codesearch index` embeds it again")
    out.print(f"documents  {status['documents']:,}")
    english = status.get("english_vectors")
    if english is not None:
        out.print(f"English vectors: {english_vectors_line(english)}")
    updated = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(status["updated_at"]))
    out.print(f"updated    {updated}")
    table = Table("repo", "root", "files", "symbols", "indexed", box=None)
    for r in status["repos"]:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r["indexed_at"])) if r["indexed_at"] else "-"
        table.add_row(shown(r["name"]), shown(r["root"]), f"{r['files']:,}", f"{r['symbols']:,}", when)
    out.print(table)
    langs = Table("language", "files", "symbols", box=None)
    for lang, n in status["languages"].items():
        langs.add_row(shown(lang), f"{n['files']:,}", f"{n['symbols']:,}")
    out.print(langs)
    out.print(_translation_line(status["translation"]), markup=False, highlight=False)
    return ExitCode.OK


def _translation_line(dictionaries: dict[str, str | None]) -> str:
    """Which query languages get English words from a dictionary, and what the others need."""
    have = [
        f"{lang} (Apertium)" if where.startswith("Apertium") else lang
        for lang, where in dictionaries.items()
        if where
    ]
    missing = [
        f"{lang} ({translate.missing_dictionary_hint(lang)})"
        for lang, where in dictionaries.items()
        if not where
    ]
    line = f"translation  {' '.join(have) or 'none'}"
    return line + (f" · not installed: {', '.join(missing)}" if missing else "")
