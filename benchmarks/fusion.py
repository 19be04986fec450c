"""Sweep the fusion weights of hybrid search over an existing benchmark index.

    python benchmarks/fusion.py [--index benchmarks/out/index-use]

Build the index first (`python benchmarks/quality.py --models use`). For each setting of the (dense,
lexical) weights by query shape (`codesearch.search.fusion_weights`), runs every query in hybrid mode and
prints MRR@10 per query set, and for the non-Latin-script queries (ja, ko, ru, zh) alone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import quality  # noqa: E402
from scoring import grouped, metrics  # noqa: E402

import codesearch.search as search  # noqa: E402
from codesearch.embedding import get_embedder  # noqa: E402

NON_LATIN = {"ja", "ko", "ru", "zh"}
# (label, default weights, non-Latin weights)
SETTINGS = [
    ("plain RRF", (1.0, 1.0), (1.0, 1.0)),
    ("non-Latin lexical 0.5", (1.0, 1.0), (1.0, 0.5)),
    ("non-Latin lexical 0.25 (shipped)", (1.0, 1.0), (1.0, 0.25)),
    ("non-Latin dense only", (1.0, 1.0), (1.0, 0.0)),
    ("non-Latin 0.5, Latin lexical 1.5", (1.0, 1.5), (1.0, 0.5)),
    ("non-Latin 0.5, Latin lexical 0.7", (1.0, 0.7), (1.0, 0.5)),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=HERE / "out" / "index-use")
    args = ap.parse_args()
    queries = {name: quality.load_queries(name, quality.CORPUS, None) for name in ("handwritten", "csn")}
    searcher = search.Searcher(args.index, get_embedder("use"))
    print("| setting | handwritten | handwritten ja/ko/ru/zh | csn |")
    print("| --- | --- | --- | --- |")
    for label, default, non_latin in SETTINGS:
        search.DEFAULT_WEIGHTS, search.NON_LATIN_WEIGHTS = default, non_latin
        row = [label]
        for name, records in queries.items():
            outcomes, _ = quality.run_queries(searcher, "hybrid", records)
            row.append(f"{grouped(outcomes, 'lang')['all'].mrr10:.3f}")
            if name == "handwritten":
                row.append(f"{metrics(o.rank for o in outcomes if o.lang in NON_LATIN).mrr10:.3f}")
        print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
