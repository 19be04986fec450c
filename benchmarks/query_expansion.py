"""Experiment, not shipped: cross-lingual query expansion through the bundled model's word vectors.

    python benchmarks/query_expansion.py [--neighbours 1,2]

For each hand-written query in a Latin-script language other than English (de, es, fr, it, pt), each of
its words that the index's vocabulary does not hold is mapped to its nearest index words (cosine of `use`
vectors of single words; the vocabulary: words of 3-20 ASCII letters in at least 3 documents). The words
found are appended to the query for the lexical side only, or for both sides, and the rankings are fused
with the shipped plan or with fixed (dense, lexical) weights. Prints MRR@10 per language for each variant
against the shipped pipeline, on the benchmark index of quality.py (benchmarks/out/index-use).
The weights are chosen on the same 93 queries they are measured on: read gains as an upper bound.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import quality  # noqa: E402
from scoring import QueryOutcome, first_correct_rank, grouped  # noqa: E402

from codesearch.fusion import FusionPlan, fuse  # noqa: E402
from codesearch.search import Searcher  # noqa: E402
from indexer.lexical import query_terms  # noqa: E402

LANGS = ("de", "es", "fr", "it", "pt")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neighbours", default="1,2", help="index words per unknown query word")
    args = parser.parse_args()
    embedder = quality.make_embedder("use")
    searcher = Searcher.open(quality.OUT / "index-use", embedder=embedder)
    db = searcher._db
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocabulary USING fts5vocab(main, documents_fts, row)")
    vocab = [
        term
        for term, docs in db.execute("SELECT term, doc FROM temp.vocabulary")
        if docs >= 3 and term.isascii() and term.isalpha() and 3 <= len(term) <= 20
    ]
    started = time.perf_counter()
    vectors = embedder.embed_documents(vocab)
    print(f"vocabulary: {len(vocab):,} words, embedded in {time.perf_counter() - started:.1f} s")
    known = set(vocab)

    def expand(query: str, n: int) -> str:
        unknown = [w for w in query_terms(query) if w.isalpha() and len(w) > 2 and w not in known]
        if not unknown:
            return query
        sims = embedder.embed_documents(unknown) @ vectors.T
        return query + " " + " ".join(vocab[j] for row in sims for j in np.argsort(-row)[:n])

    records = [r for r in quality.load_queries("handwritten", quality.CORPUS, None) if r["lang"] in LANGS]
    print(f"{len(records)} queries in {', '.join(LANGS)}\n")
    print("| variant | all | " + " | ".join(LANGS) + " |")
    print("| --- | --- | " + " | ".join("---" for _ in LANGS) + " |")

    def run(name: str, n: int, lexical: bool, dense: bool, weights: tuple[float, float] | None) -> None:
        outcomes = []
        for record in records:
            query = record["query"]
            expanded = expand(query, n) if (lexical or dense) else query
            plan = searcher.plan(query) if weights is None else FusionPlan(weights)
            dense_ranking = searcher._dense(expanded if dense else query, 100, None, "text", None)
            lexical_ranking = searcher._lexical(expanded if lexical else query, 100, "", [])
            fused = fuse([dense_ranking, lexical_ranking], plan.weights)
            hits = searcher._hits(fused, quality.K, dict(dense_ranking), query_terms(query), set())
            rank = first_correct_rank(hits, record["resolved"], quality.K)
            outcomes.append(QueryOutcome(record["id"], query, record["lang"], record["code_lang"], rank, []))
        by_lang = grouped(outcomes, "lang")
        cells = " | ".join(f"{by_lang[lang].mrr10:.3f}" for lang in LANGS)
        print(f"| {name} | {by_lang['all'].mrr10:.3f} | {cells} |", flush=True)

    run("shipped (no expansion)", 1, False, False, None)
    for n in (int(x) for x in args.neighbours.split(",")):
        run(f"lexical side expanded, n={n}, shipped weights", n, True, False, None)
        for weights in ((0.7, 0.3), (0.6, 0.4), (0.5, 0.5)):
            run(f"lexical side expanded, n={n}, {weights}", n, True, False, weights)
            run(f"both sides expanded, n={n}, {weights}", n, True, True, weights)


if __name__ == "__main__":
    main()
