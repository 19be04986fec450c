"""What a one-shot search (the CLI's: open the index, search once, close) costs in-process, with and without
the two things that make it cheaper: the vectors mapped from their file instead of read
(``VectorIndex.load(mapped=True)``) and a lexical ranker that keeps no postings (``keep_postings=False``).

    python -m benchmarks.speed.one_shot --index DIR [--model use+minilm-int8] [--rounds 2] [--limit N]
        [--langs en,ko,ru,...]

The hand-written and held-out queries in ``--langs`` (every n-th, so that about ``--limit`` are kept), hybrid,
each searched once per setting, the settings one after the other so that the machine's load falls on all alike.
Every search opens a new ``Searcher`` on the index (vectors, SQLite snapshot, ranker), as ``codesearch search``
does, and closes it; the model is loaded once beforehand (a CLI process also loads it: the same in every
setting, so it is left out). Settings: ``before`` (vectors read, postings kept), ``mapped``, ``one-search``
ranker, and ``both`` (shipped). Prints p50/p90 ms and each setting's ratio to ``before`` in the same run.

Then ``warm``, a server's case: two searchers opened once, one on read vectors and one on mapped ones (both keep
postings, as a server's do), each query searched on both in turn after a first pass over all of them: whether
searching mapped vectors costs more than searching read ones.
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks.quality import run as quality
from benchmarks.speed.english_lexical_cost import add_run_arguments, set_queries
from benchmarks.tuning.common import patched
from codesearch.embedding import get_embedder
from codesearch.search import Searcher
from indexer import vectors
from indexer.local_read import new_ranker, one_search_ranker

LANGS = ("en", "zh", "ja", "ko", "ru", "de", "fr", "es", "pt", "it")
MAPPED = vectors.MAP_FLAG
# name: (the vectors' load flag, the ranker factory)
SETTINGS = {
    "before": (0, new_ranker),
    "mapped": (MAPPED, new_ranker),
    "one-search": (0, one_search_ranker),
    "both": (MAPPED, one_search_ranker),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(ap)
    ap.add_argument("--langs", default=",".join(LANGS))
    args = ap.parse_args()
    embedder = get_embedder(args.model)
    texts = set_queries(tuple(args.langs.split(",")), args.limit)
    for text in texts[:3]:  # the models loaded, the lexicon's and the vectors' caches written
        quality.open_searcher(args.index, embedder).search(text)
    times: dict[str, list[float]] = {name: [] for name in SETTINGS}
    for _ in range(args.rounds):
        for text in texts:
            for name, (flag, ranker) in SETTINGS.items():
                with patched(vectors, MAP_FLAG=flag):
                    started = time.perf_counter()
                    searcher = Searcher(args.index, embedder, ranker_factory=ranker)
                    searcher.search(text)
                    searcher.close()
                    times[name].append((time.perf_counter() - started) * 1000)
    warm = {}
    for name, flag in (("warm, read", 0), ("warm, mapped", MAPPED)):
        with patched(vectors, MAP_FLAG=flag):
            warm[name] = Searcher(args.index, embedder)
        for text in texts:
            warm[name].search(text)
        times[name] = []
    for _ in range(args.rounds):
        for text in texts:
            for name, searcher in warm.items():
                started = time.perf_counter()
                searcher.search(text)
                times[name].append((time.perf_counter() - started) * 1000)
    print(
        f"{len(texts)} queries ({args.langs}) x {args.rounds} rounds, hybrid, {args.model}, index {args.index}\n"
    )
    print("| setting | p50 ms | p90 ms | p50 / before (warm: / read) |")
    print("| --- | ---: | ---: | ---: |")
    for name, ms in times.items():
        base = statistics.median(times["warm, read" if name.startswith("warm") else "before"])
        ordered = sorted(ms)
        p50, p90 = statistics.median(ordered), ordered[int(0.9 * (len(ordered) - 1))]
        print(f"| {name} | {p50:.1f} | {p90:.1f} | {p50 / base:.2f} |")


if __name__ == "__main__":
    main()
