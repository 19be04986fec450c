"""Check that every query's targets exist in the corpus: the file is there and defines the named function.

    python -m benchmarks.quality.validate_queries [queries/handwritten.jsonl queries/csn.jsonl ...]

A target must also be code the product indexes: a file the crawler skips (generated, minified, vendored, ...)
is reported with the crawler's reason. Also checks the record shape (id, query, lang, targets, code_lang; `style`, when present, is natural or
identifier), unique ids, that `code_lang` agrees with the target file, and (for CSN targets) that
`start_line` is the definition's start line.
Exit status 1 when anything is wrong.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from functools import cache
from pathlib import Path

from benchmarks.paths import CORPUS, QUERIES
from benchmarks.quality.corpus_functions import FunctionDef, extract_functions, language_for
from indexer.crawl import crawl
from indexer.crawl_rules import is_vendored_dir_name

DEFAULT_FILES = [
    QUERIES / "handwritten.jsonl",
    QUERIES / "csn.jsonl",
    QUERIES / "heldout.jsonl",
    QUERIES / "heldout2.jsonl",
    QUERIES / "heldout3.jsonl",
    QUERIES / "heldout4.jsonl",
    QUERIES / "heldout5.jsonl",
    QUERIES / "heldout6.jsonl",
    QUERIES / "heldout7.jsonl",
    QUERIES / "heldout8.jsonl",
    QUERIES / "heldout9.jsonl",
    QUERIES / "heldout10.jsonl",
    QUERIES / "heldout11.jsonl",
    QUERIES / "heldout12.jsonl",
    QUERIES / "heldout13.jsonl",
    QUERIES / "heldout14.jsonl",
    QUERIES / "heldout15.jsonl",
    QUERIES / "heldout16.jsonl",
    QUERIES / "heldout17.jsonl",
    QUERIES / "heldout18.jsonl",
    QUERIES / "heldout19.jsonl",
    QUERIES / "heldout20.jsonl",
    QUERIES / "heldout21.jsonl",
    QUERIES / "heldout22.jsonl",
    QUERIES / "heldout23.jsonl",
    QUERIES / "heldout24.jsonl",
    QUERIES / "heldout25.jsonl",
    QUERIES / "heldout26.jsonl",
    QUERIES / "heldout27.jsonl",
]
REQUIRED = ("id", "query", "lang", "targets", "code_lang")
STYLES = {"natural", "identifier"}  # optional `style` field


@cache
def functions_in(corpus: Path, repo: str, path: str) -> tuple[FunctionDef, ...] | None:
    """Function definitions of one corpus file, or None when the file is missing."""
    file = corpus / repo / path
    language = language_for(file)
    if not file.is_file() or language is None:
        return None
    return tuple(extract_functions(file.read_bytes(), language))


@cache
def skipped_by_crawler(corpus: Path, repo: str) -> dict[str, str]:
    """The files of a corpus package that the crawler skips, with its reason (a skipped folder ends in "/")."""
    root = corpus / repo
    return dict(crawl(root).skipped) if root.is_dir() else {}


def crawler_skip(corpus: Path, repo: str, path: str) -> str | None:
    """Why the crawler skips ``path`` of package ``repo`` (itself or a folder above it), or None."""
    skipped = skipped_by_crawler(corpus, repo)
    parts = path.split("/")
    folders = ("/".join(parts[:n]) + "/" for n in range(1, len(parts)))
    return skipped.get(path) or next((skipped[f] for f in folders if f in skipped), None)


def check_record(record: dict[str, object], corpus: Path) -> list[str]:
    """Problems with one query record (empty when it is valid)."""
    problems = [f"missing field {k!r}" for k in REQUIRED if k not in record]
    if problems:
        return problems
    if record.get("style", "natural") not in STYLES:
        problems.append(f"style must be one of {sorted(STYLES)}, not {record['style']!r}")
    targets = record["targets"]
    if not isinstance(targets, list) or not targets:
        return ["targets must be a non-empty list"]
    for target in targets:
        repo, path, name = target.get("repo"), target.get("path"), target.get("name")
        where = f"{repo}/{path}::{name}"
        if any(is_vendored_dir_name(part) for part in str(path).split("/")[:-1]):
            problems.append(f"{where}: inside a folder the crawler skips as vendored")
            continue
        reason = crawler_skip(corpus, str(repo), str(path))
        if reason is not None:
            problems.append(f"{where}: the crawler skips this file ({reason})")
            continue
        functions = functions_in(corpus, str(repo), str(path))
        if functions is None:
            problems.append(f"{where}: file not found in corpus")
            continue
        matches = [f for f in functions if f.name == name]
        if not matches:
            problems.append(f"{where}: no definition named {name!r} in that file")
            continue
        if matches[0].language != record["code_lang"]:
            problems.append(f"{where}: code_lang {record['code_lang']} but file is {matches[0].language}")
        line = target.get("start_line")
        if line is not None and line not in {f.start_line for f in matches}:
            problems.append(f"{where}: no definition starts at line {line}")
    return problems


def validate_file(path: Path, corpus: Path) -> tuple[int, list[str]]:
    """Validate one JSONL query file; return (number of records, problems)."""
    problems: list[str] = []
    ids: Counter[str] = Counter()
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for record in records:
        ids[str(record.get("id"))] += 1
        problems.extend(f"{path.name} {record.get('id')}: {p}" for p in check_record(record, corpus))
    problems.extend(f"{path.name}: duplicate id {i}" for i, n in ids.items() if n > 1)
    return len(records), problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    failed = False
    for file in args.files:
        count, problems = validate_file(file, args.corpus)
        for problem in problems:
            print(problem, file=sys.stderr)
        failed = failed or bool(problems)
        print(f"{file.name}: {count} queries, {len(problems)} problems")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
