"""Whether a query's length should move the dense/lexical weights: the shipped search's two rankings replayed
at other dense weights, by the query's number of words.

    python -m benchmarks.tuning.length_weights [--sets handwritten:dev,csn:dev,heldout,...] [--langs en]

Long descriptive queries ("read the length that follows an initial byte: inline, or 1, 2, 4 or 8 bytes")
give BM25 many words to match, each weakly; short ones ("parse config file") few. For every query the
shipped hybrid search runs once (``fusion_variants.capture``); its two rankings are fused again with each
dense weight of ``WEIGHTS`` (scaled as shipped), and MRR@10 is printed per length bucket and weight, beside
the shipped weights. Results: benchmarks/results/length-weights-2026-12-07.md.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

from benchmarks.quality import run as quality
from benchmarks.tuning.fusion_variants import capture, mrr, rank_of, replay_sources, two_way, z_score

WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
# (label, fewest words, most words) of the query as typed, split on whitespace
BUCKETS = (("1-4 words", 1, 4), ("5-8", 5, 8), ("9-14", 9, 14), ("15+", 15, 10_000))


def bucket(query: str) -> str:
    n = len(query.split())
    return next(label for label, lo, hi in BUCKETS if lo <= n <= hi)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="handwritten:dev,csn:dev")
    ap.add_argument("--langs", default="en", choices=("en", "not-en"))
    args = ap.parse_args()
    searcher, index = replay_sources()
    ranks: dict[tuple[str, str], list[int | None]] = defaultdict(list)
    for spec in args.sets.split(","):
        name, _, split = spec.partition(":")
        records = quality.load_queries(name, quality.CORPUS, None, split=split or None)
        records = [r for r in records if (r["lang"] == "en") == (args.langs == "en")]
        for replay in capture(searcher, records, index):
            where = bucket(replay.query)
            for key in (where, "all"):
                ranks[(key, "shipped")].append(rank_of(replay, two_way(z_score)(replay)))
                for w in WEIGHTS:
                    ranks[(key, f"{w:.1f}")].append(rank_of(replay, two_way(z_score, dense_weight=w)(replay)))
    columns = ["shipped", *(f"{w:.1f}" for w in WEIGHTS)]
    print(f"\n{args.sets} ({args.langs})\n")
    print("| words | " + " | ".join(f"dense {c}" for c in columns) + " |")
    print("| --- |" + " --- |" * len(columns))
    for label in [b[0] for b in BUCKETS] + ["all"]:
        print(f"| {label} | " + " | ".join(mrr(ranks.get((label, c), [])) for c in columns) + " |")


if __name__ == "__main__":
    main()
