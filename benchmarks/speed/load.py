"""Load on ``codesearch serve`` vs the in-process ``Searcher``, in the same run, at 1, 8 and 32 clients.

    python -m benchmarks.speed.load --index DIR [--clients 1,8,32] [--duration 20] [--client wrk|python]

The queries are every query of benchmarks/queries/*.jsonl (hand-written in 9 languages and CSN-style),
taken in turn. For each concurrency the in-process baseline (``Searcher.search`` on that many threads of
this process) runs first, then the server (a real ``codesearch serve`` subprocess on 127.0.0.1) is loaded
by ``wrk`` (C, keep-alive, ``--latency``) or by a bounded asyncio httpx client. Reports requests/s,
p50/p99 latency and errors (non-2xx or transport). Both the server and the in-process searcher first see
every query once (the server's first pass is reported as its own row): the steady state of a
long-running process, whose lexical ranker holds the common words' postings by then. Results: stdout (Markdown) and benchmarks/out/load.json.
On a shared machine the absolute figures are noisy; compare the rows of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.paths import OUT, QUERIES, ROOT


def load_queries() -> list[str]:
    queries = []
    from benchmarks.quality.run import UNREAD_SETS

    for path in sorted((QUERIES).glob("*.jsonl")):
        if path.stem in UNREAD_SETS:  # a blind set's queries stay unsearched until its decision
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                queries.append(json.loads(line)["query"])
    return queries


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else 0.0


def open_warm_searcher(index_dir: Path, queries: list[str]) -> Any:
    """The in-process baseline's searcher, with every query asked once (model, vectors and the common
    words' postings loaded: the state of a long-running process, which the server is too)."""
    from codesearch.assembly import open_searcher
    from codesearch.settings import load_settings

    searcher = open_searcher(load_settings({"index_dir": str(index_dir)}), None)
    for query in queries:
        searcher.search(query)
    return searcher


def in_process(searcher: Any, queries: list[str], clients: int, duration: float) -> dict:
    """``Searcher.search`` on ``clients`` threads for ``duration`` seconds (one shared searcher)."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(10**9))
    lock = threading.Lock()
    stop = time.perf_counter() + duration

    def worker() -> None:
        nonlocal errors
        while time.perf_counter() < stop:
            query = queries[next(counter) % len(queries)]
            started = time.perf_counter()
            try:
                searcher.search(query, k=10)
            except Exception:
                with lock:
                    errors += 1
                continue
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return _row("in-process Searcher", clients, latencies, errors, elapsed)


def breakdown(index_dir: Path, queries: list[str], n: int = 32) -> dict[str, float]:
    """Where one query's time goes in-process (ms per query): the parts a batch can share and the rest."""
    from codesearch.api.pool import BatchedSearcher
    from codesearch.api.state import open_searchers
    from codesearch.settings import load_settings

    searcher = open_searchers(load_settings({"index_dir": str(index_dir)}), 1)[0]
    assert isinstance(searcher, BatchedSearcher) and searcher.embedder is not None
    sample = queries[:n]
    for query in queries:  # warm, as the rows measure: the model, the vectors, the common words' postings
        searcher.search(query)

    def per_query(fn: object) -> float:
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        return (time.perf_counter() - started) * 1000 / n

    embedder = searcher.embedder
    vectors = embedder.embed_queries(sample)
    out = {
        "embed one at a time": per_query(lambda: [embedder.embed_queries([q]) for q in sample]),
        "embed as one batch": per_query(lambda: embedder.embed_queries(sample)),
        "dense scan one at a time": per_query(
            lambda: [searcher.dense_batch(v[None, :], 100) for v in vectors]
        ),
        "dense scan as one batch": per_query(lambda: searcher.dense_batch(vectors, 100)),
        "lexical search (whole pipeline)": per_query(
            lambda: [searcher.search(q, mode="lexical") for q in sample]
        ),
        "hybrid search (whole pipeline)": per_query(lambda: [searcher.search(q) for q in sample]),
    }
    searcher.close()
    return out


def _row(name: str, clients: int, latencies: list[float], errors: int, elapsed: float) -> dict:
    return {
        "target": name,
        "clients": clients,
        "requests": len(latencies),
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "errors": errors,
    }


_WRK_SCRIPT = """
local queries = {%s}
local i = math.random(#queries)
request = function()
  i = i %% #queries + 1
  return wrk.format("POST", "/search", {["Content-Type"] = "application/json"},
                    '{"query": ' .. queries[i] .. ', "k": 10}')
end
"""


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def with_wrk(url: str, queries: list[str], clients: int, duration: float) -> dict:
    # each query as its JSON string literal inside a Lua long string (no escaping to get wrong)
    literals = [json.dumps(q, ensure_ascii=False) for q in queries]
    lua_queries = ",".join(f"[==[{lit}]==]" for lit in literals if "]==]" not in lit)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as fh:
        fh.write(_WRK_SCRIPT % lua_queries)
    cmd = ["wrk", "-t", str(min(clients, 2)), "-c", str(clients), "-d", f"{duration:.0f}s", "--latency",
           "--timeout", "10s", "-s", fh.name, url]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    os.unlink(fh.name)
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (
        sum(int(g) for g in socket_errors.groups()) if socket_errors else 0
    )
    return {
        "target": "codesearch serve (wrk)",
        "clients": clients,
        "requests": requests,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        # at a line's start: a stdev share such as "69.99%" must not pass for the 99th percentile
        "p50_ms": _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
        "p99_ms": _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
        "errors": errors,
    }


