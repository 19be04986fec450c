"""Other ways to fuse the same two rankings, replayed offline on what the shipped search retrieved.

    python -m benchmarks.tuning.fusion_variants [--sets handwritten:dev,csn:dev]

For every query the shipped hybrid search runs once; its dense and lexical top-100 (with scores), the fusion
weights it chose, each candidate's role facts and whether it is a target are kept. Each variant then fuses
those two lists again (roles, exact names first and one hit per symbol as the pipeline does) and is scored by
MRR@10 for English and other queries. ``shipped`` replays the shipped fusion (each list scaled by its spread,
``codesearch.fusion.normalised``); its figure is close to the real run's, not equal (grouping is approximated).
Variants:

- normalisations: min-max (shipped before 2026-12-07), score / max, min-max over the top 20 or 50 only,
  reciprocal rank (k = 10, 60);
- ``both+10%``, ``both+20%``: a document both sides return scores 10 / 20% more (CombMNZ-like);
- ``three-way``: each model of the dense side scaled on its own before the weighted sum (its cosines
  recomputed from the stored vectors), over the dense list's candidates;

(the last three, and the oracle, scale as ``shipped`` does; on 2026-12-07 they were measured with min-max,
then shipped: RESULTS.md)
- ``oracle weight``: per query the best of dense weights 0-1: the ceiling of any per-query weighting.

Results: benchmarks/RESULTS.md ("Tried and not shipped").
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from benchmarks.paths import OUT
from benchmarks.quality import run as quality
from benchmarks.quality.scoring import hit_matches
from benchmarks.tuning.common import patched
from codesearch import search as pipeline
from codesearch.embedding import get_embedder
from codesearch.roles import priors_for, weigh

MODEL = "use+minilm-int8"
Ranking = list[tuple[int, float]]


@dataclass
class Replay:
    """What one query's shipped search saw."""

    lang: str
    query: str
    rankings: list[Ranking]  # dense, lexical
    weights: tuple[float, float]
    facts: Mapping[int, Any]
    target: set[int]
    symbol: dict[int, tuple[str, ...]]
    exact: list[int]
    parts: tuple[dict[int, float], dict[int, float]]  # each model's cosine of the dense candidates
    part_weights: tuple[float, float]


class _Row:
    def __init__(self, row: Mapping[str, Any]) -> None:
        self.repo, self.path, self.name = row["repo"], row["path"], row["name"]
        self.qualified_name, self.start_line, self.end_line = (
            row["qualified_name"],
            row["start_line"],
            row["end_line"],
        )


def capture(searcher: Any, records: list[dict[str, Any]], index: Any) -> list[Replay]:
    """Each record's shipped hybrid search, with what its fusion was handed."""
    seen: dict[str, Any] = {}
    shipped_fuse = pipeline.fuse

    def spy(rankings: Sequence[Ranking], weights: Sequence[float] | None = None) -> Ranking:
        seen["rankings"], seen["weights"] = [list(r) for r in rankings], tuple(weights or ())
        return shipped_fuse(rankings, weights)

    use, english = searcher.embedder.parts
    replays = []
    with patched(pipeline, fuse=spy):
        for record in records:
            seen.clear()
            searcher.search(record["query"], k=10, mode="hybrid")
            if "rankings" not in seen:
                continue
            query = searcher.analyse(record["query"])
            ids = sorted({i for r in seen["rankings"] for i, _ in r})
            with searcher._reading() as generation:
                facts, rows = generation.facts(ids), generation.rows(ids)
                exact = searcher._exact_names(generation, query, pipeline.Filters())
                plan = searcher._plan(generation, query)
            instruction = searcher.instructions[query.type]
            dense_ids = [i for i, _ in seen["rankings"][0]]
            vectors = (
                np.stack([index.reconstruct(int(i)) for i in dense_ids]) if dense_ids else np.zeros((0, 1))
            )
            q_use = use.embed_queries([query.text], instruction)[0]
            q_english = english.embed_queries([query.gloss or query.text], instruction)[0]
            cut = use.dim
            cosines = (
                dict(zip(dense_ids, (vectors[:, :cut] @ q_use * math.sqrt(2)).tolist(), strict=True)),
                dict(zip(dense_ids, (vectors[:, cut:] @ q_english * math.sqrt(2)).tolist(), strict=True)),
            )
            replays.append(
                Replay(
                    lang=record["lang"],
                    query=record["query"],
                    rankings=seen["rankings"],
                    weights=seen["weights"],
                    facts=facts,
                    target={
                        i for i in rows if any(hit_matches(_Row(rows[i]), t) for t in record["resolved"])
                    },
                    symbol={
                        i: (r["repo"], r["path"], r["qualified_name"], r["kind"]) for i, r in rows.items()
                    },
                    exact=exact,
                    parts=cosines,
                    part_weights=tuple(plan.part_weights or (1.0, 1.0)),  # type: ignore[arg-type]
                )
            )
    return replays


