"""The issue-15 ratios of one quality run with their uncertainty: hybrid over BM25 for English queries, and
not-English over English for hybrid, per query set and pooled over the frozen hand-written test sets, each
with a paired bootstrap 95% interval (queries resampled, 5,000 times, seed 0). Then the language floor: each
code language's hybrid MRR@10 over the overall figure, pooled over the same frozen sets and on the frozen
docstring-style (CSN) test split, with the same kind of interval, and the sets where a language falls under
0.6x its set's overall figure.

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
FLOOR = 0.6  # issue 15: no code language below 0.6x the overall figure
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
    ("heldout26", None),
    ("heldout27", None),
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


def language_over_overall(rows: Sequence[tuple[str, float]]) -> dict[str, float]:
    """Each code language's mean reciprocal rank over the mean of all (code language, reciprocal rank) rows."""
    overall = sum(rr for _, rr in rows) / len(rows) if rows else 0.0
    if not overall:
        return {}
    sums: dict[str, list[float]] = {}
    for lang, rr in rows:
        acc = sums.setdefault(lang, [0.0, 0.0])
        acc[0] += rr
        acc[1] += 1
    return {lang: total / count / overall for lang, (total, count) in sums.items()}


def floor_intervals(rows: Sequence[tuple[str, float]], seed: int = 0) -> dict[str, tuple[float, float]]:
    """Per code language, the 2.5th and 97.5th percentiles of ``language_over_overall`` over bootstrap
    resamples of ``rows`` (all languages from the same resamples; a resample without a language skips it)."""
    rng = random.Random(seed)
    values: dict[str, list[float]] = {}
    for _ in range(RESAMPLES):
        for lang, ratio in language_over_overall(rng.choices(rows, k=len(rows))).items():
            values.setdefault(lang, []).append(ratio)
    bounds = {}
    for lang, found in values.items():
        found.sort()
        bounds[lang] = found[int(0.025 * len(found))], found[int(0.975 * len(found)) - 1]
    return bounds


def floor_rows(run: dict[str, Any], qset: str, split: str | None) -> list[tuple[str, float]]:
    """(code language, reciprocal rank) of every query of one set (and split) of a run."""
    return [
        (q["code_lang"], reciprocal_rank(q["rank"]))
        for q in run[qset]["queries"]
        if split is None or q["split"] == split
    ]


def print_floor(hybrid: dict[str, Any]) -> None:
    """The language floor, pooled over the frozen hand-written sets and on CSN's test split, then per set."""
    tables = [
        (
            "the frozen hand-written sets, pooled",
            [r for q, s in TEST_SETS if q in hybrid for r in floor_rows(hybrid, q, s)],
        ),
        ("CSN test", floor_rows(hybrid, "csn", "test") if "csn" in hybrid else []),
    ]
    for title, rows in tables:
        if not rows:
            continue
        overall = sum(rr for _, rr in rows) / len(rows)
        ratios, bounds = language_over_overall(rows), floor_intervals(rows)
        print(
            f"\nLanguage floor, {title} ({len(rows)} queries, hybrid MRR@10 {overall:.3f}, floor {FLOOR * overall:.3f}):\n"
        )
        print("| code language | queries | hybrid MRR@10 | x overall (95% CI) |")
        print("| --- | --- | --- | --- |")
        for lang in sorted(ratios):
            count = sum(1 for code, _ in rows if code == lang)
            mark = " **under**" if ratios[lang] < FLOOR else ""
            print(
                f"| {lang} | {count} | {ratios[lang] * overall:.3f} | {shown(ratios[lang], bounds.get(lang))}{mark} |"
            )
    under = []
    for qset, split in [*TEST_SETS, ("csn", "test")]:
        if qset not in hybrid:
            continue
        rows = floor_rows(hybrid, qset, split)
        overall = sum(rr for _, rr in rows) / len(rows) if rows else 0.0
        weak = [
            f"{lang} {ratio * overall:.3f}"
            for lang, ratio in sorted(language_over_overall(rows).items())
            if ratio < FLOOR
        ]
        name = f"{qset} {split}" if split else qset
        under.append(
            f"- {name} (floor {FLOOR * overall:.3f}): " + (", ".join(weak) if weak else "none under it")
        )
    print(f"\nPer set, code languages under {FLOOR}x the set's overall figure:\n")
    print("\n".join(under))


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
    if any("code_lang" in q for q in next(iter(hybrid.values()))["queries"]):
        print_floor(hybrid)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
