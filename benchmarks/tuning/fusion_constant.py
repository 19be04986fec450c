"""Sweep one constant of ``codesearch.fusion`` (a share, a weight) as real searches.

    python -m benchmarks.tuning.fusion_constant --name TRANSLATED_VARIANT_SHARE --values "0;0.5;1"
        [--model use+minilm-int8] [--mode hybrid] [--sets handwritten:dev,csn:dev,heldout,...]

For each value (a Python literal: ``0.5``, ``None``, ``(8, 2, 3, 3)``), every query of ``--sets`` (``NAME:SPLIT``
keeps one split) is searched by a searcher opened as a user would, with the constant set. Prints MRR@10 per set
and, pooled over the sets, the paired difference against the first value (95% bootstrap interval), English and
not English.
"""

from __future__ import annotations

import argparse
import ast

from benchmarks.paths import OUT
from benchmarks.quality import run as quality
from benchmarks.quality.compare_runs import mean_difference
from benchmarks.quality.ratio_ci import interval, reciprocal_rank
from benchmarks.tuning.common import patched
from codesearch import fusion
from codesearch.embedding import get_embedder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--name", required=True, help="a constant of codesearch.fusion")
    ap.add_argument(
        "--values", required=True, help="v1;v2;... (the first is the one differences are taken against)"
    )
    ap.add_argument("--model", default="use+minilm-int8")
    ap.add_argument("--mode", default="hybrid")
    ap.add_argument("--sets", default="handwritten:dev,csn:dev")
    args = ap.parse_args()
    if not hasattr(fusion, args.name):
        ap.error(f"codesearch.fusion has no {args.name}")
    values = [ast.literal_eval(v) for v in args.values.split(";")]
    embedder = get_embedder(args.model)
    specs = args.sets.split(",")
    records = {}
    for spec in specs:
        name, _, split = spec.partition(":")
        records[spec] = quality.load_queries(name, quality.CORPUS, None, split=split or None)
    print(f"\n{args.mode}, {args.name} (shipped {getattr(fusion, args.name)!r})\n")
    print(f"| {args.name} | " + " | ".join(specs) + " | English | not English |")
    print("| --- |" + " --- |" * (len(specs) + 2), flush=True)
    first: list[tuple[str, float]] = []
    for value in values:
        ranks: list[tuple[str, float]] = []
        cells = []
        with patched(fusion, **{args.name: value}):
            searcher = quality.open_searcher(OUT / f"index-{args.model}", embedder)
            for spec in specs:
                outcomes, _ = quality.run_queries(searcher, args.mode, records[spec])
                mine = [(o.lang, reciprocal_rank(o.rank)) for o in outcomes]
                ranks += mine
                cells.append(f"{sum(r for _, r in mine) / len(mine):.3f}")
            searcher.close()
        first = first or ranks
        for english in (True, False):
            pairs = [(b[1], a[1]) for b, a in zip(first, ranks, strict=True) if (b[0] == "en") == english]
            lo, hi = interval(pairs, mean_difference) or (0.0, 0.0)
            mean = sum(a for _, a in pairs) / len(pairs)
            cells.append(f"{mean:.3f} {mean_difference(pairs):+.4f} ({lo:+.3f}..{hi:+.3f})")
        print(f"| {value!r} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
