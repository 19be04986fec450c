"""Sweep the fusion of hybrid search over an existing benchmark index, against reciprocal rank fusion.

    python benchmarks/fusion.py [--index benchmarks/out/index-use]

Build the index first (`python benchmarks/quality.py --models use`). For each setting of the (dense,
lexical) weights by query script (`codesearch.search.fusion_weights`), runs every query in hybrid mode and
prints MRR@10 per query set, and for the non-Latin-script queries (ja, ko, ru, zh) alone. The baseline rows
replace the score fusion with plain reciprocal rank fusion (k = 60).
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
SHIPPED_FUSE = search._fuse


def rrf(rankings, weights=None):  # noqa: ANN001, ANN201 -- the baseline, same signature as search._fuse
    weights = weights or [1.0] * len(rankings)
    scores: dict[int, float] = {}
    for weight, ranking in zip(weights, rankings, strict=True):
        for rank, (doc_id, _) in enumerate(ranking, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + weight / (60 + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


# (label, fusion, default weights, non-Latin weights)
SETTINGS = [
    ("RRF, equal weights (baseline)", rrf, (1.0, 1.0), (1.0, 1.0)),
    ("RRF, non-Latin lexical 0.25", rrf, (1.0, 1.0), (1.0, 0.25)),
    ("score, dense 0.4", SHIPPED_FUSE, (0.4, 0.6), (0.75, 0.25)),
    ("score, dense 0.5 (shipped)", SHIPPED_FUSE, (0.5, 0.5), (0.75, 0.25)),
    ("score, dense 0.6", SHIPPED_FUSE, (0.6, 0.4), (0.75, 0.25)),
    ("score, dense 0.5, non-Latin dense 1.0", SHIPPED_FUSE, (0.5, 0.5), (1.0, 0.0)),
    ("score, dense 0.7", SHIPPED_FUSE, (0.7, 0.3), (0.75, 0.25)),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=HERE / "out" / "index-use")
    args = ap.parse_args()
    queries = {name: quality.load_queries(name, quality.CORPUS, None) for name in ("handwritten", "csn")}
    searcher = search.Searcher(args.index, get_embedder("use"))
    print("| setting | handwritten | handwritten ja/ko/ru/zh | csn |")
    print("| --- | --- | --- | --- |")
    for label, fuse, default, non_latin in SETTINGS:
        search._fuse, search.DEFAULT_WEIGHTS, search.NON_LATIN_WEIGHTS = fuse, default, non_latin
        row = [label]
        for name, records in queries.items():
            outcomes, _ = quality.run_queries(searcher, "hybrid", records)
            row.append(f"{grouped(outcomes, 'lang')['all'].mrr10:.3f}")
            if name == "handwritten":
                row.append(f"{metrics(o.rank for o in outcomes if o.lang in NON_LATIN).mrr10:.3f}")
        print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
