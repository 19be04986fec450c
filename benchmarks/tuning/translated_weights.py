"""Sweep the (dense, lexical) weights of a query a dictionary translated (``codesearch.fusion.
TRANSLATED_WEIGHTS``) over an existing benchmark index, on the dev split by default.

    python -m benchmarks.tuning.translated_weights [--model use+minilm-int8] [--split dev]

A translated query's lexical terms include its dictionary's English words (``codesearch.translate``), so
the lexical ranking may deserve more say than for an untranslated query in the same script (non-Latin
0.75/0.25, Latin by coverage). Prints MRR@10 of the hand-written queries: English (never translated: must
not move), not English, and by query language; the first row is no separate weights (None: the script's
weights), the others each setting (0.6/0.4 shipped, chosen with this sweep).
"""

from __future__ import annotations

import argparse

import codesearch.fusion as fusion
from benchmarks.quality import run as quality
from benchmarks.quality.scoring import metrics
from benchmarks.tuning import common

ROWS: list[tuple[float, float] | None] = [None, (0.7, 0.3), (0.6, 0.4), (0.5, 0.5), (0.4, 0.6), (0.3, 0.7)]
LANGS = ("de", "es", "fr", "it", "pt", "ru", "ja", "zh", "ko")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_index_arguments(ap, "use+minilm-int8")
    common.add_split_argument(ap)
    ap.add_argument("--queries", default="handwritten", help="a query set under benchmarks/queries/")
    args = ap.parse_args()
    records = common.load_queries(args, args.queries)[args.queries]
    searcher = common.open_searcher(args)
    print(f"{args.queries} {args.split}, model {args.model}, MRR@10 hybrid")
    print("| translated dense/lexical | English | not English | " + " | ".join(LANGS) + " |")
    print("| --- " * (3 + len(LANGS)) + "|")
    for row in ROWS:
        fusion.TRANSLATED_WEIGHTS = row
        outcomes, _ = quality.run_queries(searcher, "hybrid", records)
        cells = ["none (the script's weights)" if row is None else f"{row[0]}/{row[1]}"]
        cells.append(f"{metrics(o.rank for o in outcomes if o.lang == 'en').mrr10:.3f}")
        cells.append(f"{metrics(o.rank for o in outcomes if o.lang != 'en').mrr10:.3f}")
        for lang in LANGS:
            ranks = [o.rank for o in outcomes if o.lang == lang]
            cells.append(f"{metrics(ranks).mrr10:.3f}" if ranks else "-")
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
