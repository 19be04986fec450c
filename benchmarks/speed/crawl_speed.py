"""Crawl speed on a synthetic 20,000-file tree, as a plain folder and as a git repository.

    python -m benchmarks.speed.crawl_speed [WORKDIR]

The baseline, in the same run, is the least a crawler that looks at content does: list the files
(``os.walk``, or ``git ls-files`` for the repository) and read the first 8 KiB of each. Best of 3 runs.
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


def read_heads(paths: list[str]) -> int:
    for path in paths:
        with open(path, "rb") as fh:
            fh.read(8192)
    return len(paths)


def walk_and_read(root: Path) -> int:
    paths = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".git", "node_modules")]
        paths += [os.path.join(folder, name) for name in files]
    return read_heads(paths)


def ls_files_and_read(repo: Path) -> int:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        check=True,
        capture_output=True,
    ).stdout
    return read_heads([str(repo / os.fsdecode(p)) for p in out.split(b"\0") if p])


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
        ("plain folder", plain, "os.walk + read 8 KiB", lambda: walk_and_read(plain)),
        ("git repository", repo, "git ls-files + read 8 KiB", lambda: ls_files_and_read(repo)),
    ]:
        tb, nb = best_of(baseline)
        tc, nc = best_of(lambda root=root: len(crawl(root).files))
        print(
            f"| {label} | {baseline_name} | {nb / tb:,.0f} | {nc / tc:,.0f} | {(nc / tc) / (nb / tb):.2f} |"
        )
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
