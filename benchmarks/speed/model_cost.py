"""What each bundled model (and each combination) costs to index, as a ratio to the fastest, in one run.

    python -m benchmarks.speed.model_cost [--models use,minilm,use+minilm,e5] [--n 600] [--rounds 2]

Embeds the same realistic code texts (standard-library functions, what `codesearch index` embeds) with
every model, the rounds interleaved so that a noisy shared machine slows all of them alike, and prints
documents/s and the cost relative to the fastest model (the issue's budget: at most 2x).
"""

from __future__ import annotations

import argparse
import time

from benchmarks.speed.embed_throughput import realistic_code_texts
from codesearch.embedding.registry import get_embedder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="use,minilm,use+minilm")
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    texts = realistic_code_texts(args.n)
    embedders = {name: get_embedder(name) for name in args.models.split(",")}
    for embedder in embedders.values():
        embedder.embed_documents(texts[:8])  # load outside the timing
    seconds = dict.fromkeys(embedders, 0.0)
    for _ in range(args.rounds):
        for name, embedder in embedders.items():
            started = time.perf_counter()
            embedder.embed_documents(texts)
            seconds[name] += time.perf_counter() - started
    fastest = min(seconds.values())
    print(f"{len(texts)} texts x {args.rounds} rounds")
    print("| model | documents/s | cost vs fastest |")
    print("| --- | --- | --- |")
    for name, took in seconds.items():
        print(f"| {name} | {len(texts) * args.rounds / took:.1f} | {took / fastest:.2f}x |")


if __name__ == "__main__":
    main()
