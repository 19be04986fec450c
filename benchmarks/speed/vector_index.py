"""Exact flat scan vs fp16 / 8-bit scalar quantisation vs HNSW over a real index's vectors.

    python -m benchmarks.speed.vector_index --index DIR [--queries 50]

Reads the vectors of an existing index (FAISS file named by its manifest), builds each alternative over
them in this run, and prints per-query top-100 latency (one query at a time, as a server answers them),
build time, and recall@10 against the exact flat scan. Queries are stored vectors with noise, normalised.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import faiss
import numpy as np


def _time(index: faiss.Index, queries: np.ndarray) -> tuple[float, list[np.ndarray]]:
    index.search(queries[:1], 100)  # warm
    started = time.perf_counter()
    found = [index.search(queries[i : i + 1], 100)[1][0] for i in range(len(queries))]
    return (time.perf_counter() - started) * 1000 / len(queries), found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--queries", type=int, default=50)
    args = ap.parse_args()
    manifest = json.loads((args.index / "manifest.json").read_text())
    stored = faiss.read_index(str(args.index / manifest["vectors_file"]))
    vectors = faiss.downcast_index(stored.index).reconstruct_n(0, stored.ntotal)
    dim = vectors.shape[1]
    rng = np.random.default_rng(0)
    queries = vectors[rng.choice(len(vectors), args.queries)] + 0.05 * rng.standard_normal((args.queries, dim))
    queries = (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)
    flat = faiss.IndexFlatIP(dim)
    flat.add(vectors)
    exact_ms, exact = _time(flat, queries)
    print(f"{len(vectors):,} vectors x {dim}, {args.queries} queries, top-100 one at a time")
    print("| index | build s | ms/query | × flat | recall@10 vs flat |")
    print("| --- | --- | --- | --- | --- |")
    print(f"| flat (exact; shipped below the threshold) | – | {exact_ms:.1f} | 1.00 | 1.000 |")
    candidates = {
        "fp16 scalar quantiser": lambda: faiss.IndexScalarQuantizer(
            dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
        ),
        "8-bit scalar quantiser": lambda: faiss.IndexScalarQuantizer(
            dim, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        ),
        "HNSW32, efSearch 128 (shipped past the threshold)": lambda: faiss.IndexHNSWFlat(
            dim, 32, faiss.METRIC_INNER_PRODUCT
        ),
    }
    for name, make in candidates.items():
        started = time.perf_counter()
        index = make()
        if not index.is_trained:
            index.train(vectors)
        index.add(vectors)
        if isinstance(index, faiss.IndexHNSW):
            index.hnsw.efSearch = 128
        build_s = time.perf_counter() - started
        ms, found = _time(index, queries)
        recall = np.mean([len(set(a[:10]) & set(b[:10])) / 10 for a, b in zip(exact, found, strict=True)])
        print(f"| {name} | {build_s:.1f} | {ms:.2f} | {ms / exact_ms:.2f} | {recall:.3f} |")


if __name__ == "__main__":
    main()
