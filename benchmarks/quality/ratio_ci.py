"""The issue-15 ratios of one quality run with their uncertainty: hybrid over BM25 for English queries, and
not-English over English for hybrid, per query set and pooled over the frozen hand-written test sets, each
with a paired bootstrap 95% interval (queries resampled, 5,000 times, seed 0).

    python -m benchmarks.quality.ratio_ci benchmarks/out/quality-YYYY-MM-DD-HHMM.json [--model use+minilm-int8]

The run must hold the ``lexical`` and ``hybrid`` modes of one model (``--modes lexical,hybrid``).
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESAMPLES = 5000
# the frozen hand-written sets pooled (those a run holds)
TEST_SETS = (
    ("handwritten", "test"),
    ("heldout", None),
    ("heldout2", None),
    ("heldout3", None),
    ("heldout4", None),
    ("heldout5", None),
    ("heldout6", None),
    ("heldout7", None),
    ("heldout8", None),
    ("heldout9", None),
    ("heldout10", None),
    ("heldout11", None),
    ("heldout12", None),
    ("heldout13", None),
    ("heldout14", None),
    ("heldout15", None),
    ("heldout16", None),
    ("heldout17", None),
    ("heldout18", None),
    ("heldout19", None),
    ("heldout20", None),
    ("heldout21", None),
    ("heldout22", None),
    ("heldout23", None),
    ("heldout24", None),
    ("heldout25", None),
)


def reciprocal_rank(rank: int | None) -> float:
    return 0.0 if rank is None or rank > 10 else 1.0 / rank


def ranks(run: dict[str, Any], qset: str, split: str | None) -> dict[str, tuple[str, float]]:
    """query id -> (query language, reciprocal rank) for one set (and split) of a run."""
    return {
        q["id"]: (q["lang"], reciprocal_rank(q["rank"]))
        for q in run[qset]["queries"]
        if split is None or q["split"] == split
    }


def interval(
    rows: Sequence[Any], ratio: Callable[[Sequence[Any]], float | None], seed: int = 0
) -> tuple[float, float] | None:
    """The 2.5th and 97.5th percentiles of ``ratio`` over bootstrap resamples of ``rows`` (None when no
    resample has one)."""
    rng = random.Random(seed)
    values = sorted(v for _ in range(RESAMPLES) if (v := ratio([rng.choice(rows) for _ in rows])) is not None)
    if not values:
        return None
    return values[int(0.025 * len(values))], values[int(0.975 * len(values)) - 1]


def shown(ratio: float | None, bounds: tuple[float, float] | None) -> str:
    if ratio is None:
        return "–"
    return f"{ratio:.3f} ({bounds[0]:.2f}-{bounds[1]:.2f})" if bounds else f"{ratio:.3f}"


def english_over_bm25(rows: Sequence[tuple[float, float]]) -> float | None:
    """Mean hybrid over mean BM25 of (BM25, hybrid) pairs of English queries."""
    bm25 = sum(b for b, _ in rows)
    return sum(h for _, h in rows) / bm25 if bm25 else None


def other_over_english(rows: Sequence[tuple[bool, float]]) -> float | None:
    """Mean not-English over mean English of (is English, hybrid) rows."""
    en = [h for is_en, h in rows if is_en]
    other = [h for is_en, h in rows if not is_en]
    if not en or not other or not sum(en):
        return None
    return (sum(other) / len(other)) / (sum(en) / len(en))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results", type=Path)
    ap.add_argument("--model", default="use+minilm-int8")
    args = ap.parse_args(argv)
    runs = json.loads(args.results.read_text())["runs"]
    lexical, hybrid = runs[f"{args.model}/lexical"], runs[f"{args.model}/hybrid"]
    sets = [(qset, split) for qset, split in [("handwritten", "dev"), *TEST_SETS] if qset in hybrid]
    pooled_sets = sum(1 for qset, split in TEST_SETS if qset in hybrid)
    print(
        "| set | English n | BM25 | hybrid | hybrid / BM25 (95% CI) | not-English / English, hybrid (95% CI) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    pooled_en: list[tuple[float, float]] = []
    pooled_all: list[tuple[bool, float]] = []
    for qset, split in [*sets, ("pooled", None)]:
        if qset == "pooled":
            en, everything, name = (
                pooled_en,
                pooled_all,
                f"the {pooled_sets} frozen hand-written sets, pooled",
            )
        else:
            lex, hyb = ranks(lexical, qset, split), ranks(hybrid, qset, split)
            en = [(lex[i][1], rr) for i, (lang, rr) in hyb.items() if lang == "en"]
            everything = [(lang == "en", rr) for lang, rr in hyb.values()]
            name = f"{qset} {split}" if split else qset
            if (qset, split) in TEST_SETS:
                pooled_en += en
                pooled_all += everything
        if not en:
            continue
        english = shown(english_over_bm25(en), interval(en, english_over_bm25))
        other = shown(other_over_english(everything), interval(everything, other_over_english))
        bm25_mean, hybrid_mean = sum(b for b, _ in en) / len(en), sum(h for _, h in en) / len(en)
        print(f"| {name} | {len(en)} | {bm25_mean:.3f} | {hybrid_mean:.3f} | {english} | {other} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
