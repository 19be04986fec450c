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

from benchmarks.tuning.common import patched
from benchmarks.tuning.paired_sweep import load_sets, paired_sweep
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
    shipped = fusion.ENGLISH_BM25_WEIGHTS if args.english else BM25_WEIGHTS

    def setting(weights: Any) -> tuple[str, Any]:
        label = "off" if weights is None else ", ".join(f"{w:g}" for w in weights)
        label += " (shipped)" if weights == shipped else ""
        # the sweep sets the weights every ranker takes (or English queries' plans), then searches as a user would
        if args.english:
            return label, lambda: patched(fusion, ENGLISH_BM25_WEIGHTS=weights)
        return label, lambda: patched(lexical_ranker, BM25_WEIGHTS=weights)

    embedder = get_embedder(args.model)
    records = load_sets(args.sets.split(","))
    for mode in args.modes.split(","):
        paired_sweep(
            args.model, embedder, mode, records, [setting(w) for w in settings], "name, path, doc, code"
        )


if __name__ == "__main__":
    main()
