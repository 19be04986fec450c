"""Long queries that lean on the dense side: a candidate weighting, run as real searches.

    python -m benchmarks.tuning.long_query_weights [--words 9] [--dense 0.5] [--split dev]
        [--sets handwritten,csn,heldout,...]

A query of ``--words`` words or more (split on whitespace) whose fusion plan gives the dense side more than
``--dense`` gets ``--dense`` / ``1 - --dense`` instead (``Searcher._plan`` patched; the English model's and
``use``'s share of the dense side are kept). Found in the replay of ``length_weights --langs not-en``:
long non-English queries, translated word by word for the lexical side, did better at 0.5 than at the
shipped 0.6-0.75. The quality harness runs the shipped code, then the candidate, over the same index; the
paired comparison is ``benchmarks.quality.compare_runs``. Results: benchmarks/results/length-weights-2026-12-07.md.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from benchmarks.quality import run as quality
from benchmarks.tuning.common import add_split_argument, patched
from codesearch.fusion import FusionPlan
from codesearch.search import Searcher


def long_query_plan(words: int, dense: float) -> Any:
    """``Searcher._plan`` with the candidate applied after it."""
    shipped = Searcher._plan

    def _plan(self: Searcher, generation: Any, query: Any) -> FusionPlan:
        plan = shipped(self, generation, query)
        if len(query.text.split()) >= words and plan.weights[0] > dense:
            return dataclasses.replace(plan, weights=(dense, 1.0 - dense))
        return plan

    return _plan


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=9)
    ap.add_argument("--dense", type=float, default=0.5)
    add_split_argument(ap)
    ap.add_argument("--sets", default="handwritten,csn")
    ap.add_argument("--shipped-too", action="store_true", help="run the shipped code first, same index")
    args = ap.parse_args()
    argv = ["--models", "use+minilm-int8", "--modes", "hybrid", "--queries", args.sets, "--split", args.split]
    if args.shipped_too:
        print("\n## shipped\n")
        quality.main(argv)
    print(f"\n## {args.words}+ words: dense {args.dense}\n")
    with patched(Searcher, _plan=long_query_plan(args.words, args.dense)):
        quality.main(argv)


if __name__ == "__main__":
    main()
