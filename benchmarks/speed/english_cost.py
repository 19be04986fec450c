"""Indexing cost of the English model minilm-int8 against the bundled `use`, on 1 and 2 threads, one run.

    python -m benchmarks.speed.english_cost [--n 400] [--rounds 2]

Embeds the same realistic code texts (what `codesearch index` embeds) with each (model, threads), the
rounds interleaved so that a noisy shared machine slows all of them alike; prints documents/s and the
cost relative to `use` on the same number of threads.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.speed.embed_throughput import realistic_code_texts
from codesearch.embedding.minilm_int8 import MiniLMInt8
from codesearch.embedding.use import UniversalSentenceEncoder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    texts = realistic_code_texts(args.n)
    embedders = {
        (name, threads): cls(threads=threads)
        for threads in (1, 2)
        for name, cls in (("use", UniversalSentenceEncoder), ("minilm-int8", MiniLMInt8))
    }
    for embedder in embedders.values():
        embedder.embed_documents(texts[:8])  # load outside the timing
    seconds = dict.fromkeys(embedders, 0.0)
    for _ in range(args.rounds):
        for key, embedder in embedders.items():
            t = time.perf_counter()
            embedder.embed_documents(texts)
            seconds[key] += time.perf_counter() - t
    print(f"{len(texts)} texts x {args.rounds} rounds")
    print("| model | threads | docs/s | cost vs use, same threads |")
    print("| --- | --- | --- | --- |")
    for (name, threads), s in seconds.items():
        rate = len(texts) * args.rounds / s
        print(f"| {name} | {threads} | {rate:.1f} | {s / seconds[('use', threads)]:.2f}x |")


if __name__ == "__main__":
    main()
