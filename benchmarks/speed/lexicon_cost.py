"""What the word lexicon (``codesearch.lexicon``) costs a Korean or Russian search, on and off.

    python -m benchmarks.speed.lexicon_cost --index DIR [--model use+minilm-int8] [--rounds 2] [--limit N]
        [--typed N] [--glossary]

Every Korean and Russian query of the hand-written and held-out sets, hybrid, through the product's ``Searcher``,
``off`` and ``on`` round-robin, so that the machine's load falls on both alike. There are three regimes:
- ``one-shot``: a new searcher for each search, as a CLI search opens one (its ranker keeps no postings:
  ``local_read.one_search_ranker``). With the lexicon on, this pays for reading the index's common words and
  the cached vectors, and for embedding the query's words.
- ``server``: one searcher per setting that has searched every query once; the words the lexicon remembers
  (``ModelLexicon.remembered``) are forgotten before each search, so every search looks its words up anew.
- ``typed``: the TUI's case, a query searched as it is typed: every prefix of the first ``--typed`` queries that
  ends a word or a letter of it, one character at a time, on one searcher per setting that keeps what it
  remembers (forgotten before each query). Timed per search.

With ``--glossary``, ``off`` also reads the query without codesearch's glossary (``codesearch.glossary``): the
whole cost of what Korean and Russian queries get, against a search that reads them as written. Without it,
the glossary reads them in both settings, as shipped, and only the lexicon is compared.

The vectors' disk cache is filled before timing, as any search after the first finds it. ``--limit`` keeps every
n-th query, so that about N are searched. Prints p50/p90 ms per search and ``on``'s ratio to ``off`` in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks.quality import run as quality
from benchmarks.speed.english_lexical_cost import add_run_arguments, set_queries
from benchmarks.tuning.common import patched
from codesearch import glossary, lexicon, translate
from codesearch.embedding import get_embedder
from codesearch.search import Searcher
from indexer.local_read import one_search_ranker


def forget(searcher: Searcher) -> None:
    """Forget the words the searcher's lexicon remembers (a benchmark's reach into it: a new word each time)."""
    made = searcher._lexicon_of[1] if searcher._lexicon_of is not None else None
    if made is not None:
        made.remembered.clear()


def per_setting_translators() -> None:
    """Keep a translator per glossary setting (``translate._translator`` makes one per language, once), so that
    searches can switch the glossary on and off without making them again."""
    make = translate._translator.__wrapped__
    made: dict[tuple[bool, str], object] = {}

    def translator(language: str):  # type: ignore[no-untyped-def]
        key = (glossary.GLOSSARY, language)
        if key not in made:
            made[key] = make(language)
        return made[key]

    translate._translator = translator  # type: ignore[assignment]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_run_arguments(ap)
    ap.add_argument("--typed", type=int, default=20, help="queries searched as typed (0: none)")
    ap.add_argument("--glossary", action="store_true", help="off: without the glossary too")
    args = ap.parse_args()
    embedder = get_embedder(args.model)
    texts = set_queries(("ko", "ru"), args.limit)
    settings = {"off": False, "on": True}
    per_setting_translators()
    # the glossary in each setting: as shipped in both, or off with the lexicon
    glossed = {"off": glossary.GLOSSARY and not args.glossary, "on": glossary.GLOSSARY}
    server = {name: quality.open_searcher(args.index, embedder) for name in settings}
    for name, on in settings.items():  # the server has seen every query; the disk cache is filled
        with patched(lexicon, MODEL_LEXICON=on), patched(glossary, GLOSSARY=glossed[name]):
            for text in texts:
                server[name].search(text)
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.rounds):
        for text in texts:
            for name, on in settings.items():
                with patched(lexicon, MODEL_LEXICON=on), patched(glossary, GLOSSARY=glossed[name]):
                    started = time.perf_counter()
                    searcher = Searcher(args.index, embedder, ranker_factory=one_search_ranker)
                    searcher.search(text)
                    searcher.close()
                    times.setdefault(("one-shot", name), []).append(time.perf_counter() - started)
                    forget(server[name])
                    started = time.perf_counter()
                    server[name].search(text)
                    times.setdefault(("server", name), []).append(time.perf_counter() - started)
    for text in texts[: args.typed]:
        prefixes = [text[:n] for n in range(2, len(text) + 1) if text[n - 1] != " "]
        for name, on in settings.items():
            forget(server[name])
            with patched(lexicon, MODEL_LEXICON=on), patched(glossary, GLOSSARY=glossed[name]):
                for prefix in prefixes:
                    started = time.perf_counter()
                    server[name].search(prefix)
                    times.setdefault(("typed", name), []).append(time.perf_counter() - started)
    print(f"{len(texts)} Korean and Russian queries x {args.rounds} rounds, hybrid, {args.model}; ", end="")
    print(f"glossary: off {glossed['off']}, on {glossed['on']}; ", end="")
    print(f"typed: {len(times.get(('typed', 'on'), []))} prefixes of {min(args.typed, len(texts))} of them\n")
    print("| regime | setting | p50 ms | p90 ms | p50 / off |")
    print("| --- | --- | --- | --- | --- |")
    for regime in ("one-shot", "server", "typed"):
        if (regime, "off") not in times:
            continue
        base = statistics.median(times[(regime, "off")])
        for name in settings:
            ms = sorted(t * 1000 for t in times[(regime, name)])
            p50, p90 = statistics.median(ms), ms[int(0.9 * (len(ms) - 1))]
            print(f"| {regime} | {name} | {p50:.1f} | {p90:.1f} | {p50 / (base * 1000):.2f} |")


if __name__ == "__main__":
    main()
