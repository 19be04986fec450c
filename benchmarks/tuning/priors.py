"""Sweep the role priors of hybrid search (tests, type declarations, loose windows) over a benchmark index.

    python -m benchmarks.tuning.priors [--model use] [--index benchmarks/out/index-use]

Build the index first (`python -m benchmarks.quality.run --models use`). For each setting of
`codesearch.roles.PRIORS` (the factor a fused score is multiplied by when its document is test code, a
`.pyi`/`.d.ts` declaration, or a window of lines outside any symbol), runs every query in hybrid mode and
prints MRR@10: hand-written queries overall, on two fixed halves (split by a hash of the query id, so a
factor picked on one half can be checked on the other), English and not, C queries, and CSN queries.
``--timing`` instead times hybrid search over the hand-written queries with no priors and with the shipped
ones, alternating, ``--rounds`` times (what the priors add to a query: one SQL read of the candidates'
paths, and a sort).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics

import codesearch.roles as roles
from benchmarks.quality import run as quality
from benchmarks.quality.scoring import metrics
from benchmarks.tuning import common

SETTINGS: list[tuple[str, dict[str, float]]] = [
    ("none (declarations still folded)", {}),
    ("test 0.8", {roles.TEST: 0.8}),
    ("declaration 0.8", {roles.DECLARATION: 0.8}),
    ("window 0.8", {roles.WINDOW: 0.8}),
    ("all 0.9", {roles.TEST: 0.9, roles.DECLARATION: 0.9, roles.WINDOW: 0.9}),
    ("all 0.8", {roles.TEST: 0.8, roles.DECLARATION: 0.8, roles.WINDOW: 0.8}),
    ("all 0.7", {roles.TEST: 0.7, roles.DECLARATION: 0.7, roles.WINDOW: 0.7}),
    ("all 0.6 (shipped)", {roles.TEST: 0.6, roles.DECLARATION: 0.6, roles.WINDOW: 0.6}),
    ("all 0.5", {roles.TEST: 0.5, roles.DECLARATION: 0.5, roles.WINDOW: 0.5}),
    ("all 0.4", {roles.TEST: 0.4, roles.DECLARATION: 0.4, roles.WINDOW: 0.4}),
]


def half(query_id: str) -> str:
    """A fixed split of the query set in two: "A" or "B"."""
    return "AB"[int(hashlib.md5(query_id.encode()).hexdigest(), 16) % 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_index_arguments(ap, "use")
    ap.add_argument("--timing", action="store_true", help="time no priors vs shipped priors instead")
    ap.add_argument("--rounds", type=int, default=5)
    common.add_split_argument(ap)
    args = ap.parse_args()
    handwritten, csn = common.load_queries(args, "handwritten", "csn").values()
    searcher = common.open_searcher(args)
    if args.timing:
        shipped = roles.PRIORS
        times: dict[str, list[float]] = {"none": [], "shipped": []}
        quality.run_queries(searcher, "hybrid", handwritten)  # warm: model, postings, page cache
        for _ in range(args.rounds):
            for label, priors in (("none", {}), ("shipped", shipped)):
                roles.PRIORS = priors
                times[label].append(quality.run_queries(searcher, "hybrid", handwritten)[1])
        none, with_priors = statistics.median(times["none"]), statistics.median(times["shipped"])
        print(
            f"hybrid ms/query, median of {args.rounds} rounds: no priors {none:.2f}, shipped {with_priors:.2f}"
        )
        print(f"ratio {with_priors / none:.3f}; every round: {times}")
        return
    halves = {r["id"]: half(r["id"]) for r in handwritten}
    print(
        f"model {args.model}, index {common.index_of(args)}; halves: A {list(halves.values()).count('A')} queries"
    )
    print("| priors | handwritten | hw half A | hw half B | hw English | hw other | hw C | csn |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, priors in SETTINGS:
        roles.PRIORS = priors
        hw, _ = quality.run_queries(searcher, "hybrid", handwritten)
        cs, _ = quality.run_queries(searcher, "hybrid", csn)
        cells = [
            metrics(o.rank for o in hw),
            metrics(o.rank for o in hw if halves[o.query_id] == "A"),
            metrics(o.rank for o in hw if halves[o.query_id] == "B"),
            metrics(o.rank for o in hw if o.lang == "en"),
            metrics(o.rank for o in hw if o.lang != "en"),
            metrics(o.rank for o in hw if o.code_lang == "c"),
            metrics(o.rank for o in cs),
        ]
        print(f"| {label} | " + " | ".join(f"{m.mrr10:.3f}" for m in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
