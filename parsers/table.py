"""The Markdown table of supported languages, generated from the query files and the extension table.

``python -m parsers.table`` prints it; ``--write README.md`` replaces the region between
``<!-- languages:start -->`` and ``<!-- languages:end -->`` in that file.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from parsers.grammars import query_source, supported_languages
from parsers.languages import extensions_for

START_MARKER = "<!-- languages:start -->"
END_MARKER = "<!-- languages:end -->"
_CAPTURE = re.compile(r"@definition\.([a-z]+)")
# Only these hold methods in the table; a C struct with functions around it does not.
_METHOD_HOLDERS = {"class", "interface", "trait"}


def kinds_for(language: str) -> list[str]:
    """The symbol kinds the query file of ``language`` can produce (functions in types become methods)."""
    text = query_source(language)
    kinds = set(_CAPTURE.findall(text))
    if "function" in kinds and (kinds & _METHOD_HOLDERS or "@scope" in text):
        kinds.add("method")
    return sorted(kinds)


def languages_table_markdown() -> str:
    """A Markdown table: one row per supported language with its file names and extracted kinds."""
    rows = ["| language | files | extracted |", "| --- | --- | --- |"]
    for language in supported_languages():
        files = ", ".join(f"`{name}`" for name in extensions_for(language))
        rows.append(f"| {language} | {files} | {', '.join(kinds_for(language))} |")
    return "\n".join(rows) + "\n"


def replace_region(text: str, table: str) -> str:
    """``text`` with the marked region replaced by ``table``; ValueError when the markers are missing."""
    start = text.find(START_MARKER)
    end = text.find(END_MARKER)
    if start < 0 or end < start:
        raise ValueError(f"markers {START_MARKER} ... {END_MARKER} not found")
    return text[: start + len(START_MARKER)] + "\n" + table + text[end:]


def marked_region(text: str) -> str | None:
    """The text between the markers (without them), or None when they are missing."""
    start = text.find(START_MARKER)
    end = text.find(END_MARKER)
    if start < 0 or end < start:
        return None
    return text[start + len(START_MARKER) : end].strip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the table, or write it into a file's marked region."""
    args_parser = argparse.ArgumentParser(prog="python -m parsers.table", description=__doc__)
    args_parser.add_argument("--write", metavar="FILE", help="replace the marked region of FILE")
    args = args_parser.parse_args(argv)
    table = languages_table_markdown()
    if not args.write:
        sys.stdout.write(table)
        return 0
    path = Path(args.write)
    try:
        path.write_text(replace_region(path.read_text(encoding="utf-8"), table), encoding="utf-8")
    except (OSError, ValueError) as error:
        sys.stderr.write(f"error: {path}: {error}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
