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

import codesearch.fusion as fusion
from benchmarks.quality import run as quality
from benchmarks.tuning import common

ROWS: list[tuple[float, float] | None] = [None, (0.7, 0.3), (0.6, 0.4), (0.5, 0.5), (0.4, 0.6), (0.3, 0.7)]


def main() -> None:
    args, records, searcher = common.one_query_set(__doc__.splitlines()[0])
    print(f"{args.queries} {args.split}, model {args.model}, MRR@10 hybrid")
    print(common.language_header("translated dense/lexical"))
    for row in ROWS:
        fusion.TRANSLATED_WEIGHTS = row
        outcomes, _ = quality.run_queries(searcher, "hybrid", records)
        label = "none (the script's weights)" if row is None else f"{row[0]}/{row[1]}"
        print(common.language_row(label, outcomes), flush=True)


if __name__ == "__main__":
    main()
