"""Sweep the BM25 column weights (name, path, doc, code) of the lexical side over the `use` benchmark index.

    python -m benchmarks.tuning.bm25_weights [--index benchmarks/out/index-use]

Prints MRR@10 of the lexical and hybrid modes on the hand-written and CSN query sets per setting. Read
the CSN column with care: its targets' doc comments are blanked out of the index (the query is made from
them), so that set rewards a low doc weight that real queries over documented code do not.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.paths import OUT
from benchmarks.quality import run as quality
from benchmarks.quality.scoring import grouped
from benchmarks.tuning import common
from codesearch.embedding import get_embedder
from indexer.lexical_ranker import COMMON_DF, LexicalRanker

SETTINGS = [(8, 2, 3, 1), (4, 2, 3, 1), (8, 1, 3, 1), (8, 2, 1, 1), (8, 2, 3, 2), (4, 1, 2, 1), (2, 1, 1, 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=OUT / "index-use")
    common.add_split_argument(ap)
    args = ap.parse_args()
    embedder = get_embedder("use")
    queries = common.load_queries(args, "handwritten", "csn")
    print("| name, path, doc, code | lexical hw | lexical csn | hybrid hw | hybrid csn |")
    print("| --- | --- | --- | --- | --- |")
    for weights in SETTINGS:
        # the sweep overrides the ranker's default weights, then opens a searcher as a user would
        LexicalRanker.__init__.__defaults__ = (weights, COMMON_DF)
        searcher = quality.open_searcher(args.index, embedder)
        row = [", ".join(map(str, weights)) + (" (shipped)" if weights == SETTINGS[0] else "")]
        for mode in ("lexical", "hybrid"):
            for records in queries.values():
                outcomes, _ = quality.run_queries(searcher, mode, records)
                row.append(f"{grouped(outcomes, 'lang')['all'].mrr10:.3f}")
        print("| " + " | ".join(row) + " |", flush=True)
        searcher.close()


if __name__ == "__main__":
    main()
