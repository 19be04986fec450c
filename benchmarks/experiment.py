"""Shared harness of the quality experiments: run the benchmark queries with a replaced dense side.

The experiments (doc_text.py, query_adapter.py, second_stage.py, cognates.py) change one stage of the
shipped pipeline (what the model sees of a document, how a query vector is formed, how the top hits are
rescored, what the lexical side is asked) and keep the rest as shipped: score fusion with the query's plan,
role priors, grouping of hits. This module runs the hand-written and CSN queries through such a variant
and prints one Markdown row of MRR@10: hand-written overall, English, not English, non-Latin script
(ja/ko/ru/zh), C targets; CSN overall.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import quality  # noqa: E402
from scoring import QueryOutcome, first_correct_rank, metrics  # noqa: E402

from codesearch.fusion import fuse  # noqa: E402
from codesearch.search import Searcher  # noqa: E402
from indexer.documents import _embed_text  # noqa: E402
from indexer.lexical import query_terms  # noqa: E402

NON_LATIN = ("ja", "ko", "ru", "zh")
HEADER = "| variant | mode | hw | hw en | hw not en | hw ja/ko/ru/zh | hw C | csn |\n" + "| --- " * 8 + "|"
DEPTH = 100

Ranking = list[tuple[int, float]]


def open_benchmark(model: str = "use") -> tuple[Searcher, dict[str, list[dict[str, Any]]]]:
    """The benchmark index of quality.py for ``model`` (built there) and both query sets."""
    searcher = Searcher.open(quality.OUT / f"index-{model}", embedder=quality.make_embedder(model))
    queries = {name: quality.load_queries(name, quality.CORPUS, None) for name in ("handwritten", "csn")}
    return searcher, queries


def document_ids(searcher: Searcher) -> np.ndarray:
    """Every document id of the index, in a fixed order (the rows of a variant's vector matrix)."""
    return np.array(
        [r[0] for r in searcher._db.execute("SELECT id FROM documents ORDER BY id")], dtype=np.int64
    )


def model_text(row: Any) -> str:
    """What the index handed the model for a document, rebuilt from its metadata row (``Searcher._rows``)."""
    return _embed_text(
        language=row["language"],
        kind=row["kind"],
        qualified_name=row["qualified_name"],
        signature=row["signature"],
        doc=row["doc"],
        code=row["code"],
    )


def stored_vectors(searcher: Searcher, ids: np.ndarray) -> np.ndarray:
    """The index's own vectors of ``ids``, one row each (FAISS's IndexIDMap2 keeps them by id)."""
    assert searcher._vectors is not None
    index = searcher._vectors._index
    return np.vstack([index.reconstruct(int(i)) for i in ids])


def top(scores: np.ndarray, ids: np.ndarray, depth: int = DEPTH) -> Ranking:
    """The ``depth`` best (id, score) of a score per row of ``ids``."""
    best = np.argpartition(-scores, depth)[:depth]
    best = best[np.argsort(-scores[best])]
    return [(int(ids[j]), float(scores[j])) for j in best]


class Variant:
    """Runs queries with a dense side given by ``dense(query) -> ranking`` (None: the shipped one), an
    optional rewrite of the lexical side's query, and an optional rescoring of the fused ranking."""

    def __init__(
        self,
        searcher: Searcher,
        dense: Callable[[str], Ranking] | None = None,
        lexical_query: Callable[[str], str] | None = None,
        rescore: Callable[[str, Ranking], Ranking] | None = None,
    ) -> None:
        self.searcher = searcher
        self.dense = dense or (lambda q: searcher._dense(q, DEPTH, None, "text", None))
        self.lexical_query = lexical_query or (lambda q: q)
        self.rescore = rescore
        self._lexical: dict[str, Ranking] = {}

    def rank(self, record: dict[str, Any], mode: str) -> int | None:
        s, q = self.searcher, record["query"]
        dense = self.dense(q)
        if mode == "dense":
            fused = dense
        else:
            lexical_query = self.lexical_query(q)
            if lexical_query not in self._lexical:
                self._lexical[lexical_query] = s._lexical(lexical_query, DEPTH, "", [])
            fused = s._weigh_roles(q, fuse([dense, self._lexical[lexical_query]], s.plan(q).weights))
        if self.rescore is not None:
            fused = self.rescore(q, fused)
        hits = s._hits(fused, quality.K, dict(dense), query_terms(q), set())
        return first_correct_rank(hits, record["resolved"], quality.K)

    def row(self, label: str, queries: dict[str, list[dict[str, Any]]], mode: str = "hybrid") -> str:
        cells = []
        for name, records in queries.items():
            outcomes = [
                QueryOutcome(r["id"], r["query"], r["lang"], r["code_lang"], self.rank(r, mode))
                for r in records
            ]
            cells.append(metrics(o.rank for o in outcomes))
            if name == "handwritten":
                cells += [
                    metrics(o.rank for o in outcomes if o.lang == "en"),
                    metrics(o.rank for o in outcomes if o.lang != "en"),
                    metrics(o.rank for o in outcomes if o.lang in NON_LATIN),
                    metrics(o.rank for o in outcomes if o.code_lang == "c"),
                ]
        return f"| {label} | {mode} | " + " | ".join(f"{m.mrr10:.3f}" for m in cells) + " |"


def print_rows(
    variant: Variant, label: str, queries: dict[str, list[dict[str, Any]]], modes: Sequence[str]
) -> None:
    for mode in modes:
        print(variant.row(label, queries, mode), flush=True)