def replay_sources(model: str = MODEL) -> tuple[Any, Any]:
    """A searcher over the benchmark index of ``model`` and its FAISS index (to read stored vectors back)."""
    index_dir = OUT / f"index-{model}"
    manifest = json.loads((index_dir / "manifest.json").read_text())
    index = faiss.read_index(str(index_dir / manifest["vectors_file"]))
    return quality.open_searcher(index_dir, get_embedder(model)), index


def cached_replays(spec: str, searcher: Any, index: Any, label: str = "") -> list[Replay]:
    """``capture`` of the queries of ``spec`` (``NAME`` or ``NAME:SPLIT``), kept in benchmarks/out under the
    set, ``label`` and the index's generation and vectors file, so that variants are scored again without
    searching, and a rebuilt index (other document ids) is captured anew."""
    manifest = searcher.manifest
    vectors = Path(manifest.vectors_file or "none").stem
    path = OUT / f"replays{label}-{spec.replace(':', '-')}-g{manifest.generation}-{vectors}.pkl"
    if path.exists():
        return pickle.loads(path.read_bytes())  # type: ignore[no-any-return]
    name, _, split = spec.partition(":")
    replays = capture(searcher, quality.load_queries(name, quality.CORPUS, None, split=split or None), index)
    path.write_bytes(pickle.dumps(replays))
    return replays


def rank_of(replay: Replay, fused: Ranking) -> int | None:
    """The target's rank in the top 10 after roles, exact names first and one hit per symbol."""
    ranked = weigh(fused, replay.facts, priors_for(replay.query))
    if replay.exact:
        top = max((s for _, s in ranked), default=1.0) + 1.0
        exact = set(replay.exact)
        ranked = [(i, top) for i in replay.exact] + [(i, s) for i, s in ranked if i not in exact]
    shown: set[tuple[str, ...]] = set()
    for doc_id, _ in ranked:
        symbol = replay.symbol.get(doc_id)
        if symbol is None or symbol in shown:
            continue
        shown.add(symbol)
        if doc_id in replay.target:
            return len(shown)
        if len(shown) == 10:
            return None
    return None


def min_max(scores: Mapping[int, float], depth: int | None = None) -> dict[int, float]:
    values = sorted(scores.values(), reverse=True)[:depth] if depth else list(scores.values())
    if not values:
        return {}
    lo, hi = min(values), max(values)
    return {i: 1.0 if hi == lo else max(0.0, (v - lo) / (hi - lo)) for i, v in scores.items()}


def z_score(scores: Mapping[int, float]) -> dict[int, float]:
    values = list(scores.values())
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) or 1.0
    low = (min(values) - mean) / sd
    return {
        i: (v - mean) / sd - low for i, v in scores.items()
    }  # shifted so a missing document's 0 is lowest


