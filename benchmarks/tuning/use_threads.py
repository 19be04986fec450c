"""The bundled model with 1 vs 2 BLAS threads: documents/s and single-query latency, in one run.

    python -m benchmarks.tuning.use_threads [N_TEXTS]

Texts are real standard-library functions (see embed_throughput.py). Each setting gets a model of its own (the loaded-model cache is keyed by thread count).
"""

from __future__ import annotations

import sys
import time

from benchmarks.speed.embed_throughput import realistic_code_texts
from codesearch.embedding.use import UniversalSentenceEncoder

QUERIES = [f"parse an ISO date string {i}" for i in range(30)]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    texts = realistic_code_texts(n)
    print("| threads | documents/s | query p50 (ms) |")
    print("| --- | --- | --- |")
    for threads in (1, 2):
        embedder = UniversalSentenceEncoder(threads=threads)
        embedder.embed_documents(texts[:4])  # load outside the timing
        t0 = time.perf_counter()
        embedder.embed_documents(texts)
        docs_per_s = len(texts) / (time.perf_counter() - t0)
        latencies = []
        for q in QUERIES:
            t0 = time.perf_counter()
            embedder.embed_queries([q])
            latencies.append((time.perf_counter() - t0) * 1000)
        latencies.sort()
        print(f"| {threads} | {docs_per_s:.1f} | {latencies[len(latencies) // 2]:.1f} |")


if __name__ == "__main__":
    main()
