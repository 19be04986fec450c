"""Sweep of the ranking changes of issue 15 (C/C++ prototypes folded into their definitions, large
containers below their members, fusion per query language) over a benchmark index, on the dev split.

    python -m benchmarks.tuning.ranking --sweep roles [--model use] [--split dev|test]

Build the index first (`python -m benchmarks.quality.run --models MODEL`). Each row is one setting, run
over every query of the split in hybrid mode; columns: MRR@10 of the hand-written set (all, English, not
English), of the CSN set, and of the hand-written C and C++ queries; plus the held-out set when the split
is test. Tune on dev; read test only to decide whether to ship.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import codesearch.roles as roles
from benchmarks.paths import OUT
from benchmarks.quality import run as quality
from benchmarks.quality.scoring import metrics
from benchmarks.tuning.common import patched
from codesearch.embedding import get_embedder

Setting = Callable[[], contextmanager]  # type: ignore[type-arg]


def role_settings() -> list[tuple[str, dict[str, object]]]:
    """Before (main: C prototypes are plain code) and after. A prior on large containers (classes over
    100/200/400 lines x0.8/0.6/0.4) was swept here too and lost on dev; it is not in the code any more."""
    return [("before (main)", {"C_FAMILY_SUFFIXES": ()}), ("C prototypes folded", {})]


PORTER = "porter unicode61 remove_diacritics 2 tokenchars '_'"

# code-aware synonyms: a query word (by its stem) -> the words code spells it with
SYNONYMS = {
    "delet": ["del", "remove", "rm", "erase", "unlink"],
    "remov": ["del", "delete", "rm", "erase"],
    "initi": ["init"],
    "initialis": ["init"],
    "configur": ["config", "cfg", "conf"],
    "config": ["cfg", "conf", "configuration"],
    "directori": ["dir"],
    "temporari": ["tmp", "temp"],
    "number": ["num"],
    "string": ["str"],
    "messag": ["msg"],
    "argument": ["arg", "args"],
    "paramet": ["param", "params"],
    "length": ["len"],
    "error": ["err"],
    "refer": ["ref"],
    "sourc": ["src"],
    "destin": ["dest", "dst"],
    "buffer": ["buf"],
    "pointer": ["ptr"],
    "valu": ["val"],
    "variabl": ["var"],
    "command": ["cmd"],
    "attribut": ["attr"],
    "previous": ["prev"],
    "current": ["cur", "curr"],
    "charact": ["char", "chr"],
    "integ": ["int"],
    "boolean": ["bool"],
    "alloc": ["malloc"],
    "compar": ["cmp"],
    "calcul": ["calc"],
    "execut": ["exec"],
    "inform": ["info"],
    "maximum": ["max"],
    "minimum": ["min"],
    "posit": ["pos"],
    "request": ["req"],
    "respons": ["resp"],
    "object": ["obj"],
    "environ": ["env"],
    "document": ["doc"],
    "imag": ["img"],
    "password": ["passwd"],
    "databas": ["db"],
    "synchron": ["sync"],
    "asynchron": ["async"],
    "iter": ["iterator"],
    "context": ["ctx"],
    "address": ["addr"],
    "sequenc": ["seq"],
    "express": ["expr"],
    "callback": ["cb"],
    "specif": ["spec"],
    "librari": ["lib"],
    "util": ["utils"],
    "count": ["cnt"],
    "increment": ["incr", "inc"],
    "decrement": ["decr", "dec"],
    "concaten": ["concat"],
    "descript": ["desc"],
    "millisecond": ["ms"],
    "kilobyt": ["kb"],
}


def porter_copy(source: Path, target: Path) -> Path:
    """A copy of ``source`` whose FTS5 table stems with Porter (content re-inserted, nothing re-parsed)."""
    import shutil
    import sqlite3

    if (target / "manifest.json").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    for f in source.iterdir():
        if f.name.endswith(("-wal", "-shm", ".lock")) or f.is_dir():
            continue
        shutil.copy(f, target / f.name)
    db = sqlite3.connect(target / "meta.sqlite")
    with db:
        db.execute("ALTER TABLE documents_fts RENAME TO old_fts")
        db.execute(
            f'CREATE VIRTUAL TABLE documents_fts USING fts5(name, path, doc, code, tokenize = "{PORTER}")'
        )
        db.execute(
            "INSERT INTO documents_fts(rowid, name, path, doc, code) SELECT rowid, name, path, doc, code FROM old_fts"
        )
        db.execute("DROP TABLE old_fts")
    db.execute("VACUUM")
    db.close()
    return target


@contextmanager
def stemmed_lookups() -> Iterator[None]:
    """Vocabulary look-ups (document frequencies, coverage) by each word's Porter stem."""
    import Stemmer

    from indexer.lexical_ranker import LexicalRanker

    stemmer = Stemmer.Stemmer("porter")
    original = LexicalRanker.document_frequencies

    def by_stem(self, db, words):  # type: ignore[no-untyped-def]
        stems = {w: stemmer.stemWord(w) for w in words}
        found = original(self, db, list(dict.fromkeys(stems.values())))
        return {w: found[stems[w]] for w in words}

    LexicalRanker.document_frequencies = by_stem  # type: ignore[method-assign]
    try:
        yield
    finally:
        LexicalRanker.document_frequencies = original  # type: ignore[method-assign]


