"""Whether a hit's neighbours should lend it score, replayed offline on what the shipped search retrieved.

    python -m benchmarks.tuning.neighbours [--sets handwritten:dev,csn:dev,heldout,...]

Code that does one thing often sits beside code that does related things: the right function's file tends to
hold other candidates of the query, a look-alike from another repository does not. Each variant adds to a
candidate's fused score a share of its neighbours' best fused score (``fusion_variants``' replay: shipped
fusion, roles, exact names first, one hit per symbol):

- ``file``: the best other candidate of the same file;
- ``file mean2``: the mean of the two best other candidates of the same file;
- ``repo``: the best other candidate of the same repository;
- ``member``: a method gets a share of its class's score (the class stays as it is).

Replays are kept in benchmarks/out (``fusion_variants.cached_replays``) so that variants are scored without
searching again.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable, Sequence

from benchmarks.quality.compare_runs import mean_difference
from benchmarks.quality.ratio_ci import interval, reciprocal_rank
from benchmarks.tuning.fusion_variants import (
    Ranking,
    Replay,
    cached_replays,
    mrr,
    rank_of,
    replay_sources,
    two_way,
    z_score,
)

shipped = two_way(z_score)


def related(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """The same symbol (another window of it), or one holds the other (a class and its method)."""
    return a[2] == b[2] or b[2].startswith(a[2] + ".") or a[2].startswith(b[2] + ".")


def neighbour_bonus(
    key: Callable[[tuple[str, ...]], object], share: float, top: int = 1, unrelated: bool = False
) -> Callable[[Replay], Ranking]:
    """Each candidate gets ``share`` × the mean of the ``top`` best other candidates with its ``key`` (only
    those not ``related`` to it, if ``unrelated``)."""

    def fuse(replay: Replay) -> Ranking:
        fused = shipped(replay)
        groups: dict[object, list[tuple[int, float]]] = defaultdict(list)
        for i, s in fused:
            symbol = replay.symbol.get(i)
            if symbol is not None:
                groups[key(symbol)].append((i, s))
        out = []
        for i, s in fused:
            symbol = replay.symbol.get(i)
            others = (
                []
                if symbol is None
                else [
                    v
                    for j, v in groups[key(symbol)]
                    if j != i and not (unrelated and related(symbol, replay.symbol[j]))
                ][:top]
            )
            out.append((i, s + share * (sum(others) / top if others else 0.0)))
        return sorted(out, key=lambda item: -item[1])

    return fuse


def chained(
    first: Callable[[Replay], Ranking], key: Callable[[tuple[str, ...]], object], share: float
) -> Callable[[Replay], Ranking]:
    """``first``, then a ``neighbour_bonus`` over its scores."""

    def fuse(replay: Replay) -> Ranking:
        fused = first(replay)
        best: dict[object, list[tuple[int, float]]] = defaultdict(list)
        for i, s in fused:
            if i in replay.symbol:
                best[key(replay.symbol[i])].append((i, s))
        out = []
        for i, s in fused:
            others = (
                [v for j, v in best.get(key(replay.symbol[i]), []) if j != i][:1]
                if i in replay.symbol
                else []
            )
            out.append((i, s + share * (others[0] if others else 0.0)))
        return sorted(out, key=lambda item: -item[1])

    return fuse


def member_bonus(share: float) -> Callable[[Replay], Ranking]:
    """A method ``A.b`` gets ``share`` × the fused score of its class ``A`` in the same file."""

    def fuse(replay: Replay) -> Ranking:
        fused = shipped(replay)
        by_name = {}
        for i, s in fused:
            symbol = replay.symbol.get(i)
            if symbol is not None and symbol[3] != "method":
                by_name.setdefault((symbol[0], symbol[1], symbol[2]), s)
        out = []
        for i, s in fused:
            symbol = replay.symbol.get(i)
            parent = None
            if symbol is not None and "." in symbol[2]:
                parent = by_name.get((symbol[0], symbol[1], symbol[2].rsplit(".", 1)[0]))
            out.append((i, s + share * (parent or 0.0)))
        return sorted(out, key=lambda item: -item[1])

    return fuse


def variants() -> dict[str, Callable[[Replay], Ranking]]:
    out: dict[str, Callable[[Replay], Ranking]] = {"shipped": shipped}
    for share in (0.05, 0.1, 0.15, 0.2, 0.3):
        out[f"file {share}"] = neighbour_bonus(lambda s: (s[0], s[1]), share)
    for share in (0.1, 0.15, 0.2, 0.3):
        out[f"file unrelated {share}"] = neighbour_bonus(lambda s: (s[0], s[1]), share, unrelated=True)
    for share in (0.1, 0.2):
        out[f"file mean2 {share}"] = neighbour_bonus(lambda s: (s[0], s[1]), share, top=2)
    for share in (0.1, 0.2, 0.3):
        out[f"symbol {share}"] = neighbour_bonus(lambda s: (s[0], s[1], s[2]), share)
    for share in (0.1, 0.15):
        out[f"file {share} + repo 0.1"] = chained(
            neighbour_bonus(lambda s: (s[0], s[1]), share), lambda s: s[0], 0.1
        )
    for share in (0.05, 0.1, 0.2):
        out[f"repo {share}"] = neighbour_bonus(lambda s: s[0], share)
    for share in (0.1, 0.2, 0.3):
        out[f"member {share}"] = member_bonus(share)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="handwritten:dev,csn:dev")
    args = ap.parse_args()
    searcher, index = replay_sources()
    table: dict[str, dict[str, Sequence[tuple[str, int | None]]]] = {}
    for spec in args.sets.split(","):
        replays = cached_replays(spec, searcher, index)
        for label, fuse in variants().items():
            table.setdefault(label, {})[spec] = [(r.lang, rank_of(r, fuse(r))) for r in replays]
    specs = args.sets.split(",")
    print("| variant | " + " | ".join(specs) + " | pooled English | pooled not English |")
    print("| --- |" + " --- |" * (len(specs) + 2))
    for label, by_set in table.items():
        cells = [mrr([k for _, k in by_set[s]]) for s in specs]
        pooled = [x for s in specs for x in by_set[s]]
        english = mrr([k for lang, k in pooled if lang == "en"])
        other = mrr([k for lang, k in pooled if lang != "en"])
        print(f"| {label} | " + " | ".join(cells) + f" | {english} | {other} |")
    base = [x for s in specs for x in table["shipped"][s]]
    print("\npaired difference against shipped, pooled (95% bootstrap CI): English | not English")
    for label, by_set in table.items():
        pooled = [x for s in specs for x in by_set[s]]
        cells = []
        for english in (True, False):
            pairs = [
                (reciprocal_rank(b[1]), reciprocal_rank(a[1]))
                for b, a in zip(base, pooled, strict=True)
                if (b[0] == "en") == english
            ]
            lo, hi = interval(pairs, mean_difference) or (0.0, 0.0)
            cells.append(f"{mean_difference(pairs):+.4f} ({lo:+.3f}..{hi:+.3f})")
        print(f"{label}: " + " | ".join(cells))


if __name__ == "__main__":
    main()
