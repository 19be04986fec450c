"""Incremental reindexing and hook overhead on a git copy of the benchmark corpus, against a full rebuild.

    python -m benchmarks.speed.incremental [--corpus benchmarks/data/corpus] [--model use] [--commits 15]

Copies the corpus into a temporary git repository (one commit), then measures, in one run:
- a full build into an empty index (cold embedding cache), and ``--rebuild`` with a warm cache;
- a no-op reindex, in process and end to end through the CLI (a new process each time);
- a one-file change (one function added, committed), in process and through the CLI;
- switching to a branch that changes 10% of the files, back to the branch seen before, and again;
- ``git commit`` wall time without and with the codesearch hooks, interleaved (each hook run waited for
  between commits, so the commits measured do not compete with a reindex for the CPU).
Each case reports wall seconds, files parsed and texts embedded. Markdown on stdout, JSON in
benchmarks/out/incremental-*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.paths import CORPUS, OUT, ROOT
from indexer import hook_run, hooks
from indexer.crawl import crawl
from indexer.pipeline import index_paths

GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "b@e", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "b@e"}  # fmt: skip


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def make_repo(corpus: Path, dest: Path) -> tuple[int, int]:
    """A git copy of the corpus with one commit; (files, lines) the crawler keeps."""
    shutil.copytree(corpus, dest, ignore=shutil.ignore_patterns(".git"))
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "corpus")
    files = crawl(dest).files
    lines = sum(f.abs_path.read_bytes().count(b"\n") for f in files)
    return len(files), lines


def timed_index(repo: Path, index_dir: Path, embedder: Any, model: str, **kw: Any) -> dict[str, Any]:
    r = index_paths([repo], index_dir=index_dir, embedder=embedder, model=model, **kw)
    print(f"  {r.seconds:.3f} s, parsed {r.files_parsed}, embedded {r.embedded}", file=sys.stderr)
    return {"seconds": round(r.seconds, 3), "files_parsed": r.files_parsed, "removed": r.files_removed,
            "embedded": r.embedded, "documents": r.documents, "files": r.files}  # fmt: skip


def cli_index(repo: Path, index_dir: Path) -> dict[str, Any]:
    """`codesearch index` in a new process, end to end (start-up, model load when needed, the run)."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "codesearch.cli", "--index", str(index_dir), "index", str(repo), "--json"],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    report = json.loads(out.stdout)
    return {"seconds": round(time.perf_counter() - started, 3), "files_parsed": report["files_parsed"],
            "embedded": report["embedded"], "in_process_seconds": round(report["seconds"], 3)}  # fmt: skip


def branch_touching(repo: Path, share: float, seed: int = 7) -> int:
    """Branch ``bench`` off main with ``share`` of the files changed: a blank first line (every symbol
    moves) and the first ``return`` respaced (the symbol holding it is new text). Back on main after."""
    files = [f.path for f in crawl(repo).files]
    chosen = random.Random(seed).sample(files, max(1, int(len(files) * share)))
    git(repo, "checkout", "-q", "-b", "bench")
    for rel in chosen:
        path = repo / rel
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        path.write_text(
            "\n" + text.replace("return ", "return  ", 1), encoding="utf-8", errors="surrogateescape"
        )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "bench branch")
    git(repo, "checkout", "-q", "main")
    return len(chosen)


def commit_times(repo: Path, n: int) -> tuple[list[float], list[float]]:
    """Wall seconds of ``n`` one-file commits without the hooks (``-c core.hooksPath=/nonexistent``) and
    ``n`` with them, interleaved so both arms see the same machine load; each hook run is waited for (not
    timed) before the next commit. ``git add`` runs before the clock starts."""
    without: list[float] = []
    with_hook: list[float] = []
    target = repo / "bench_commits.txt"
    for i in range(n):
        for arm, extra in ((without, ["-c", "core.hooksPath=/nonexistent"]), (with_hook, [])):
            target.write_text(f"commit {i} {len(arm)} {time.time()}\n")
            git(repo, "add", target.name)
            wall, started = time.time(), time.perf_counter()
            git(repo, *extra, "commit", "-q", "-m", f"bench {i}")
            arm.append(time.perf_counter() - started)
            if arm is with_hook:
                wait_idle(repo, after=wall)
    return without, with_hook


