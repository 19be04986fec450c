"""Sweep how hybrid search scales each ranking before it sums them (``codesearch.fusion.normalised``), over
an existing benchmark index, on the dev split by default.

    python -m benchmarks.tuning.normalisation [--model use+minilm-int8] [--split dev] [--rows minmax,std]
    python -m benchmarks.tuning.normalisation --rows minmax,std --split test --harness [--sets ...]

Each ranking (dense, lexical) is a list of up to 100 candidates with scores on its own scale; fusion sums
them with weights after scaling each to a common one. Rows, one scaling each:

- ``minmax``: (s - min) / (max - min), what shipped until 2026-12-07;
- ``std``: (s - min) / standard deviation: the spread of the whole list sets the unit, so one outlier at
  the top does not squash the rest, and a list whose head stands out keeps more of its lead; what ships
  (results/fusion-scaling-2026-12-07.md);
- ``head``: min-max against the 20th score, clipped at 0: only the head of each list competes;
- ``rank``: 1 / (60 + rank), reciprocal-rank fusion with the same weights (the scores ignored).

Prints MRR@10 of the hand-written queries (all, English, not English), of the CSN-style ones and, on test,
of the two held-out sets. With ``--harness`` each row is instead one run of the quality harness over
``--sets`` (default: every test set), which writes its JSON to benchmarks/out/ for
``benchmarks.quality.compare_runs``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

import codesearch.fusion as fusion
from benchmarks.quality import run as quality
from benchmarks.quality.scoring import metrics
from benchmarks.tuning import common

Normaliser = Callable[[Sequence[tuple[int, float]]], dict[int, float]]


def minmax(ranking: Sequence[tuple[int, float]]) -> dict[int, float]:
    """What shipped before 2026-12-07."""
    if not ranking:
        return {}
    values = [score for _, score in ranking]
    lo, hi = min(values), max(values)
    if hi == lo:
        return {i: 1.0 for i, _ in ranking}
    return {i: (score - lo) / (hi - lo) for i, score in ranking}


std_scaled: Normaliser = fusion.normalised  # what ships since 2026-12-07


def head_scaled(ranking: Sequence[tuple[int, float]], head: int = 20) -> dict[int, float]:
    if not ranking:
        return {}
    values = sorted((score for _, score in ranking), reverse=True)
    hi, lo = values[0], values[min(head, len(values)) - 1]
    if hi == lo:
        return minmax(ranking)
    return {i: max(0.0, (score - lo) / (hi - lo)) for i, score in ranking}


def rank_scaled(ranking: Sequence[tuple[int, float]]) -> dict[int, float]:
    ordered = sorted(ranking, key=lambda item: -item[1])
    return {i: 61.0 / (60 + rank) for rank, (i, _) in enumerate(ordered, 1)}


ROWS: dict[str, Normaliser] = {
    "minmax": minmax,
    "std": std_scaled,
    "head": head_scaled,
    "rank": rank_scaled,
}


HARNESS_SETS = (
    "handwritten,csn,heldout,heldout2,heldout3,heldout4,heldout5,heldout6,heldout7,heldout8,heldout9,"
    "heldout10,heldout11,heldout12,heldout13,heldout14,heldout15,heldout16,heldout17,heldout18,heldout19,heldout20,"
    "heldout21,heldout22,heldout23,heldout24,heldout25,heldout26,heldout27"
)  # not the blind sets (``run.UNREAD_SETS``): a tuning run never reads them


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_index_arguments(ap, "use+minilm-int8")
    common.add_split_argument(ap)
    ap.add_argument("--rows", default=",".join(ROWS), help="comma-separated: " + ", ".join(ROWS))
    ap.add_argument("--harness", action="store_true", help="each row one quality-harness run (its JSON)")
    ap.add_argument("--sets", default=HARNESS_SETS, help="with --harness: the query sets")
    args = ap.parse_args()
    if args.harness:
        for row in args.rows.split(","):
            argv = [
                "--models",
                args.model,
                "--modes",
                "hybrid",
                "--queries",
                args.sets,
                "--split",
                args.split,
            ]
            print(f"\n## {row}", flush=True)
            with common.patched(fusion, normalised=ROWS[row]):
                quality.main(argv)
        return
    names = ["handwritten", "csn"] + (["heldout", "heldout2"] if args.split != "dev" else [])
    sets = common.load_queries(args, *names)
    searcher = common.open_searcher(args)
    columns = ["hw", "hw en", "hw not en", "csn"] + (["held-out", "heldout2"] if args.split != "dev" else [])
    print(f"{args.split}, model {args.model}, MRR@10 hybrid")
    print("| scaling | " + " | ".join(columns) + " |")
    print("| --- " * (1 + len(columns)) + "|")
    for row in args.rows.split(","):
        with common.patched(fusion, normalised=ROWS[row]):
            outcomes = {
                name: quality.run_queries(searcher, "hybrid", records)[0] for name, records in sets.items()
            }
        hw = outcomes["handwritten"]
        cells = [
            metrics(o.rank for o in hw).mrr10,
            metrics(o.rank for o in hw if o.lang == "en").mrr10,
            metrics(o.rank for o in hw if o.lang != "en").mrr10,
            metrics(o.rank for o in outcomes["csn"]).mrr10,
        ] + [metrics(o.rank for o in outcomes[name]).mrr10 for name in names[2:]]
        print(f"| {row} | " + " | ".join(f"{c:.3f}" for c in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
