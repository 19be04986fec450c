"""Two quality runs compared query by query: MRR@10 of each and the paired bootstrap 95% interval of the
difference, per query set, for English queries, the others, or all.

    python -m benchmarks.quality.compare_runs BEFORE.json AFTER.json [--run use+minilm-int8/hybrid]
        [--sets heldout5] [--langs not-en|en|all|ko,ru] [--split test]

The runs must have scored the same queries (same ids) of each set, after ``--split`` kept one split of each
(a run of both splits against a sweep's run of test alone); queries with no rank count 0, as MRR@10 does.
With several sets, a last row pools their queries.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.quality.ratio_ci import interval, reciprocal_rank


def reciprocal_ranks(
    results: dict[str, Any], run: str, qset: str, langs: str, split: str | None = None
) -> dict[str, float]:
    """query id -> reciprocal rank (0 past 10) of ``run`` on ``qset``, for ``langs``: en, not-en, all, or
    languages named with commas (ko,ru); only the queries of ``split`` when given."""
    return {
        q["id"]: reciprocal_rank(q["rank"])
        for q in results["runs"][run][qset]["queries"]
        if in_languages(q["lang"], langs) and split in (None, q.get("split"))
    }


def in_languages(lang: str, langs: str) -> bool:
    """Whether a query in ``lang`` is among ``langs``: en, not-en, all, or codes named with commas."""
    if langs in ("all", "en", "not-en"):
        return langs == "all" or (lang == "en") == (langs == "en")
    return lang in langs.split(",")


def mean_difference(pairs: Sequence[tuple[float, float]]) -> float:
    return sum(after - before for before, after in pairs) / len(pairs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--run", default="use+minilm-int8/hybrid")
    ap.add_argument("--sets", default="heldout5")
    ap.add_argument(
        "--langs", default="not-en", help="en, not-en, all, or languages named with commas: ko,ru"
    )
    ap.add_argument("--split", choices=("dev", "test"), help="only the queries of this split, in both runs")
    args = ap.parse_args(argv)
    before, after = (json.loads(p.read_text()) for p in (args.before, args.after))
    print(f"| set ({args.langs}) | n | before | after | after - before (95% CI) | better / worse |")
    print("| --- | --- | --- | --- | --- | --- |")
    sets = args.sets.split(",")
    pooled: list[tuple[float, float]] = []
    for qset in sets:
        old = reciprocal_ranks(before, args.run, qset, args.langs, args.split)
        new = reciprocal_ranks(after, args.run, qset, args.langs, args.split)
        if set(old) != set(new):
            raise SystemExit(f"{qset}: the two runs scored different queries")
        pairs = [(old[i], new[i]) for i in sorted(old)]
        pooled += pairs
        _print_row(qset, pairs)
    if len(sets) > 1:
        _print_row(", ".join(sets) + " pooled", pooled)
    return 0


def _print_row(label: str, pairs: Sequence[tuple[float, float]]) -> None:
    if not pairs:
        return
    bounds = interval(pairs, mean_difference)
    ci = f" ({bounds[0]:+.3f}..{bounds[1]:+.3f})" if bounds else ""
    better = sum(a > b for b, a in pairs)
    worse = sum(a < b for b, a in pairs)
    print(
        f"| {label} | {len(pairs)} | {sum(b for b, _ in pairs) / len(pairs):.3f} | "
        f"{sum(a for _, a in pairs) / len(pairs):.3f} | {mean_difference(pairs):+.3f}{ci} | {better} / {worse} |"
    )


if __name__ == "__main__":
    raise SystemExit(main())
