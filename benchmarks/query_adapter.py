"""Experiment, not shipped: a linear map from query vectors toward code vectors, learned outside the corpus.

    python benchmarks/query_adapter.py [--pairs 25000]

Training pairs come from code installed on this machine and not in the benchmark corpus: the running
Python's standard library and site-packages (minus the corpus's packages) and, where a JDK's src.zip is
found, Java. A pair is (a doc comment's first sentence, the document text without that doc comment), both
embedded with `use` like a query and a document. W minimises |QW - D|^2 + lam |W - I|^2 (ridge towards
the identity, closed form); a query is then searched as norm(qW), or as norm(norm(qW) + q). Measured on
the benchmark index (experiment.py). The training sources depend on what is installed: read it as an
experiment, not a pinned benchmark.
"""

from __future__ import annotations

import argparse
import glob
import random
import re
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
from experiment import HEADER, HERE, Variant, document_ids, open_benchmark, print_rows, stored_vectors, top

from codesearch.types import Symbol
from indexer.documents import _embed_text
from parsers.extractor import extract_symbols
from parsers.languages import language_for_path

CUT = 150


def _first_sentence(doc: str) -> str:
    doc = " ".join(doc.split())
    match = re.match(r"(.+?[.!?])(\s|$)", doc)
    return match.group(1) if match else doc


def _usable(sentence: str) -> bool:
    return (
        4 <= len(sentence.split()) <= 30
        and "http" not in sentence
        and not sentence.lower().startswith(("todo", "deprecated", "see ", "copyright", "license", "@"))
    )


def training_pairs(limit: int, seed: int = 0) -> list[tuple[str, Symbol]]:
    """(first sentence, symbol) pairs from installed code outside the corpus, Python and Java mixed."""
    corpus = {p.name for p in (HERE / "data" / "corpus").iterdir()} | {
        "psutil",
        "simplejson",
        "bitarray",
        "requests",
    }
    rng = random.Random(seed)
    found: dict[str, list[tuple[str, Symbol]]] = {"python": [], "java": []}

    def take(source: bytes, path: str, per_file: int) -> None:
        language = language_for_path(path)
        if language not in found:
            return
        taken = 0
        for symbol in extract_symbols(source, language, path=path):
            if symbol.doc and symbol.kind != "module" and not symbol.name.startswith("_"):
                sentence = _first_sentence(symbol.doc)
                if _usable(sentence) and taken < per_file:
                    found[language].append((sentence, symbol))
                    taken += 1

    for root in {
        Path(p) for p in sys.path if p.endswith(("python3.11", "site-packages")) and Path(p).is_dir()
    }:
        files = [
            p
            for p in root.rglob("*.py")
            if not {"test", "tests"} & set(p.parts) and not corpus & set(p.relative_to(root).parts)
        ]
        rng.shuffle(files)
        for path in files[:6000]:
            take(path.read_bytes(), str(path.relative_to(root)), 20)
    for src in sorted(glob.glob("/usr/lib/jvm/*/lib/src.zip"))[-1:]:
        with zipfile.ZipFile(src) as z:
            names = [
                n
                for n in z.namelist()
                if n.endswith(".java") and n.startswith(("java.base/", "java.sql/", "java.xml/"))
            ]
            rng.shuffle(names)
            for name in names[:3000]:
                take(z.read(name), name, 8)
    for pairs in found.values():
        rng.shuffle(pairs)
    java = found["java"][: limit * 2 // 5]
    return found["python"][: limit - len(java)] + java


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=25000)
    args = ap.parse_args()
    searcher, queries = open_benchmark("use")
    embedder = searcher.embedder
    assert embedder is not None
    instruction = searcher.instructions["text"]
    started = time.perf_counter()
    pairs = training_pairs(args.pairs)
    q = embedder.embed_queries([s for s, _ in pairs], instruction)

    def text(sym: Symbol, doc: str) -> str:
        return _embed_text(
            language=sym.language,
            kind=sym.kind,
            qualified_name=sym.qualified_name,
            signature=sym.signature,
            doc=doc,
            code=sym.code,
        )[:CUT]

    without_doc = embedder.embed_documents([text(sym, "") for _, sym in pairs])
    with_doc = embedder.embed_documents([text(sym, sym.doc) for _, sym in pairs])
    print(f"{len(pairs):,} pairs collected and embedded in {time.perf_counter() - started:.0f} s", flush=True)

    ids = document_ids(searcher)
    docs = stored_vectors(searcher, ids)
    qvecs: dict[str, np.ndarray] = {}

    def query_vector(query: str) -> np.ndarray:
        if query not in qvecs:
            qvecs[query] = embedder.embed_queries([query], instruction)[0]
        return qvecs[query]

    def unit(x: np.ndarray) -> np.ndarray:
        return x / np.linalg.norm(x)

    print(HEADER)
    print_rows(Variant(searcher), "no adapter", queries, ("dense", "hybrid"))
    for target, (qq, dd) in {
        "doc removed": (q, without_doc),
        "doc removed or kept": (np.vstack([q, q]), np.vstack([without_doc, with_doc])),
    }.items():
        for lam in (1.0, 10.0, 100.0):
            d = qq.shape[1]
            w = np.linalg.solve(qq.T @ qq + lam * np.eye(d), qq.T @ dd + lam * np.eye(d))
            mapped = Variant(searcher, lambda s, w=w: top(docs @ unit(query_vector(s) @ w), ids))
            both = Variant(
                searcher, lambda s, w=w: top(docs @ unit(unit(query_vector(s) @ w) + query_vector(s)), ids)
            )
            print_rows(mapped, f"{target}, lam {lam:g}: qW", queries, ("dense", "hybrid"))
            print_rows(both, f"{target}, lam {lam:g}: qW + q", queries, ("dense", "hybrid"))


if __name__ == "__main__":
    main()
