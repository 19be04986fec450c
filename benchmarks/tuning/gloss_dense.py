"""Sweep how a two-model index (``use+minilm-int8``) lets its English-only model read a query in another
language through the dictionary's English gloss (``Query.gloss``, ``fusion.GLOSS_ENGLISH_WEIGHT``).

    python -m benchmarks.tuning.gloss_dense [--model use+minilm-int8] [--index DIR] [--split dev]

Build the index first (``python -m benchmarks.quality.run --models use+minilm-int8``). For each setting (the
English model's weight for a glossed query, how many English words per query word the gloss keeps, whether a
word the dictionary lacks is kept as written) runs the hand-written and CodeSearchNet queries in hybrid mode
and prints MRR@10: hand-written overall, English, not English, per query language, and CSN (English only:
it must not move). The first row is glosses off (the shipped default: the English model off for a query it
cannot read). Tune on dev (the default); read test once, with ``benchmarks.quality.run``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import Any

import codesearch.fusion as fusion
import codesearch.query as query_module
import codesearch.search as search_module
from benchmarks.quality import run as quality
from benchmarks.quality.scoring import grouped, metrics
from benchmarks.tuning import common
from codesearch.fusion import FusionPlan
from codesearch.glosses import WordGloss
from codesearch.translate import gloss_text, translate_words

LANGUAGES = ("de", "es", "fr", "it", "pt", "ru", "ja", "zh", "ko")


def known_only(words: Iterable[WordGloss], per_word: int | None = None) -> str:
    """The gloss without the words the dictionary lacks, unless they look like code (JSON, FormData)."""
    kept = [g for g in words if g.english or not (g.word.isalpha() and g.word.islower())]
    return gloss_text(kept, per_word)


def per_word(n: int) -> Callable[[Iterable[WordGloss]], str]:
    return lambda words: gloss_text(words, n)


shipped_plan = search_module.Searcher._plan


def translated_share(text: str) -> float:
    """The share of a query's words the dictionary translated (a name in code counts as translated)."""
    words = translate_words(text) or ()
    counted = [g for g in words if g.english or g.word.isalpha() and g.word.islower() or not g.word.isascii()]
    return sum(1 for g in counted if g.english) / len(counted) if counted else 0.0


def scaled_plan(self: Any, generation: Any, query: Any) -> FusionPlan:
    """The shipped plan with a glossed query's English-only weight scaled by ``translated_share``."""
    plan = shipped_plan(self, generation, query)
    if not query.gloss or plan.part_weights is None:
        return plan
    share = translated_share(query.text)
    english = self.embedder.parts_english_only
    scaled = tuple(w * share if e else w for w, e in zip(plan.part_weights, english, strict=True))
    return FusionPlan(plan.weights, scaled)


# (label, gloss on, GLOSS_ENGLISH_WEIGHT, gloss construction)
SETTINGS: list[tuple[str, bool, float, Callable[[Iterable[WordGloss]], str]]] = [
    ("no gloss (before)", False, 0.0, gloss_text),
    ("gloss 1 word/word, weight 0.25", True, 0.25, per_word(1)),
    ("gloss 1 word/word, weight 0.5", True, 0.5, per_word(1)),
    ("gloss 1 word/word, weight 0.75", True, 0.75, per_word(1)),
    ("gloss 1 word/word, weight 1.0", True, 1.0, per_word(1)),
    ("gloss 2 words/word, weight 0.5", True, 0.5, per_word(2)),
    ("gloss 2 words/word, weight 1.0", True, 1.0, per_word(2)),
    ("gloss 1 word/word, unknown words dropped, weight 0.5", True, 0.5, known_only),
    ("gloss 3 words/word, weight 0.5", True, 0.5, per_word(3)),
    ("gloss 4 words/word, weight 0.5", True, 0.5, per_word(4)),
    ("gloss 4 words/word, weight 1.0", True, 1.0, per_word(4)),
    ("gloss 2 words/word, weight 0.75", True, 0.75, per_word(2)),
    ("gloss 2 words/word, weight 1.0 x share of words translated", True, 1.0, per_word(2)),
    ("gloss 4 words/word, weight 1.0 x share of words translated", True, 1.0, per_word(4)),
    ("gloss 4 words/word, weight 0.75", True, 0.75, per_word(4)),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_index_arguments(ap, "use+minilm-int8")
    ap.add_argument("--rows", help="comma-separated row numbers to run (default: all)")
    common.add_split_argument(ap)
    args = ap.parse_args()
    index = common.index_of(args)
    queries = common.load_queries(args, "handwritten", "csn")
    searcher = common.open_searcher(args)
    rows = [int(r) for r in args.rows.split(",")] if args.rows else range(len(SETTINGS))
    print(f"model {args.model}, index {index}, split {args.split}")
    header = ["setting", "hw", "hw en", "hw not en", *LANGUAGES, "csn"]
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    shipped: dict[str, Any] = {"GLOSS": query_module.GLOSS, "gloss_text": query_module.gloss_text}
    try:
        for row in rows:
            label, on, weight, construct = SETTINGS[row]
            query_module.GLOSS = on
            query_module.gloss_text = construct  # type: ignore[assignment]
            fusion.GLOSS_ENGLISH_WEIGHT = weight
            search_module.Searcher._plan = scaled_plan if "share" in label else shipped_plan  # type: ignore[method-assign]
            cells = [label]
            for name, records in queries.items():
                outcomes, _ = quality.run_queries(searcher, "hybrid", records)
                cells.append(f"{grouped(outcomes, 'lang')['all'].mrr10:.3f}")
                if name == "handwritten":
                    cells.append(f"{metrics(o.rank for o in outcomes if o.lang == 'en').mrr10:.3f}")
                    cells.append(f"{metrics(o.rank for o in outcomes if o.lang != 'en').mrr10:.3f}")
                    for lang in LANGUAGES:
                        cells.append(f"{metrics(o.rank for o in outcomes if o.lang == lang).mrr10:.3f}")
            print("| " + " | ".join(cells) + " |", flush=True)
    finally:
        query_module.GLOSS = shipped["GLOSS"]
        query_module.gloss_text = shipped["gloss_text"]
        searcher.close()


if __name__ == "__main__":
    main()
