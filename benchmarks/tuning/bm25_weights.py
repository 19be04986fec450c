"""Sweep the BM25 column weights (name, path, doc, code) of the lexical side, as real searches.

    python -m benchmarks.tuning.bm25_weights [--model use+minilm-int8] [--modes hybrid]
        [--sets handwritten:dev,csn:dev,heldout,...] [--english]

For each setting, every query of ``--sets`` (``NAME:SPLIT`` keeps one split) is searched in each of
``--modes`` by a searcher opened as a user would, with the ranker's default weights overridden. Prints MRR@10
per set and, pooled over the sets, the paired difference against the first setting (the shipped weights) (95% bootstrap
interval), English and not English. With ``--english`` a setting is the weights of queries that read as
English only (``codesearch.fusion.ENGLISH_BM25_WEIGHTS``, chosen per query by the search as shipped; "off":
none), and the others keep the store's. Read the CSN column with care: its targets' doc comments are blanked out
of the index (the query is made from them), so that set rewards a low doc weight that real queries over
documented code do not.
"""

from __future__ import annotations

import argparse
from typing import Any

from benchmarks.paths import OUT
from benchmarks.quality import run as quality
from benchmarks.quality.compare_runs import mean_difference
from benchmarks.quality.ratio_ci import interval, reciprocal_rank
from benchmarks.tuning.common import patched
from codesearch import fusion
from codesearch.embedding import get_embedder
from indexer import lexical_ranker
from indexer.lexical_ranker import BM25_WEIGHTS

SETTINGS = [
    BM25_WEIGHTS,
    (4.0, 2.0, 3.0, 1.0),
    (12.0, 2.0, 3.0, 1.0),
    (8.0, 1.0, 3.0, 1.0),
    (8.0, 2.0, 2.0, 1.0),
    (8.0, 2.0, 5.0, 1.0),
    (8.0, 2.0, 3.0, 2.0),
    (8.0, 2.0, 3.0, 0.5),
]  # the first: the one differences are taken against


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="use+minilm-int8")
    ap.add_argument("--modes", default="hybrid")
    ap.add_argument("--sets", default="handwritten:dev,csn:dev")
    ap.add_argument(
        "--settings",
        help="name,path,doc,code;... (default: SETTINGS); the first is the one differences are taken against",
    )
    ap.add_argument(
        "--english", action="store_true", help="the settings are for queries that read as English only"
    )
    args = ap.parse_args()
    settings: list[Any] = list(SETTINGS)
    if args.settings:
        settings = [
            None if one == "off" else tuple(float(w) for w in one.split(","))
            for one in args.settings.split(";")
        ]
    embedder = get_embedder(args.model)
    specs = args.sets.split(",")
    records = {}
    for spec in specs:
        name, _, split = spec.partition(":")
        records[spec] = quality.load_queries(name, quality.CORPUS, None, split=split or None)
    for mode in args.modes.split(","):
        print(f"\n{mode}\n\n| name, path, doc, code | " + " | ".join(specs) + " | English | not English |")
        print("| --- |" + " --- |" * (len(specs) + 2), flush=True)
        shipped: list[tuple[str, float]] = []
        for weights in settings:
            ranks: list[tuple[str, float]] = []
            cells = []
            # the sweep sets the weights every ranker takes, then searches as a user would
            patch = (
                patched(fusion, ENGLISH_BM25_WEIGHTS=weights)
                if args.english
                else patched(lexical_ranker, BM25_WEIGHTS=weights)
            )
            with patch:
                searcher = quality.open_searcher(OUT / f"index-{args.model}", embedder)
                for spec in specs:
                    outcomes, _ = quality.run_queries(searcher, mode, records[spec])
                    mine = [(o.lang, reciprocal_rank(o.rank)) for o in outcomes]
                    ranks += mine
                    cells.append(f"{sum(r for _, r in mine) / len(mine):.3f}")
                searcher.close()
            shipped = shipped or ranks
            for english in (True, False):
                pairs = [
                    (b[1], a[1]) for b, a in zip(shipped, ranks, strict=True) if (b[0] == "en") == english
                ]
                lo, hi = interval(pairs, mean_difference) or (0.0, 0.0)
                cells.append(
                    f"{sum(a for _, a in pairs) / len(pairs):.3f} {mean_difference(pairs):+.4f} ({lo:+.3f}..{hi:+.3f})"
                )
            shipped_weights = fusion.ENGLISH_BM25_WEIGHTS if args.english else BM25_WEIGHTS
            label = "off" if weights is None else ", ".join(f"{w:g}" for w in weights)
            label += " (shipped)" if weights == shipped_weights else ""
            print(f"| {label} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