def wait_idle(repo: Path, after: float = 0.0, timeout: float = 300.0) -> None:
    """Until a hook run that finished after ``after`` is recorded and no run is going or queued."""
    state = hooks.state_dir(repo)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        last = hook_run.last_run(state) or {}
        running = hook_run.is_running(state) or (state / hook_run.DIRTY).exists()
        if last.get("finished_at", 0.0) > after and not running:
            return
        time.sleep(0.1)
    raise RuntimeError("the hook run did not finish")


def run(corpus: Path, model: str, commits: int, work: Path) -> dict[str, Any]:
    from codesearch.embedding.registry import get_embedder

    repo, index_dir = work / "repo", work / "index"
    files, lines = make_repo(corpus, repo)
    embedder = get_embedder(model)
    embedder.load()
    res: dict[str, Any] = {"model": model, "files": files, "lines": lines, "cpus": os.cpu_count()}
    res["full_build_cold_cache"] = timed_index(repo, index_dir, embedder, model)
    res["rebuild_warm_cache"] = timed_index(repo, index_dir, embedder, model, rebuild=True)
    res["noop"] = timed_index(repo, index_dir, embedder, model)
    res["noop_cli"] = cli_index(repo, index_dir)

    added = repo / "bench_added.py"
    added.write_text("def bench_added_total(values):\n    return sum(v * v for v in values)\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "one file")
    res["one_file_change"] = timed_index(repo, index_dir, embedder, model)
    added.write_text("def bench_added_total(values):\n    return sum(abs(v) for v in values)\n")
    res["one_file_change_cli"] = cli_index(repo, index_dir)

    res["branch_files_changed"] = branch_touching(repo, 0.10)
    git(repo, "checkout", "-q", "bench")
    res["switch_to_new_branch"] = timed_index(repo, index_dir, embedder, model)
    git(repo, "checkout", "-q", "main")
    res["switch_back_to_seen_branch"] = timed_index(repo, index_dir, embedder, model)
    git(repo, "checkout", "-q", "bench")
    res["switch_to_branch_again"] = timed_index(repo, index_dir, embedder, model)
    git(repo, "checkout", "-q", "main")
    timed_index(repo, index_dir, embedder, model)

    hooks.install(repo, index_dir)
    without, with_hook = commit_times(repo, commits)
    hooks.uninstall(repo)
    res["commit_ms_without_hook"] = {"median": round(statistics.median(without) * 1000, 1),
                                     "max": round(max(without) * 1000, 1)}  # fmt: skip
    res["commit_ms_with_hook"] = {"median": round(statistics.median(with_hook) * 1000, 1),
                                  "max": round(max(with_hook) * 1000, 1)}  # fmt: skip
    res["last_hook_run"] = hook_run.last_run(hooks.state_dir(repo))
    return res


def markdown(res: dict[str, Any]) -> str:
    base = res["full_build_cold_cache"]["seconds"]
    rows = [
        "| case | seconds | vs full build | files parsed | texts embedded |",
        "| --- | --- | --- | --- | --- |",
    ]
    for case in ("full_build_cold_cache", "rebuild_warm_cache", "noop", "noop_cli", "one_file_change",
                 "one_file_change_cli", "switch_to_new_branch", "switch_back_to_seen_branch",
                 "switch_to_branch_again"):  # fmt: skip
        r = res[case]
        rows.append(
            f"| {case} | {r['seconds']:.3f} | {r['seconds'] / base:.4f} | {r['files_parsed']} | {r['embedded']} |"
        )
    c0, c1 = res["commit_ms_without_hook"], res["commit_ms_with_hook"]
    rows.append("")
    rows.append(f"git commit (median of n, ms): without hook {c0['median']}, with hook {c1['median']} "
                f"(+{c1['median'] - c0['median']:.1f} ms); max {c0['max']} / {c1['max']}")  # fmt: skip
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--model", default="use")
    parser.add_argument("--commits", type=int, default=15)
    args = parser.parse_args()
    # ignore_cleanup_errors: git may still be packing objects in the background (gc --auto after commits)
    with tempfile.TemporaryDirectory(prefix="cs-incremental-", ignore_cleanup_errors=True) as tmp:
        res = run(args.corpus.resolve(), args.model, args.commits, Path(tmp))
    out = OUT
    out.mkdir(exist_ok=True)
    (out / f"incremental-{args.model}-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(
        json.dumps(res, indent=2)
    )
    print(f"{res['files']:,} files, {res['lines']:,} lines, model {res['model']}\n")
    print(markdown(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
