"""Sweep the fusion of hybrid search over an existing benchmark index, against reciprocal rank fusion.

    python -m benchmarks.tuning.fusion [--model use] [--index benchmarks/out/index-use]

Build the index first (`python -m benchmarks.quality.run --models use`). For each setting of the (dense,
lexical) weights (`codesearch.fusion`: by query script, and for Latin-script queries by how much of the
query the index's vocabulary covers), and of the English-only model's weight in a two-model index, runs
every query in hybrid mode and prints MRR@10 per query set, for the English and the non-English
hand-written queries, and for the non-Latin-script ones (ja, ko, ru, zh). The baseline row replaces the
score fusion with plain reciprocal rank fusion (k = 60) of the dense and lexical rankings, with no role
priors (`codesearch.roles`); every other row keeps the shipped priors.
"""

from __future__ import annotations

import argparse
from typing import Any

import codesearch.fusion as fusion
import codesearch.roles as roles
import codesearch.search as search
from benchmarks.quality import run as quality
from benchmarks.quality.scoring import grouped, metrics
from benchmarks.tuning import common

NON_LATIN = {"ja", "ko", "ru", "zh"}
SHIPPED_FUSE = fusion.fuse
SHIPPED_PRIORS = roles.PRIORS
SHIPPED = {
    "COVERED_WEIGHTS": fusion.COVERED_WEIGHTS,
    "COVERED_WEIGHTS_ENGLISH_MODEL": fusion.COVERED_WEIGHTS_ENGLISH_MODEL,
    "UNCOVERED_WEIGHTS": fusion.UNCOVERED_WEIGHTS,
    "NON_LATIN_WEIGHTS": fusion.NON_LATIN_WEIGHTS,
    "IDENTIFIER_WEIGHTS": fusion.IDENTIFIER_WEIGHTS,
}


def rrf(rankings, weights=None):  # noqa: ANN001, ANN201 -- the baseline, same signature as fusion.fuse
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, (doc_id, _) in enumerate(ranking, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (60 + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


# (label, fusion function, overrides of codesearch.fusion's constants)
SETTINGS: list[tuple[str, Any, dict[str, Any]]] = [
    ("RRF, equal weights (baseline)", rrf, {}),
    (
        "score, 0.5/0.5, non-Latin 0.75/0.25 (coverage and identifiers off)",
        SHIPPED_FUSE,
        {
            "COVERED_WEIGHTS": (0.5, 0.5),
            "COVERED_WEIGHTS_ENGLISH_MODEL": (0.5, 0.5),
            "UNCOVERED_WEIGHTS": (0.5, 0.5),
            "IDENTIFIER_WEIGHTS": (0.5, 0.5),
        },
    ),
    ("score, identifier 0.3/0.7", SHIPPED_FUSE, {"IDENTIFIER_WEIGHTS": (0.3, 0.7)}),
    ("score, identifier 0.2/0.8", SHIPPED_FUSE, {"IDENTIFIER_WEIGHTS": (0.2, 0.8)}),
    ("score, covered 0.4/0.6, uncovered 0.7/0.3, identifier 0.5/0.5 (shipped)", SHIPPED_FUSE, {}),
    ("score, uncovered 0.6/0.4", SHIPPED_FUSE, {"UNCOVERED_WEIGHTS": (0.6, 0.4)}),
    ("score, uncovered 0.8/0.2", SHIPPED_FUSE, {"UNCOVERED_WEIGHTS": (0.8, 0.2)}),
    ("score, covered 0.3/0.7", SHIPPED_FUSE, {"COVERED_WEIGHTS": (0.3, 0.7)}),
    ("two models: covered 0.4/0.6", SHIPPED_FUSE, {"COVERED_WEIGHTS_ENGLISH_MODEL": (0.4, 0.6)}),
    ("two models: covered 0.6/0.4", SHIPPED_FUSE, {"COVERED_WEIGHTS_ENGLISH_MODEL": (0.6, 0.4)}),
    ("score, covered 0.5/0.5", SHIPPED_FUSE, {"COVERED_WEIGHTS": (0.5, 0.5)}),
    ("score, non-Latin 0.85/0.15", SHIPPED_FUSE, {"NON_LATIN_WEIGHTS": (0.85, 0.15)}),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_index_arguments(ap, "use")
    ap.add_argument("--rows", type=int, help="run only the first ROWS settings (1: the baseline alone)")
    common.add_split_argument(ap)
    args = ap.parse_args()
    index = common.index_of(args)
    queries = common.load_queries(args, "handwritten", "csn")
    searcher = common.open_searcher(args)
    two_models = len(getattr(searcher.embedder, "part_names", ())) > 1
    print(f"model {args.model}, index {index}")
    print("| setting | handwritten | hw English | hw other | hw ja/ko/ru/zh | hw identifiers | csn |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, fuse, overrides in SETTINGS[: args.rows]:
        if label.startswith("two models") and not two_models:
            continue
        search.fuse = fuse
        roles.PRIORS = {} if fuse is rrf else SHIPPED_PRIORS  # the naive baseline: no role priors either
        for name, value in {**SHIPPED, **overrides}.items():
            setattr(fusion, name, value)
        row = [label]
        for name, records in queries.items():
            outcomes, _ = quality.run_queries(searcher, "hybrid", records)
            row.append(f"{grouped(outcomes, 'lang')['all'].mrr10:.3f}")
            if name == "handwritten":
                row.append(f"{metrics(o.rank for o in outcomes if o.lang == 'en').mrr10:.3f}")
                row.append(f"{metrics(o.rank for o in outcomes if o.lang != 'en').mrr10:.3f}")
                row.append(f"{metrics(o.rank for o in outcomes if o.lang in NON_LATIN).mrr10:.3f}")
                row.append(f"{metrics(o.rank for o in outcomes if o.style == 'identifier').mrr10:.3f}")
        print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