def with_python(url: str, queries: list[str], clients: int, duration: float) -> dict:
    """A bounded client: ``clients`` coroutines, each one request at a time, on keep-alive connections."""
    import httpx

    latencies: list[float] = []
    errors = 0

    async def run() -> float:
        nonlocal errors
        counter = iter(range(10**9))
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        async with httpx.AsyncClient(base_url=url, timeout=10, limits=limits) as client:
            stop = time.perf_counter() + duration

            async def worker() -> None:
                nonlocal errors
                while time.perf_counter() < stop:
                    body = {"query": queries[next(counter) % len(queries)], "k": 10}
                    started = time.perf_counter()
                    try:
                        r = await client.post("/search", json=body)
                        ok = r.status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    if ok:
                        latencies.append((time.perf_counter() - started) * 1000)
                    else:
                        errors += 1

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(clients)))
            return time.perf_counter() - started

    elapsed = asyncio.run(run())
    return _row("codesearch serve (python client)", clients, latencies, errors, elapsed)


def warm_server(url: str, queries: list[str]) -> dict:
    """Every query once, one at a time: the server's first sight of each (postings read from SQLite)."""
    import httpx

    latencies = []
    started = time.perf_counter()
    with httpx.Client(base_url=url, timeout=30) as client:
        for query in queries:
            t0 = time.perf_counter()
            client.post("/search", json={"query": query, "k": 10}).raise_for_status()
            latencies.append((time.perf_counter() - t0) * 1000)
    row = _row("codesearch serve, first pass (cold)", 1, latencies, 0, time.perf_counter() - started)
    # then a pass on each of 4 connections at once: with --processes, every process sees the queries
    from concurrent.futures import ThreadPoolExecutor

    def one_pass(_: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            for query in queries:
                client.post("/search", json={"query": query, "k": 10}).raise_for_status()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one_pass, range(4)))
    return row


def start_server(index_dir: Path, window_ms: float, extra: list[str]) -> tuple[subprocess.Popen[str], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "codesearch.cli", "serve", "--index", str(index_dir), "--port", str(port),
           "--batch-window-ms", str(window_ms), *extra]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, text=True)
    url = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("codesearch serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per measurement")
    parser.add_argument(
        "--client", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python"
    )
    parser.add_argument("--batch-window-ms", type=float, default=2.0)
    parser.add_argument(
        "--serve-args", default="", help="more `codesearch serve` options, e.g. '--workers 2'"
    )
    parser.add_argument("--out", type=Path, default=OUT / "load.json")
    args = parser.parse_args()
    queries = load_queries()
    parts = breakdown(args.index, queries)
    proc, url = start_server(args.index, args.batch_window_ms, args.serve_args.split())
    rows = [warm_server(url, queries)]
    searcher = open_warm_searcher(args.index, queries)
    try:
        with_python(url, queries, 4, 3.0)  # warm-up: connection setup
        for clients in (int(c) for c in args.clients.split(",")):
            rows.append(in_process(searcher, queries, clients, args.duration))
            load = with_wrk if args.client == "wrk" else with_python
            rows.append(load(url, queries, clients, args.duration))
            print(json.dumps(rows[-2:]), file=sys.stderr, flush=True)
        status = json.loads(subprocess.run(
            [sys.executable, "-m", "codesearch.cli", "status", "--json", "--index", str(args.index)],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=True,
        ).stdout)  # fmt: skip
    finally:
        searcher.close()
        proc.terminate()
        proc.wait(timeout=30)
    print(f"index: {status['documents']:,} documents, {sum(v['symbols'] for v in status['languages'].values()):,} "
          f"symbols, model {status['model']}; {len(queries)} distinct queries; {os.cpu_count()} CPUs; "
          f"{args.duration:.0f} s per row; batch window {args.batch_window_ms} ms\n")  # fmt: skip
    print("| target | clients | requests/s | p50 ms | p99 ms | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['target']} | {r['clients']} | {r['rps']:.1f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
              f"{r['errors']} |")  # fmt: skip
    print("\nin-process, ms per query (32 queries): " + " · ".join(f"{k} {v:.1f}" for k, v in parts.items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out = {"status": status, "rows": rows, "breakdown_ms": parts, "args": vars(args)}
    args.out.write_text(json.dumps(out, default=str, indent=2))


if __name__ == "__main__":
    main()
