"""Sweep: the translated-query weights (``codesearch.fusion.TRANSLATED_WEIGHTS``) for every translated query,
or only for those in Latin script (a Chinese, Japanese or Russian one keeps its script's weights), over an
existing benchmark index, on the dev split by default.

    python -m benchmarks.tuning.translated_scripts [--split dev|test] [--queries handwritten]

With Apertium and the Russian lemmas in (2026-12-06), the translated weights that were chosen before them
lost on dev to no separate weights for Chinese and Japanese (0.472 -> 0.415, 0.337 -> 0.290) and still won
for German, French and Portuguese: this sweep measures keeping them for Latin script only.
"""

from __future__ import annotations

import argparse
from typing import Any

import codesearch.fusion as fusion
import codesearch.search as search_module
from benchmarks.quality import run as quality
from benchmarks.quality.scoring import metrics
from benchmarks.tuning import common

LANGS = ("de", "es", "fr", "it", "pt", "ru", "ja", "zh", "ko")


def latin_only(profile: fusion.QueryProfile, parts: Any = ()) -> fusion.FusionPlan:
    if not (profile.non_latin and profile.translated):
        return fusion.plan_fusion(profile, parts)
    old, fusion.TRANSLATED_WEIGHTS = fusion.TRANSLATED_WEIGHTS, None
    try:
        return fusion.plan_fusion(profile, parts)
    finally:
        fusion.TRANSLATED_WEIGHTS = old


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_index_arguments(ap, "use+minilm-int8")
    common.add_split_argument(ap)
    ap.add_argument("--queries", default="handwritten")
    args = ap.parse_args()
    records = common.load_queries(args, args.queries)[args.queries]
    searcher = common.open_searcher(args)
    print(f"{args.queries} {args.split}, MRR@10 hybrid")
    print("| translated weights | English | not English | " + " | ".join(LANGS) + " |")
    print("| --- " * (3 + len(LANGS)) + "|")
    shipped = search_module.plan_fusion
    for label, plan in (("every translated query", fusion.plan_fusion), ("Latin script only", latin_only)):
        search_module.plan_fusion = plan
        try:
            outcomes, _ = quality.run_queries(searcher, "hybrid", records)
        finally:
            search_module.plan_fusion = shipped
        cells = [label, metrics(o.rank for o in outcomes if o.lang == "en").mrr10]
        cells.append(metrics(o.rank for o in outcomes if o.lang != "en").mrr10)
        for lang in LANGS:
            ranks = [o.rank for o in outcomes if o.lang == lang]
            cells.append(metrics(ranks).mrr10 if ranks else "-")
        print("| " + " | ".join(c if isinstance(c, str) else f"{c:.3f}" for c in cells) + " |", flush=True)


if __name__ == "__main__":
    main()