def by_max(scores: Mapping[int, float]) -> dict[int, float]:
    top = max(scores.values()) or 1.0
    return {i: v / top for i, v in scores.items()}


def reciprocal(k: int) -> Callable[[Mapping[int, float]], dict[int, float]]:
    def normalise(scores: Mapping[int, float]) -> dict[int, float]:
        order = sorted(scores, key=lambda i: -scores[i])
        return {i: (k + 1) / (k + n) for n, i in enumerate(order, start=1)}

    return normalise


def two_way(
    normalise: Callable[[Mapping[int, float]], dict[int, float]],
    both: float = 0.0,
    dense_weight: float | None = None,
) -> Callable[[Replay], Ranking]:
    def fuse(replay: Replay) -> Ranking:
        sides = [normalise(dict(r)) if r else {} for r in replay.rankings]
        wd, wl = replay.weights if dense_weight is None else (dense_weight, 1 - dense_weight)
        fused = {}
        for i in set(sides[0]) | set(sides[1]):
            score = wd * sides[0].get(i, 0.0) + wl * sides[1].get(i, 0.0)
            fused[i] = score * (1 + both) if i in sides[0] and i in sides[1] else score
        return sorted(fused.items(), key=lambda item: -item[1])

    return fuse


def three_way(replay: Replay) -> Ranking:
    use, english = (z_score(p) for p in replay.parts)
    lexical = z_score(dict(replay.rankings[1])) if replay.rankings[1] else {}
    pu, pe = replay.part_weights
    wd, wl = replay.weights
    total = (pu + pe) or 1.0
    ids = set(use) | set(lexical)
    fused = {
        i: wd * (pu * use.get(i, 0) + pe * english.get(i, 0)) / total + wl * lexical.get(i, 0) for i in ids
    }
    return sorted(fused.items(), key=lambda item: -item[1])


VARIANTS: dict[str, Callable[[Replay], Ranking]] = {
    "shipped: (s - min) / std": two_way(z_score),
    "min-max (shipped before 2026-12-07)": two_way(min_max),
    "score / max": two_way(by_max),
    "min-max over top 20": two_way(lambda s: min_max(s, 20)),
    "min-max over top 50": two_way(lambda s: min_max(s, 50)),
    "reciprocal rank, k=10": two_way(reciprocal(10)),
    "reciprocal rank, k=60": two_way(reciprocal(60)),
    "both+10%": two_way(z_score, both=0.1),
    "both+20%": two_way(z_score, both=0.2),
    "three-way": three_way,
}
ORACLE_WEIGHTS = (0.0, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0)


def mrr(ranks: Sequence[int | None]) -> str:
    return f"{sum(1 / r for r in ranks if r) / len(ranks):.3f} ({len(ranks)})" if ranks else "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="handwritten:dev,csn:dev")
    args = ap.parse_args()
    searcher, index = replay_sources()
    for spec in args.sets.split(","):
        name, _, split = spec.partition(":")
        replays = capture(
            searcher, quality.load_queries(name, quality.CORPUS, None, split=split or None), index
        )
        print(f"\n{spec}\n\n| variant | English | not English |\n| --- | --- | --- |")
        for label, fuse in VARIANTS.items():
            ranks = [(r.lang, rank_of(r, fuse(r))) for r in replays]
            english = [k for lang, k in ranks if lang == "en"]
            print(f"| {label} | {mrr(english)} | {mrr([k for lang, k in ranks if lang != 'en'])} |")
        best = []
        for replay in replays:
            options = [rank_of(replay, two_way(z_score, dense_weight=w)(replay)) for w in ORACLE_WEIGHTS]
            best.append((replay.lang, min((k for k in options if k), default=None)))
        english = [k for lang, k in best if lang == "en"]
        print(f"| oracle weight | {mrr(english)} | {mrr([k for lang, k in best if lang != 'en'])} |")


if __name__ == "__main__":
    main()
