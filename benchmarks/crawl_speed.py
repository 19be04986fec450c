"""Crawl speed on a synthetic 20,000-file tree, as a plain folder and as a git repository.

    python benchmarks/crawl_speed.py [WORKDIR]

The baseline, in the same run, is the least any crawler does: ``os.walk`` plus an ``lstat`` per file
(plain folder) and ``git ls-files`` alone (git repository). Best of 3 runs each.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from indexer.crawl import crawl

N_FILES = 20_000


def make_tree(root: Path) -> None:
    body = "".join(f"def f{i}(x):\n    return x * {i}\n\n" for i in range(60))  # ~1.8 KB
    root.mkdir(parents=True)
    (root / ".gitignore").write_text("*.log\nnode_modules/\n")
    for i in range(N_FILES):
        d = root / f"pkg{i % 40}" / f"mod{i % 25}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"file{i}.py").write_text(body)
    for i in range(5000):  # vendored: pruned without being read
        d = root / "node_modules" / f"p{i % 100}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"i{i}.js").write_text("x\n")


def best_of(fn: Callable[[], int], runs: int = 3) -> tuple[float, int]:
    times, n = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        n = fn()
        times.append(time.perf_counter() - t)
    return min(times), n


def walk_and_stat(root: Path) -> int:
    n = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".git", "node_modules")]
        for name in files:
            os.lstat(os.path.join(folder, name))
            n += 1
    return n


def main() -> None:
    base = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    shutil.rmtree(base, ignore_errors=True)
    plain, repo = base / "plain", base / "repo"
    make_tree(plain)
    shutil.copytree(plain, repo)
    g = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True)  # noqa: E731
    g("init", "-q")
    g("add", "-A")
    g("-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "x")
    for i in range(0, N_FILES, 100):  # 200 modified + 200 untracked files
        p = repo / f"pkg{i % 40}" / f"mod{i % 25}" / f"file{i}.py"
        p.write_text(p.read_text() + "# edit\n")
        (p.parent / f"new{i}.py").write_text("y = 2\n")
    print("| tree | baseline | baseline files/s | crawl files/s | crawl / baseline |")
    print("| --- | --- | --- | --- | --- |")
    for label, root, baseline_name, baseline in [
        ("plain folder", plain, "os.walk + lstat", lambda: walk_and_stat(plain)),
        ("git repository", repo, "git ls-files", lambda: len(g("ls-files", "-z").stdout.split(b"\0"))),
    ]:
        tb, nb = best_of(baseline)
        tc, nc = best_of(lambda root=root: len(crawl(root).files))
        print(f"| {label} | {baseline_name} | {nb / tb:,.0f} | {nc / tc:,.0f} | {(nc / tc) / (nb / tb):.2f} |")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
