"""Indexing and query speed on the benchmark corpus, each against a lexical-only run in the same run.

    python -m benchmarks.speed.index_and_query [--corpus benchmarks/data/corpus] [--model use] [--queries 200]

Reports wall time, symbols/s, the share of time in crawl/parse/embed/write, peak memory, index size vs
source size, and query latency p50/p95 in-process and through the CLI. Each index build runs in a child
process so its peak memory is its own. Results go to stdout (Markdown) and benchmarks/out/speed-*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.paths import CORPUS, DATA, OUT, QUERIES, ROOT

_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from indexer.pipeline import index_paths
from codesearch.embedding.registry import get_embedder
roots = [Path(p) for p in json.loads(sys.argv[1])]
model = sys.argv[3]
embedder = None if model == "none" else get_embedder(model)
if embedder is not None:
    embedder.load()
r = index_paths(roots, index_dir=Path(sys.argv[2]), embedder=embedder, model=model)
print(json.dumps({"seconds": r.seconds, "files": r.files, "symbols": r.symbols, "documents": r.documents,
                  "embedded": r.embedded, "timings": r.timings, "skipped": r.skipped,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _source_stats(roots: list[Path]) -> tuple[int, int]:
    """(bytes, lines) of the files the crawler keeps."""
    from indexer.crawl import crawl

    size = lines = 0
    for root in roots:
        for f in crawl(root).files:
            size += f.size
            with open(f.abs_path, "rb") as fh:
                lines += fh.read().count(b"\n")
    return size, lines


def build(roots: list[Path], index_dir: Path, model: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps([str(r) for r in roots]), str(index_dir), model],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["index_mb"] = _dir_size(index_dir) / 1e6
    return result


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def query_latency(index_dir: Path, queries: list[str], mode: str) -> dict:
    from codesearch.embedding.registry import get_embedder
    from codesearch.search import Searcher
    from indexer.store import Manifest

    manifest = Manifest.read(index_dir)
    assert manifest is not None
    embedder = None if manifest.model == "none" else get_embedder(manifest.model)
    searcher = Searcher(index_dir, embedder)
    searcher.search(queries[0], mode=mode)  # warm: model load, page cache
    times = []
    for q in queries:
        t = time.perf_counter()
        searcher.search(q, k=10, mode=mode)
        times.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": _pct(times, 0.5), "p95_ms": _pct(times, 0.95), "n": len(times)}


def cli_latency(index_dir: Path, queries: list[str], mode: str) -> dict:
    env = dict(os.environ, CODESEARCH_INDEX=str(index_dir))
    exe = Path(sys.executable).with_name("codesearch")
    times = []
    for q in queries:
        t = time.perf_counter()
        subprocess.run(
            [str(exe), "search", q, "--mode", mode, "--json"], env=env, check=True, capture_output=True
        )
        times.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": _pct(times, 0.5), "p95_ms": _pct(times, 0.95), "n": len(times)}


def load_queries(n: int) -> list[str]:
    queries = []
    for name in ("handwritten.jsonl", "csn.jsonl"):
        for path in (QUERIES / name, DATA / name):
            if path.exists():
                queries += [
                    json.loads(line)["query"] for line in path.read_text().splitlines() if line.strip()
                ]
    random.Random(0).shuffle(queries)
    if len(queries) < n:
        raise SystemExit(f"only {len(queries)} queries found; run make_csn_queries.py first")
    return queries[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--model", default="use")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--cli-queries", type=int, default=200)
    args = ap.parse_args()
    roots = sorted(p for p in args.corpus.iterdir() if p.is_dir())
    size, lines = _source_stats(roots)
    queries = load_queries(args.queries)
    report: dict = {
        "corpus": str(args.corpus),
        "roots": len(roots),
        "source_mb": size / 1e6,
        "lines": lines,
        "model": args.model,
        "date": time.strftime("%Y-%m-%d"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for model in ("none", args.model):
            index_dir = Path(tmp) / model
            r = build(roots, index_dir, model)
            r["symbols_per_s"] = r["symbols"] / r["seconds"]
            r["share"] = {k: v / r["seconds"] for k, v in r["timings"].items()}
            mode = "lexical" if model == "none" else "hybrid"
            r["query_inprocess"] = query_latency(index_dir, queries, mode)
            r["query_cli"] = cli_latency(index_dir, queries[: args.cli_queries], mode)
            report[model] = r
            print(f"{model}: {json.dumps(r)}", file=sys.stderr)
    out = OUT
    out.mkdir(exist_ok=True)
    (out / f"speed-{report['date']}.json").write_text(json.dumps(report, indent=2))
    print(render(report))


def render(rep: dict) -> str:
    base, full = rep["none"], rep[rep["model"]]
    rows = [
        ("wall time (s)", "seconds", "{:.1f}"),
        ("symbols/s", "symbols_per_s", "{:.0f}"),
        ("peak memory (MB)", "peak_rss_mb", "{:.0f}"),
        ("index size (MB)", "index_mb", "{:.1f}"),
    ]
    lines = [
        f"Corpus: {rep['roots']} roots, {rep['lines']:,} lines, {rep['source_mb']:.1f} MB of source kept by "
        f"the crawler; {full['files']:,} files, {full['symbols']:,} symbols, {full['documents']:,} documents.",
        "",
        f"| | lexical only | {rep['model']} | ratio |",
        "| --- | --- | --- | --- |",
    ]
    for label, key, fmt in rows:
        lines.append(
            f"| {label} | {fmt.format(base[key])} | {fmt.format(full[key])} | {full[key] / base[key]:.2f}× |"
        )
    share = " · ".join(f"{k} {v:.0%}" for k, v in full["share"].items())
    lines.append(f"| time share ({rep['model']}) | | {share} | |")
    for where in ("query_inprocess", "query_cli"):
        for q in ("p50_ms", "p95_ms"):
            lines.append(
                f"| {where.replace('_', ' ')} {q.replace('_ms', '')} (ms, n={full[where]['n']}) | "
                f"{base[where][q]:.1f} | {full[where][q]:.1f} | {full[where][q] / base[where][q]:.2f}× |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
