"""Diagnostic: each hand-written query as asked, and again scoped to its target's language (`--lang`).

    python -m benchmarks.quality.lang_filter

The benchmark asks every query of all 28 packages at once, with no filter, as the issue's targets are
defined. A developer who wants the C function says `--lang c`. This prints MRR@10 by code language both
ways, on the benchmark index of quality.py: it separates "the engine cannot find the C code" from "it
finds another language's code first" (psutil's Python wrappers of its C functions, for instance). Not a
target figure.
"""

from __future__ import annotations

from benchmarks.quality.run import CORPUS, OUT, K, load_queries, make_embedder, open_searcher
from benchmarks.quality.scoring import first_correct_rank, metrics


def main() -> None:
    searcher = open_searcher(OUT / "index-use", make_embedder("use"))
    ranks: dict[str, list[tuple[int | None, int | None]]] = {}
    for record in load_queries("handwritten", CORPUS, None):
        asked = searcher.search(record["query"], k=K).hits
        scoped = searcher.search(record["query"], k=K, lang=record["code_lang"]).hits
        ranks.setdefault(record["code_lang"], []).append(
            (
                first_correct_rank(asked, record["resolved"], K),
                first_correct_rank(scoped, record["resolved"], K),
            )
        )
    print("| code language | n | MRR@10 as asked | with --lang |\n| --- | --- | --- | --- |")
    for language, pairs in [*sorted(ranks.items()), ("all", [p for v in ranks.values() for p in v])]:
        asked_mrr, scoped_mrr = metrics(a for a, _ in pairs).mrr10, metrics(b for _, b in pairs).mrr10
        print(f"| {language} | {len(pairs)} | {asked_mrr:.3f} | {scoped_mrr:.3f} |")


if __name__ == "__main__":
    main()
