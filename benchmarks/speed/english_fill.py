"""Time until an index is first searchable, and until it is complete, with the default ``use+minilm-int8``
against ``use`` alone, in one run (issue 15: first searchable ≤ 1.5× ``use`` alone).

    python -m benchmarks.speed.english_fill [--package psutil] [--rounds 2]

Each round builds fresh indexes of one pinned package of the quality corpus (``benchmarks/data/corpus``),
one after the other so that a noisy shared machine slows all of them alike:

- ``use``: ``index_paths`` with ``use`` alone (searchable = complete);
- ``use+minilm-int8``, deferred (what ``codesearch index`` does): ``index_paths`` returns with the index
  searchable (the English part left out), then ``indexer.fill.fill_missing_parts`` (what the background
  process runs) embeds the English part and commits; complete = both;
- ``use+minilm-int8``, one pass (``defer_english=False``: what a build took before the fill).

The models are loaded before any timing; each build starts with an empty index (no cached vectors).
Prints seconds (median over rounds) and ratios against ``use`` alone measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.paths import DATA
from codesearch.embedding.registry import get_embedder
from indexer.fill import fill_missing_parts
from indexer.pipeline import index_paths

COMPOSITE = "use+minilm-int8"


def _build(root: Path, index_dir: Path, model: str, *, defer: bool = True) -> tuple[float, int, int]:
    """(seconds until ``index_paths`` returned, documents, documents lacking the English part)."""
    embedder = get_embedder(model)
    started = time.perf_counter()
    report = index_paths([root], index_dir=index_dir, embedder=embedder, model=model, defer_english=defer)
    return time.perf_counter() - started, report.documents, report.missing_parts


def _fill(index_dir: Path) -> float:
    started = time.perf_counter()
    report = fill_missing_parts(index_dir, get_embedder(COMPOSITE))
    assert report.missing == 0, report
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--package", default="psutil", help="a folder of benchmarks/data/corpus")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--skip-one-pass", action="store_true", help="leave out the one-pass composite build")
    args = ap.parse_args()
    root = DATA / "corpus" / args.package
    if not root.is_dir():
        raise SystemExit(f"no {root}: fetch the corpus first (python -m benchmarks.quality.fetch_corpus)")
    get_embedder(COMPOSITE).load()  # both parts, outside the timings
    times: dict[str, list[float]] = {}
    documents = deferred_docs = 0
    work = Path(tempfile.mkdtemp(prefix="english-fill-"))
    try:
        for n in range(args.rounds):
            base = work / str(n)
            seconds, documents, _ = _build(root, base / "use", "use")
            times.setdefault("use: searchable = complete", []).append(seconds)
            first, _, deferred_docs = _build(root, base / "deferred", COMPOSITE)
            filled = _fill(base / "deferred")
            times.setdefault("use+minilm-int8: first searchable", []).append(first)
            times.setdefault("use+minilm-int8: English fill", []).append(filled)
            times.setdefault("use+minilm-int8: complete (searchable + fill)", []).append(first + filled)
            if not args.skip_one_pass:
                seconds, _, _ = _build(root, base / "one-pass", COMPOSITE, defer=False)
                times.setdefault("use+minilm-int8, one pass (no fill): searchable = complete", []).append(
                    seconds
                )
            shutil.rmtree(base, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(args, times, documents, deferred_docs)


def report(args: argparse.Namespace, times: dict[str, list[float]], documents: int, deferred: int) -> None:
    threads = os.environ.get("OMP_NUM_THREADS", "unset")
    print(
        f"{args.package}: {documents:,} documents ({deferred:,} left to the fill); {args.rounds} round(s), "
        f"median; {os.cpu_count()} CPUs, OMP_NUM_THREADS {threads}, load {os.getloadavg()[0]:.1f}"
    )
    print()
    print("| build | seconds | × use alone |")
    print("| --- | ---: | ---: |")
    baseline = statistics.median(times["use: searchable = complete"])
    for what, values in times.items():
        seconds = statistics.median(values)
        print(f"| {what} | {seconds:.1f} | {seconds / baseline:.2f}× |")


if __name__ == "__main__":
    main()
