"""The loop the real-search sweeps share: each setting's searches over the same query sets, paired against the
first setting, English and not English (``bm25_weights``, ``fusion_constant``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from benchmarks.paths import OUT
from benchmarks.quality import run as quality
from benchmarks.quality.compare_runs import mean_difference
from benchmarks.quality.ratio_ci import interval, reciprocal_rank


def load_sets(specs: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The records of each ``NAME`` or ``NAME:SPLIT`` (one split of the set)."""
    records = {}
    for spec in specs:
        name, _, split = spec.partition(":")
        records[spec] = quality.load_queries(name, quality.CORPUS, None, split=split or None)
    return records


def paired_sweep(
    model: str,
    embedder: Any,
    mode: str,
    records: dict[str, list[dict[str, Any]]],
    settings: Sequence[tuple[str, Callable[[], AbstractContextManager[Any]]]],
    title: str,
) -> None:
    """Print a Markdown table: a row per ``(label, context)`` setting, searched inside its context by a searcher
    opened as a user would; MRR@10 per set, then English and not English pooled with the paired difference
    against the first setting (95% bootstrap interval)."""
    specs = list(records)
    print(f"\n{mode}\n\n| {title} | " + " | ".join(specs) + " | English | not English |")
    print("| --- |" + " --- |" * (len(specs) + 2), flush=True)
    first: list[tuple[str, float]] = []
    for label, context in settings:
        ranks: list[tuple[str, float]] = []
        cells = []
        with context():
            searcher = quality.open_searcher(OUT / f"index-{model}", embedder)
            for spec in specs:
                outcomes, _ = quality.run_queries(searcher, mode, records[spec])
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
        print(f"| {label} | " + " | ".join(cells) + " |", flush=True)
