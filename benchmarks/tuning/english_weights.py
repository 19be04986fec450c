"""How hybrid search weighs an English query, swept with real searches over a chosen pool of query sets.

    python -m benchmarks.tuning.english_weights [--sets handwritten:dev,heldout,heldout2,heldout3]
        [--dense 0.3,0.4,0.5,0.6] [--multilingual 0.0,0.5,1.0]

Two of ``codesearch.fusion``'s constants, one at a time, the other as shipped: the dense weight of a query
that reads as English beside an English model (``COVERED_WEIGHTS_ENGLISH_MODEL``; the lexical weight is the
rest) and how much the multilingual model counts beside the English one for such a query
(``MULTILINGUAL_WEIGHT_FOR_ENGLISH``). ``--sets`` names query sets, each with ``:dev`` or ``:test`` to keep
one split; the default pool is the hand-written dev half and the three oldest held-out sets (read long ago),
124 English queries, more than hand-written dev's 27. Prints MRR@10 of the English queries and of the others
for each setting. Build the index first (``python -m benchmarks.quality.run --models use+minilm-int8``).
"""

from __future__ import annotations

import argparse

from benchmarks.paths import OUT
from benchmarks.quality import run as quality
from benchmarks.quality.scoring import first_correct_rank, metrics
from benchmarks.tuning.common import patched
from codesearch import fusion
from codesearch.embedding import get_embedder

MODEL = "use+minilm-int8"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="handwritten:dev,heldout,heldout2,heldout3")
    ap.add_argument("--dense", default="0.3,0.4,0.5,0.6")
    ap.add_argument("--multilingual", default="0.0,0.5,1.0")
    args = ap.parse_args()
    searcher = quality.open_searcher(OUT / f"index-{MODEL}", get_embedder(MODEL))
    records = []
    for spec in args.sets.split(","):
        name, _, split = spec.partition(":")
        records += quality.load_queries(name, quality.CORPUS, None, split=split or None)
    settings = [
        (f"dense {w}", {"COVERED_WEIGHTS_ENGLISH_MODEL": (w, round(1 - w, 3))})
        for w in map(float, args.dense.split(","))
    ] + [
        (f"multilingual {w}", {"MULTILINGUAL_WEIGHT_FOR_ENGLISH": w})
        for w in map(float, args.multilingual.split(","))
    ]
    print(f"{args.sets}\n\n| setting | English | not English |\n| --- | --- | --- |")
    for label, values in settings:
        english, others = [], []
        with patched(fusion, **values):
            for record in records:
                hits = searcher.search(record["query"], k=10, mode="hybrid").hits
                rank = first_correct_rank(hits, record["resolved"], 10)
                (english if record["lang"] == "en" else others).append(rank)
        print(
            f"| {label} | {metrics(english).mrr10:.3f} ({len(english)}) | {metrics(others).mrr10:.3f} "
            f"({len(others)}) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
