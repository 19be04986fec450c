"""Experiment: Apertium machine translation in place of (or beside) the dictd dictionaries, for Spanish,
Portuguese, Italian and French queries, over an existing benchmark index, on the dev split by default.

    python -m benchmarks.tuning.apertium_sweep [--split dev] [--rows dict,mt,mt+dict,mt-sentence]

Since Apertium ships, run it with ``CODESEARCH_APERTIUM=off`` for ``dict`` to mean the dictionary as it did
when this sweep chose (benchmarks/results/apertium-2026-12-06.md). Rows: ``dict`` (the product's own
translation), ``mt`` (Apertium's English words replace the dictionary's), ``mt+dict`` (both),
``mt-sentence`` (as ``mt``, the English model reading Apertium's whole sentence as the gloss).
"""

from __future__ import annotations

import argparse
import subprocess

import codesearch.query as query_module
import codesearch.search as search_module
import codesearch.translate as translate_module
from benchmarks.quality import run as quality
from benchmarks.tuning import common
from codesearch.glosses import WordGloss, english_words
from codesearch.query_language import detect_language

CHAINS = {
    "es": ("spa-eng",),
    "pt": ("pt-es", "spa-eng"),
    "it": ("ita-spa", "spa-eng"),
    "fr": ("fr-es", "spa-eng"),
}


def apertium(text: str, chain: tuple[str, ...]) -> str:
    for i, mode in enumerate(chain):
        last = i == len(chain) - 1
        args = ["apertium"] + ([] if last else ["-u"]) + [mode]
        text = subprocess.run(args, input=text, capture_output=True, text=True, check=True).stdout.strip()
    return text


def mt_words(text: str, chain: tuple[str, ...]) -> tuple[tuple[WordGloss, ...], str]:
    out = apertium(text, chain)
    glosses = []
    for token in out.split():
        if token.startswith(("*", "#", "@")):  # unknown to Apertium: keep as written
            glosses.append(WordGloss(token.lstrip("*#@"), ()))
            continue
        words = english_words([token])
        if words:
            glosses.append(WordGloss(token, words))
    sentence = " ".join(t.lstrip("*#@") for t in out.split())
    return tuple(glosses), sentence


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    common.add_index_arguments(ap, "use+minilm-int8")
    common.add_split_argument(ap)
    ap.add_argument("--rows", default="dict,mt,mt+dict,mt-sentence")
    ap.add_argument("--langs", default="es,pt,it,fr")
    ap.add_argument("--queries", default="handwritten")
    args = ap.parse_args()
    langs = set(args.langs.split(","))
    records = common.load_queries(args, args.queries)[args.queries]
    searcher = common.open_searcher(args)
    shipped = query_module.analyse_query
    translate_words = translate_module.translate_words
    cache: dict[str, tuple[tuple[WordGloss, ...], str]] = {}

    def make(row: str):  # type: ignore[no-untyped-def]
        def analyse(text: str, query_type: str | None = None) -> query_module.Query:
            language = detect_language(text.strip())
            q = shipped(text, query_type)
            if language not in langs or q.type != "text":
                return q
            if text not in cache:
                cache[text] = mt_words(text.strip(), CHAINS[language])
            glosses, sentence = cache[text]
            if row in ("mt+dict", "mt-sentence+dict"):
                glosses = glosses + tuple(translate_words(text.strip()) or ())
            translated = translate_module.lexical_terms(text, glosses)
            gloss = sentence if row.startswith("mt-sentence") else translate_module.gloss_text(glosses)
            return query_module.Query(
                q.text, q.type, q.terms, q.identifier, translated=translated, gloss=gloss
            )

        return analyse

    print(f"{args.queries} {args.split}, Apertium for {sorted(langs)}, MRR@10 hybrid")
    print(common.language_header("row"))
    for row in args.rows.split(","):
        with common.patched(search_module, analyse_query=shipped if row == "dict" else make(row)):
            outcomes, _ = quality.run_queries(searcher, "hybrid", records)
        print(common.language_row(row, outcomes), flush=True)


if __name__ == "__main__":
    main()
