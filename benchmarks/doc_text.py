"""What text of a document the bundled model should see: variants re-embedded over the benchmark index.

    python benchmarks/doc_text.py [--variants shipped,words+doc+code,...] [--pairs]

Each variant rebuilds every document's text for the model from the index's metadata (`use`, 150
characters, like the shipped backend), embeds all of them, and answers the benchmark queries from an exact
in-memory index of those vectors, dense alone and fused as shipped (experiment.py). ``--pairs`` also scores
each variant together with the shipped text: two vectors per document (twice the indexing cost, the
issue's budget), either averaged into one or scored by the better of the two. Vectors are kept in
benchmarks/out/doc_text/ so a second run only pays for the queries.
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from experiment import HEADER, HERE, Variant, document_ids, model_text, open_benchmark, print_rows, top

from indexer.documents import _path_words
from indexer.lexical import split_identifier

CUT = 150  # what `use` sees of a document (its max_document_chars)


def _words(qualified_name: str) -> str:
    return " ".join(split_identifier(qualified_name.replace(".", "_")))


def _first_sentence(doc: str) -> str:
    doc = " ".join(doc.split())
    match = re.match(r"(.+?[.!?])(\s|$)", doc)
    return match.group(1) if match else doc


def _shipped(r: Any) -> str:
    return model_text(r)


def _body(r: Any) -> str:
    return (r["doc"].strip() + "\n" if r["doc"] else "") + r["code"]


VARIANTS: dict[str, Callable[[Any], str]] = {
    "shipped": lambda r: _shipped(r)[:CUT],
    "shipped, 100 chars": lambda r: _shipped(r)[:100],
    "name words + doc + code": lambda r: (_words(r["qualified_name"]) + "\n" + _body(r))[:CUT],
    "kind + name words + doc + code": lambda r: (f"{r['kind']} {_words(r['qualified_name'])}\n" + _body(r))[
        :CUT
    ],
    "name words + doc's first sentence (else code)": lambda r: (
        _words(r["qualified_name"])
        + ". "
        + (_first_sentence(r["doc"]) if r["doc"] else " ".join(r["code"].split()))
    )[:CUT],
    "name words + doc's first sentence": lambda r: (
        _words(r["qualified_name"]) + ". " + _first_sentence(r["doc"])
    )[:CUT],
    "path words first": lambda r: (_path_words(r["path"]) + ": " + _shipped(r))[:CUT],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated names of VARIANTS")
    ap.add_argument("--pairs", action="store_true", help="also two vectors per document: shipped + variant")
    args = ap.parse_args()
    searcher, queries = open_benchmark("use")
    embedder = searcher.embedder
    assert embedder is not None
    ids = document_ids(searcher)
    rows = searcher._rows([int(i) for i in ids])
    records = [rows[int(i)] for i in ids]
    qvecs: dict[str, np.ndarray] = {}
    instruction = searcher.instructions["text"]

    def query_vector(q: str) -> np.ndarray:
        if q not in qvecs:
            qvecs[q] = embedder.embed_queries([q], instruction)[0]
        return qvecs[q]

    cache = HERE / "out" / "doc_text"
    cache.mkdir(parents=True, exist_ok=True)

    def vectors(name: str) -> np.ndarray:
        path = cache / (re.sub(r"\W+", "_", name) + ".npy")
        if path.exists():
            return np.load(path)
        started = time.perf_counter()
        out = embedder.embed_documents([VARIANTS[name](r) for r in records])
        print(
            f"{name}: {len(records):,} documents embedded in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
        np.save(path, out)
        return out

    print(HEADER)
    shipped = vectors("shipped")
    for name in args.variants.split(","):
        matrix = vectors(name)
        print_rows(
            Variant(searcher, lambda q, m=matrix: top(m @ query_vector(q), ids)),
            name,
            queries,
            ("dense", "hybrid"),
        )
        if args.pairs and name != "shipped":
            mean = shipped + matrix
            mean /= np.linalg.norm(mean, axis=1, keepdims=True)
            best = Variant(
                searcher,
                lambda q, m=matrix: top(np.maximum(shipped @ query_vector(q), m @ query_vector(q)), ids),
            )
            print_rows(
                Variant(searcher, lambda q, m=mean: top(m @ query_vector(q), ids)),
                f"mean(shipped, {name})",
                queries,
                ("dense", "hybrid"),
            )
            print_rows(best, f"max(shipped, {name})", queries, ("dense", "hybrid"))


if __name__ == "__main__":
    main()
