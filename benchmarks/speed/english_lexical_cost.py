"""What the English-only lexical settings cost a search: column weights and inflected forms, on and off.

    python -m benchmarks.speed.english_lexical_cost --index DIR [--model use+minilm-int8] [--rounds 3] [--limit N]

Every English query of the hand-written and held-out sets, hybrid, through the product's ``Searcher`` (the query
embedded in each search, as a user's is: the same time in every setting). Three
settings, round-robin so the machine's load falls on all alike: ``off`` (the store's weights, no forms, as before
issue 15's last changes), ``weights`` (``ENGLISH_BM25_WEIGHTS``), ``shipped`` (weights and ``VARIANT_SHARE``).
Two regimes: ``cold``, the searcher's lexical ranker made anew before each search, as a CLI search's is
(``local_read.one_search_ranker``: no postings, no word counts in memory, and none kept), and ``warm``, one searcher per setting that
has seen every query once (a server). ``--limit``: every n-th query, so that about N are searched. Prints p50/p90 ms per search
and each setting's ratio to ``off`` in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from benchmarks.quality import run as quality
from benchmarks.tuning.common import patched
from codesearch import fusion
from codesearch.embedding import get_embedder
from codesearch.query import analyse_query
from indexer.local_read import one_search_ranker

SETTINGS = {
    "off": {"ENGLISH_BM25_WEIGHTS": None, "VARIANT_SHARE": 0.0},
    "weights": {"ENGLISH_BM25_WEIGHTS": fusion.ENGLISH_BM25_WEIGHTS, "VARIANT_SHARE": 0.0},
    "shipped": {"ENGLISH_BM25_WEIGHTS": fusion.ENGLISH_BM25_WEIGHTS, "VARIANT_SHARE": fusion.VARIANT_SHARE},
}
# the sets already run (not the blind ones, ``quality.UNREAD_SETS``)
SETS = [
    s
    for s in ["handwritten", "heldout", *(f"heldout{n}" for n in range(2, 26))]
    if s not in quality.UNREAD_SETS
]


def set_queries(languages: tuple[str, ...] = ("en",), limit: int = 0) -> list[str]:
    """The texts of the hand-written and held-out queries in ``languages`` (sets whose packages are not fetched
    here are left out); ``limit``: every n-th, so that about that many are kept."""
    texts: list[str] = []
    for name in SETS:
        try:
            records = quality.load_queries(name, quality.CORPUS, None)
        except SystemExit:  # a set whose packages are not fetched here
            continue
        texts += [r["query"] for r in records if r["lang"] in languages]
    if limit and len(texts) > limit:
        texts = texts[:: -(-len(texts) // limit)]
    return texts


def add_run_arguments(ap: argparse.ArgumentParser, rounds: int = 2) -> None:
    """What the speed scripts that search the benchmark index share: ``--index`` (required), ``--model``,
    ``--rounds`` and ``--limit`` (about that many of ``set_queries``)."""
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--model", default="use+minilm-int8")
    ap.add_argument("--rounds", type=int, default=rounds)
    ap.add_argument("--limit", type=int, default=0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(ap, rounds=3)
    args = ap.parse_args()
    embedder = get_embedder(args.model)
    texts = set_queries(limit=args.limit)
    warm = {name: quality.open_searcher(args.index, embedder) for name in SETTINGS}
    cold = {name: quality.open_searcher(args.index, embedder) for name in SETTINGS}
    queries = [analyse_query(text) for text in texts]
    times: dict[tuple[str, str], list[float]] = {(n, r): [] for n in SETTINGS for r in ("cold", "warm")}
    for name, values in SETTINGS.items():  # warm-up: every query once
        with patched(fusion, **values):
            for query in queries:
                warm[name].search(query)
    for _ in range(args.rounds):
        for query in queries:
            for name, values in SETTINGS.items():
                with patched(fusion, **values):
                    # nothing of the lexical side in memory, and nothing kept: a CLI search's ranker
                    cold[name].generation.ranker = one_search_ranker(cold[name].manifest)
                    started = time.perf_counter()
                    cold[name].search(query)
                    times[(name, "cold")].append((time.perf_counter() - started) * 1000)
                    started = time.perf_counter()
                    warm[name].search(query)
                    times[(name, "warm")].append((time.perf_counter() - started) * 1000)
    print(f"{len(queries)} English queries x {args.rounds} rounds, index {args.index}\n")
    print("| setting | cold p50 (p90) ms | × off | warm p50 (p90) ms | × off |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in SETTINGS:
        cells = []
        for regime in ("cold", "warm"):
            ordered = sorted(times[(name, regime)])
            p50 = statistics.median(ordered)
            base = statistics.median(times[("off", regime)])
            cells += [f"{p50:.1f} ({ordered[int(0.9 * len(ordered))]:.1f})", f"{p50 / base:.2f}"]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
