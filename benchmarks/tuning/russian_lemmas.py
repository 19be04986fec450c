"""Experiment: Russian query words looked up by their dictionary form (pymorphy3's lemma: "частоту" ->
"частота", "времени" -> "время") before the crude suffix stem, over an existing benchmark index, on the dev
split by default.

    python -m benchmarks.tuning.russian_lemmas [--split dev] [--queries handwritten]

Rows: ``stem`` (shipped: as written, accent-folded, crude stem), ``lemma first`` (the lemma's exact entry
first, then as shipped), ``lemma only`` (the lemma's entries, then its stem).
"""

from __future__ import annotations

import argparse
import functools

import codesearch.freedict as freedict
import codesearch.translate as translate
from benchmarks.quality import run as quality
from benchmarks.quality.scoring import metrics
from benchmarks.tuning import common


@functools.cache
def _morph():  # type: ignore[no-untyped-def]
    import pymorphy3  # type: ignore[import-not-found,import-untyped,unused-ignore]

    return pymorphy3.MorphAnalyzer()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_index_arguments(ap, "use+minilm-int8")
    common.add_split_argument(ap)
    ap.add_argument("--queries", default="handwritten")
    args = ap.parse_args()
    records = common.load_queries(args, args.queries)[args.queries]
    searcher = common.open_searcher(args)
    shipped = freedict.CompiledDictionary.lookup

    def lemma_first(self, word: str) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
        if self.language == "ru":
            lemma = _morph().parse(word.lower())[0].normal_form
            found = self._get("exact", lemma)
            if found:
                return found  # type: ignore[no-any-return]
        return shipped(self, word)  # type: ignore[no-any-return]

    def lemma_only(self, word: str) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
        if self.language == "ru":
            word = _morph().parse(word.lower())[0].normal_form
        return shipped(self, word)  # type: ignore[no-any-return]

    rows = {"stem": shipped, "lemma first": lemma_first, "lemma only": lemma_only}
    print(f"{args.queries} {args.split}, MRR@10 hybrid")
    print("| row | English | not English | ru (n) |")
    print("| --- | --- | --- | --- |")
    for label, lookup in rows.items():
        translate._translator.cache_clear()
        with common.patched(freedict.CompiledDictionary, lookup=lookup):
            outcomes, _ = quality.run_queries(searcher, "hybrid", records)
        ru = [o.rank for o in outcomes if o.lang == "ru"]
        print(
            f"| {label} | {metrics(o.rank for o in outcomes if o.lang == 'en').mrr10:.3f} "
            f"| {metrics(o.rank for o in outcomes if o.lang != 'en').mrr10:.3f} | {metrics(ru).mrr10:.3f} ({len(ru)}) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
