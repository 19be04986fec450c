"""Sweep the (dense, lexical) weights of a query a dictionary translated (``codesearch.fusion.
TRANSLATED_WEIGHTS``) over an existing benchmark index, on the dev split by default.

    python -m benchmarks.tuning.translated_weights [--model use+minilm-int8] [--split dev]

A translated query's lexical terms include its dictionary's English words (``codesearch.translate``), so
the lexical ranking may deserve more say than for an untranslated query in the same script (the shipped
weights: non-Latin 0.75/0.25, Latin by coverage). Prints MRR@10 of the hand-written queries: English
(never translated: must not move), not English, and by query language; the first row is the shipped
fusion (no separate weights).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import codesearch.fusion as fusion
from benchmarks.paths import OUT
from benchmarks.quality import run as quality
from benchmarks.quality.scoring import metrics
from codesearch.embedding import get_embedder

ROWS: list[tuple[float, float] | None] = [None, (0.7, 0.3), (0.6, 0.4), (0.5, 0.5), (0.4, 0.6), (0.3, 0.7)]
LANGS = ("de", "es", "fr", "it", "pt", "ru", "ja", "zh", "ko")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="use+minilm-int8")
    ap.add_argument("--index", type=Path, help="default: benchmarks/out/index-MODEL")
    ap.add_argument("--split", default="dev", choices=("dev", "test", "all"), help="tune on dev, never on test")
    ap.add_argument("--queries", default="handwritten", help="a query set under benchmarks/queries/")
    args = ap.parse_args()
    split = None if args.split == "all" else args.split
    records = quality.load_queries(args.queries, quality.CORPUS, None, split=split)
    searcher = quality.open_searcher(args.index or OUT / f"index-{args.model}", get_embedder(args.model))
    print(f"{args.queries} {args.split}, model {args.model}, MRR@10 hybrid")
    print("| translated dense/lexical | English | not English | " + " | ".join(LANGS) + " |")
    print("| --- " * (3 + len(LANGS)) + "|")
    for row in ROWS:
        fusion.TRANSLATED_WEIGHTS = row
        outcomes, _ = quality.run_queries(searcher, "hybrid", records)
        cells = ["shipped (none)" if row is None else f"{row[0]}/{row[1]}"]
        cells.append(f"{metrics(o.rank for o in outcomes if o.lang == 'en').mrr10:.3f}")
        cells.append(f"{metrics(o.rank for o in outcomes if o.lang != 'en').mrr10:.3f}")
        for lang in LANGS:
            ranks = [o.rank for o in outcomes if o.lang == lang]
            cells.append(f"{metrics(ranks).mrr10:.3f}" if ranks else "-")
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
