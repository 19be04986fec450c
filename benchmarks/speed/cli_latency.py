"""CLI search latency on README's plain install, against ``codesearch --help`` in the same run (issue 14).

Each install is a venv made with README's ``pip install -e .`` (no extras) of one checkout. For each, the
script builds an index of ``fixtures/languages`` with that install under its own temporary HOME and
cache, warms it with one search, then times, round-robin so that both installs see the same load:
``codesearch --help``, ``codesearch search QUERY``, and (for installs that have it) the same search while a
``codesearch serve`` runs on the index. It also records whether a warm search wrote to the model cache.

    python benchmarks/speed/cli_latency.py --install before=/path/to/old/.venv-plain \\
        --install after=.venv-plain --runs 15

An install may name the model its index is built with (``LABEL=VENV@MODEL``; default: the install's
default), and ``--query`` (repeatable) times several queries, e.g. an English one and one in another
language (the English model of ``use+minilm-int8`` is loaded only for the first kind), and ``--env
LABEL:KEY=VALUE`` sets a variable for one install (the same venv twice, a setting on and off). Builds run with
``CODESEARCH_ENGLISH_FILL=now``, so every index is complete before the timings. ``--index DIR`` searches an
index built already (a large one, e.g. the quality benchmark's) with every install instead.

Prints a Markdown table (p50/p90 in seconds, p50 as a multiple of the same install's ``--help``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUERY = "parse a configuration file"


@dataclass
class Install:
    label: str
    venv: Path
    home: Path
    model: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    times: dict[str, list[float]] = field(default_factory=dict)
    cache_writes: list[int] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CODESEARCH_") and k != "VIRTUAL_ENV"}
        env.update(
            HOME=str(self.home),
            XDG_CACHE_HOME=str(self.home / "cache"),
            XDG_CONFIG_HOME=str(self.home / "config"),
            CODESEARCH_INDEX=str(self.home / "index"),
            CODESEARCH_ENGLISH_FILL="now",
            PATH=f"{self.venv / 'bin'}:{env.get('PATH', '')}",
        )
        env.update(self.extra_env)
        return env

    def run(self, *args: str) -> float:
        started = time.perf_counter()
        subprocess.run(
            [str(self.venv / "bin" / "codesearch"), *args],
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return time.perf_counter() - started


def cache_state(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def bytes_written(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> int:
    return sum(size for path, (size, mtime) in after.items() if before.get(path) != (size, mtime))


def start_serve(install: Install) -> subprocess.Popen[bytes] | None:
    """``codesearch serve`` on the install's index, once it answers; None where it does not advertise
    itself to CLI searches (an install from before that change)."""
    proc = subprocess.Popen(
        [str(install.venv / "bin" / "codesearch"), "serve", "--port", "0"],
        env=install.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    discovery = install.home / "index" / "serve.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if discovery.exists():
            port = json.loads(discovery.read_text())["port"]
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                return proc
            except OSError:
                pass
        time.sleep(0.2)
    proc.terminate()
    proc.wait()
    return None


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--install", action="append", required=True, metavar="LABEL=VENV[@MODEL]")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="LABEL:KEY=VALUE",
        help="an environment variable for one install's commands (repeatable), e.g. off:CODESEARCH_APERTIUM=off",
    )
    parser.add_argument("--query", action="append", help=f"a query to time (repeatable; default {QUERY!r})")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--corpus", type=Path, default=ROOT / "fixtures" / "languages")
    parser.add_argument(
        "--index",
        type=Path,
        help="search this index, built already with every install's model, instead of building one per install "
        "(nothing is written to it; no `serve` timings)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cli-latency-"))
    installs = []
    for spec in args.install:
        label, _, where = spec.partition("=")
        venv, _, model = where.partition("@")
        installs.append(Install(label, Path(venv).resolve(), work / label, model or None))
        if args.index:
            installs[-1].extra_env["CODESEARCH_INDEX"] = str(args.index.resolve())
    for spec in args.env:
        label, _, assignment = spec.partition(":")
        key, _, value = assignment.partition("=")
        next(inst for inst in installs if inst.label == label).extra_env[key] = value
    queries = args.query or [QUERY]
    try:
        for inst in installs:
            inst.home.mkdir(parents=True)
            if not args.index:
                inst.run("index", str(args.corpus), *(["--model", inst.model] if inst.model else []))
            for query in queries:
                inst.run("search", query)  # the cold load: writes the model cache once
        for _ in range(args.runs):  # round-robin: every install sees the same load
            for inst in installs:
                inst.times.setdefault("--help", []).append(inst.run("--help"))
                for n, query in enumerate(queries):
                    before = cache_state(inst.home / "cache")
                    inst.times.setdefault(_search(query, queries), []).append(inst.run("search", query))
                    if n == 0:
                        inst.cache_writes.append(bytes_written(before, cache_state(inst.home / "cache")))
        for inst in installs if not args.index else []:
            serve = start_serve(inst)
            if serve is None:
                continue
            try:
                for query in queries:
                    inst.times[_search(query, queries) + ", serve running"] = [
                        inst.run("search", query) for _ in range(args.runs)
                    ]
            finally:
                serve.terminate()
                serve.wait()
        report(installs, args.runs, queries)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _search(query: str, queries: list[str]) -> str:
    """The name of a search's timings: ``search`` for the only query, else ``search QUERY``."""
    return "search" if len(queries) == 1 else f"search {query!r}"


def report(installs: list[Install], runs: int, queries: list[str]) -> None:
    shown = ", ".join(repr(q) for q in queries)
    print(
        f"{runs} runs each, round-robin; queries {shown}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}"
    )
    print()
    print("| install | command | p50 s | p90 s | p50 / --help | MB written to the cache per warm search |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for inst in installs:
        help_p50 = statistics.median(inst.times["--help"])
        for command, values in inst.times.items():
            first = command == _search(queries[0], queries)
            written = statistics.median(inst.cache_writes) / 1e6 if first else None
            print(
                f"| {inst.label}{f' ({inst.model})' if inst.model else ''} | {command} | {statistics.median(values):.2f} | {percentile(values, 0.9):.2f} "
                f"| {statistics.median(values) / help_p50:.1f}x | {'' if written is None else f'{written:.0f}'} |"
            )
    print()
    for query in queries:
        base = statistics.median(installs[0].times[_search(query, queries)])
        for inst in installs[1:]:
            p50 = statistics.median(inst.times[_search(query, queries)])
            print(f"{_search(query, queries)} p50 {inst.label} / {installs[0].label}: {p50 / base:.2f}")


if __name__ == "__main__":
    main()
