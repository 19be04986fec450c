"""Keystroke-to-results latency of ``codesearch tui``, with the in-process Searcher as the baseline.

    python -m benchmarks.speed.tui_latency --index DIR [--queries 100] [--mode hybrid] [--k 20]
    python -m benchmarks.speed.tui_latency --build DIR --copies 6      # a ~110k-symbol index from the corpus

The real app runs headless under ``App.run_test()`` over a real index opened in-process. For each query
(the first N of ``queries/handwritten.jsonl``, 10 human languages):

* ``searcher``: ``Searcher.search`` alone, the same query, mode and k, just before the keystroke (the
  floor: no UI; taken in the same loop because the load of a shared machine varies);
* ``keystroke``: the box holds the query but its last character, settled; the clock starts, the last key
  is pressed, and stops when the app has painted that query's hits (a callback after the screen refresh);
* ``burst``: the whole query's keys sent back to back, as a fast typist or a paste delivers them (each
  key cancels the search before it); from the last key to the painted hits.

The app's debounce (``tui.app.DEBOUNCE_S``) is part of both TUI figures. ``--build`` copies
``benchmarks/data/corpus`` N times under DIR/src and indexes the copies into DIR/index with the bundled
model: the embedding cache embeds each text once, so only the first copy costs model time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

from textual import events
from textual.keys import _character_to_key

from benchmarks.paths import CORPUS, QUERIES
from codesearch.embedding.registry import get_embedder
from codesearch.search import Searcher
from codesearch.settings import Settings
from tui.app import DEBOUNCE_S, CodesearchApp
from tui.backend import Filters, LocalBackend

SIZE = (120, 36)


def build(base: Path, copies: int) -> None:
    from indexer.pipeline import index_paths

    roots = []
    for i in range(1, copies + 1):
        dst = base / "src" / f"copy{i}"
        if not dst.exists():
            shutil.copytree(CORPUS, dst, symlinks=True)
        roots.append(dst)
    embedder = get_embedder("use")
    report = index_paths(roots, index_dir=base / "index", embedder=embedder, model="use")
    print(
        json.dumps({k: getattr(report, k) for k in ("files", "symbols", "documents", "embedded", "seconds")})
    )


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _key_name(char: str) -> str:
    return char if char.isalnum() else _character_to_key(char)


async def _painted(app: CodesearchApp, pilot: Any, query: str, since: float, timeout: float = 30.0) -> float:
    """Milliseconds from ``since`` until the app painted the hits for ``query``."""
    deadline = time.perf_counter() + timeout
    while not (app.shown_at and app.shown_at[0] == query):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no results painted for {query!r}")
        await asyncio.sleep(0.002)
    return (app.shown_at[1] - since) * 1000


async def measure_tui(searcher: Searcher, queries: list[str], mode: str, k: int) -> dict[str, list[float]]:
    """Every figure, the baseline taken just before each keystroke (the machine's load varies)."""
    backend = LocalBackend(Settings(index_dir=searcher.index_dir), searcher=searcher)
    app = CodesearchApp(backend, k=k, filters=Filters(mode=mode))
    out: dict[str, list[float]] = {"searcher": [], "keystroke": [], "burst": [], "search_in_app": []}
    async with app.run_test(size=SIZE) as pilot:
        box: Any = app.query_one("#query")
        for query in queries:
            started = time.perf_counter()
            searcher.search(query, k=k, mode=mode)
            out["searcher"].append((time.perf_counter() - started) * 1000)
            box.value = query[:-1]  # settle on all but the last character
            box.cursor_position = len(box.value)
            if query[:-1].strip():
                await _painted(app, pilot, query[:-1], time.perf_counter())
            started = time.perf_counter()
            await pilot.press(query[-1])
            out["keystroke"].append(await _painted(app, pilot, query, started))
            assert app.answer is not None
            out["search_in_app"].append(app.answer.took_ms)
        for query in queries:
            box.value = ""
            await pilot.pause()
            for char in query:  # as the terminal delivers them: no waiting between keys (Pilot.press
                # waits for the app to go idle after each key, which would let every search finish)
                started = time.perf_counter()
                app.post_message(events.Key(_key_name(char), char))
                await asyncio.sleep(0)
            out["burst"].append(await _painted(app, pilot, query, started))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, help="an index built with the use model")
    parser.add_argument("--build", type=Path, metavar="DIR", help="build DIR/index from corpus copies first")
    parser.add_argument("--copies", type=int, default=6)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--mode", default="hybrid")
    parser.add_argument("--k", type=int, default=20)
    args = parser.parse_args()
    if args.build:
        build(args.build, args.copies)
        args.index = args.index or args.build / "index"
    if args.index is None:
        parser.error("give --index DIR (or --build DIR)")
    records = [json.loads(line) for line in (QUERIES / "handwritten.jsonl").open(encoding="utf-8")]
    # the last key of each query is pressed on its own: a query ending in a space would be ambiguous
    queries = [r["query"].strip() for r in records][: args.queries]

    searcher = Searcher(args.index, get_embedder("use"))
    status = searcher.status()
    symbols = sum(v["symbols"] for v in status["languages"].values())
    searcher.search("warm up the model", k=args.k, mode=args.mode)
    tui = asyncio.run(measure_tui(searcher, queries, args.mode, args.k))
    # what the UI adds: each keystroke's latency less the Searcher's time for the same query just before
    tui["keystroke - searcher"] = [a - b for a, b in zip(tui["keystroke"], tui["searcher"], strict=True)]
    print(
        f"index: {symbols:,} symbols, {status['documents']:,} documents, model {status['model']}; "
        f"{len(queries)} queries, mode {args.mode}, k {args.k}, debounce {DEBOUNCE_S * 1000:.0f} ms\n"
    )
    print("| measure | p50 ms | p95 ms |\n| --- | --- | --- |")
    for name, values in tui.items():
        p50, p95 = percentiles(values)
        print(f"| {name} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