@contextmanager
def with_synonyms() -> Iterator[None]:
    import Stemmer

    import codesearch.query as search

    stemmer = Stemmer.Stemmer("porter")
    original = search.query_terms

    def expanded(query: str) -> list[str]:
        terms = original(query)
        extra = [s for t in terms for s in SYNONYMS.get(stemmer.stemWord(t), []) if s not in terms]
        return terms + list(dict.fromkeys(extra))

    search.query_terms = expanded  # type: ignore[assignment]
    try:
        yield
    finally:
        search.query_terms = original  # type: ignore[assignment]


@contextmanager
def nothing() -> Iterator[None]:
    yield


def lexical_sweep(args: argparse.Namespace, sets: dict[str, list], index: Path) -> None:
    embedder = get_embedder(args.model)
    porter = porter_copy(index, index.with_name(index.name + "-porter"))
    rows = [
        ("plain (shipped)", index, nothing),
        ("synonyms", index, with_synonyms),
        ("porter stemming", porter, stemmed_lookups),
    ]
    searchers = {}
    for label, where, patch in rows:
        if where not in searchers:
            searchers[where] = quality.open_searcher(where, embedder)
        for mode in ("lexical", "hybrid"):
            with patch():
                out = {name: quality.run_queries(searchers[where], mode, qs)[0] for name, qs in sets.items()}
            print_row(f"{label} {mode}", sets, out)
    with stemmed_lookups(), with_synonyms():
        for mode in ("lexical", "hybrid"):
            out = {name: quality.run_queries(searchers[porter], mode, qs)[0] for name, qs in sets.items()}
            print_row(f"porter + synonyms {mode}", sets, out)


def fusion_sweep(args: argparse.Namespace, sets: dict[str, list], index: Path) -> None:
    """Weights of a two-model index (``use+<English model>``) for queries that read as English."""
    import codesearch.fusion as fusion

    searcher = quality.open_searcher(index, get_embedder(args.model))
    grid = [(1.0, (0.5, 0.5)), (0.5, (0.5, 0.5)), (0.0, (0.5, 0.5)), (0.0, (0.4, 0.6)), (0.0, (0.6, 0.4))]
    rows = [(f"use weight {m}, dense/lexical {c}", m, c) for m, c in grid]
    if args.only:
        rows = [r for r in rows if any(r[0].startswith(w) for w in args.only.split(","))]
    for label, multilingual, covered in rows:
        with patched(
            fusion, MULTILINGUAL_WEIGHT_FOR_ENGLISH=multilingual, COVERED_WEIGHTS_ENGLISH_MODEL=covered
        ):
            out = {name: quality.run_queries(searcher, "hybrid", qs)[0] for name, qs in sets.items()}
        print_row(label, sets, out)


def print_row(label: str, sets: dict[str, list], out: dict[str, list]) -> None:
    cells = []
    for name in sets:
        o = out[name]
        if name == "csn":
            groups = [o, [x for x in o if x.code_lang == "c"], [x for x in o if x.code_lang == "cpp"]]
        else:
            groups = [
                o,
                [x for x in o if x.lang == "en"],
                [x for x in o if x.lang != "en"],
                [x for x in o if x.code_lang == "c"],
                [x for x in o if x.code_lang == "cpp"],
            ]
        cells += [f"{metrics(x.rank for x in g).mrr10:.3f}" for g in groups]
    print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="use")
    ap.add_argument("--index", type=Path)
    ap.add_argument("--sweep", default="roles", choices=("roles", "lexical", "fusion"))
    ap.add_argument("--split", default="dev", choices=("dev", "test"))
    ap.add_argument("--only", help="comma-separated row labels to run (prefix match)")
    args = ap.parse_args()
    index = args.index or OUT / f"index-{args.model}"
    sets = {
        name: quality.load_queries(name, quality.CORPUS, None, split=args.split)
        for name in ("handwritten", "csn")
    }
    if args.split == "test":
        sets["heldout"] = quality.load_queries("heldout", quality.CORPUS, None, split="test")
    header = ["hw", "hw en", "hw not en", "hw c", "hw cpp", "csn", "csn c", "csn cpp"]
    if "heldout" in sets:
        header += ["heldout", "ho en", "ho not en", "ho c", "ho cpp"]
    print(f"model {args.model}, split {args.split}, index {index}")
    print("| setting | " + " | ".join(header) + " |")
    print("| --- " * (len(header) + 1) + "|")
    if args.sweep == "lexical":
        lexical_sweep(args, sets, index)
        return
    if args.sweep == "fusion":
        fusion_sweep(args, sets, index)
        return
    searcher = quality.open_searcher(index, get_embedder(args.model))
    settings = role_settings()
    if args.only:
        wanted = args.only.split(",")
        settings = [s for s in settings if any(s[0].startswith(w) for w in wanted)]
    for label, values in settings:
        with patched(roles, **values):
            out = {name: quality.run_queries(searcher, "hybrid", qs)[0] for name, qs in sets.items()}
        print_row(label, sets, out)


if __name__ == "__main__":
    main()
