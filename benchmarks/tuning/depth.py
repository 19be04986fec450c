"""How deep each side should look before fusion (``codesearch.search.CANDIDATES``), replayed offline.

    python -m benchmarks.tuning.depth [--sets handwritten:dev,csn:dev,heldout,...] [--deepest 300]

The shipped search runs once per query with both sides looking ``--deepest`` deep (``fusion_variants``'
capture); each depth then fuses the top of both lists as shipped: scaled by spread over that depth, file
support, roles, exact names first, one hit per symbol. MRR@10 by set, and the pooled paired difference against
the shipped depth with its 95% bootstrap interval, English and not English. Replays are kept in
benchmarks/out (``fusion_variants.cached_replays``).
"""

from __future__ import annotations

import argparse
from typing import Any

from benchmarks.quality.compare_runs import mean_difference
from benchmarks.quality.ratio_ci import interval, reciprocal_rank
from benchmarks.tuning.common import patched
from benchmarks.tuning.fusion_variants import (
    Ranking,
    Replay,
    cached_replays,
    rank_of,
    replay_sources,
    z_score,
)
from codesearch import search as pipeline
from codesearch.fusion import file_supported

DEPTHS = (50, 100, 150, 200, 300)


def fused_at(replay: Replay, depth: int) -> Ranking:
    """The shipped fusion of the two lists cut to ``depth``, with file support."""
    sides = [z_score(dict(r[:depth])) if r[:depth] else {} for r in replay.rankings]
    wd, wl = replay.weights
    scores = {i: wd * sides[0].get(i, 0.0) + wl * sides[1].get(i, 0.0) for i in set(sides[0]) | set(sides[1])}
    ranked = sorted(scores.items(), key=lambda item: -item[1])
    return file_supported(ranked, {i: (s[0], s[1]) for i, s in replay.symbol.items()})


def replays_of(spec: str, deepest: int, searcher: Any, index: Any) -> list[Replay]:
    """The queries of ``spec`` captured with each side looking ``deepest`` deep."""
    with patched(pipeline, CANDIDATES=deepest):
        return cached_replays(spec, searcher, index, label=f"-deep-{deepest}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="handwritten:dev,csn:dev")
    ap.add_argument("--deepest", type=int, default=max(DEPTHS))
    args = ap.parse_args()
    searcher, index = replay_sources()
    specs = args.sets.split(",")
    depths = [d for d in DEPTHS if d <= args.deepest]
    ranks: dict[int, list[tuple[str, str, int | None]]] = {d: [] for d in depths}
    for spec in specs:
        for replay in replays_of(spec, args.deepest, searcher, index):
            for depth in depths:
                ranks[depth].append((spec, replay.lang, rank_of(replay, fused_at(replay, depth))))
    shipped = ranks[pipeline.CANDIDATES]
    print("| depth | " + " | ".join(specs) + " | English: MRR@10, difference (95% CI) | not English |")
    print("| --- |" + " --- |" * (len(specs) + 2))
    for depth in depths:
        cells = []
        for spec in specs:
            mine = [reciprocal_rank(k) for s, _, k in ranks[depth] if s == spec]
            cells.append(f"{sum(mine) / len(mine):.3f}")
        for english in (True, False):
            pairs = [
                (reciprocal_rank(b[2]), reciprocal_rank(a[2]))
                for b, a in zip(shipped, ranks[depth], strict=True)
                if (b[1] == "en") == english
            ]
            lo, hi = interval(pairs, mean_difference) or (0.0, 0.0)
            after = sum(a for _, a in pairs) / len(pairs)
            cells.append(f"{after:.3f} {mean_difference(pairs):+.4f} ({lo:+.3f}..{hi:+.3f})")
        print(f"| {depth} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
