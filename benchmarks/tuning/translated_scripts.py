"""Sweep: the translated-query weights (``codesearch.fusion.TRANSLATED_WEIGHTS``) for every translated query,
or only for those in Latin script (a Chinese, Japanese or Russian one keeps its script's weights), over an
existing benchmark index, on the dev split by default.

    python -m benchmarks.tuning.translated_scripts [--split dev|test] [--queries handwritten]

With Apertium and the Russian lemmas in (2026-12-06), the translated weights that were chosen before them
lost on dev to no separate weights for Chinese and Japanese (0.472 -> 0.415, 0.337 -> 0.290) and still won
for German, French and Portuguese: this sweep measures keeping them for Latin script only.
"""

from __future__ import annotations

from typing import Any

import codesearch.fusion as fusion
import codesearch.search as search_module
from benchmarks.quality import run as quality
from benchmarks.tuning import common


def latin_only(profile: fusion.QueryProfile, parts: Any = ()) -> fusion.FusionPlan:
    if not (profile.non_latin and profile.translated):
        return fusion.plan_fusion(profile, parts)
    with common.patched(fusion, TRANSLATED_WEIGHTS=None):
        return fusion.plan_fusion(profile, parts)


def main() -> None:
    args, records, searcher = common.one_query_set(__doc__.splitlines()[0])
    print(f"{args.queries} {args.split}, MRR@10 hybrid")
    print(common.language_header("translated weights"))
    for label, plan in (("every translated query", fusion.plan_fusion), ("Latin script only", latin_only)):
        with common.patched(search_module, plan_fusion=plan):
            outcomes, _ = quality.run_queries(searcher, "hybrid", records)
        print(common.language_row(label, outcomes), flush=True)


if __name__ == "__main__":
    main()
