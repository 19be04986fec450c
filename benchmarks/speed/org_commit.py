"""What a commit costs as a local index grows over many small repositories (``index --from/--clones``).

Makes ``--repos`` small repositories (plain folders, ``--functions`` Python functions each), then indexes
them with the fake hash embedder at ``--dim`` (no model time: only crawl, parse, write and commit count),
in one process, into a fresh index per mode:

- ``one at a time``: ``index_repositories(ahead=0)``, each repository its own run (the previous
  behaviour: every commit reads the previous generation's FAISS file back, adds, writes it all);
- ``ahead, commit every N``: ``index_repositories`` (one session, vectors kept in memory), a commit every
  N repositories (N = 1, the default, and each ``--every`` given).

For each, the commit's time per repository it commits (``IndexSession.commit`` divided by the repositories
written since the previous commit; median of the last 5 commits up to repository 10, 100 and 1000), and the
run's total.

    python -m benchmarks.speed.org_commit --repos 1000 --dim 1024 --every 10 100
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from codesearch.assembly import IndexModel
from codesearch.cli.index_many import index_repositories
from codesearch.embedding.fake import HashEmbedder
from codesearch.settings import Settings
from indexer import index_session

MARKS = (10, 100, 1000, 10_000)


def _make_repos(folder: Path, repos: int, functions: int) -> list[str]:
    roots = []
    for r in range(repos):
        root = folder / f"repo{r:05d}"
        root.mkdir(parents=True)
        (root / "main.py").write_text(
            "\n\n".join(
                f"def handle_{r}_{k}(request):\n    '''Handle request {r}.{k}.'''\n    return request.send({k})\n"
                for k in range(functions)
            )
            + "\n"
        )
        roots.append(str(root))
    return roots


class CommitTimer:
    """Times every ``IndexSession.commit`` (the repositories written before it, its seconds)."""

    def __init__(self) -> None:
        self.commits: list[tuple[int, float]] = []  # (repositories in the index, seconds per repository)
        self._real = index_session.IndexSession.commit

    def __enter__(self) -> CommitTimer:
        timer = self

        def timed(session: index_session.IndexSession) -> int:
            repositories = session.db.execute("SELECT COUNT(*) FROM repos").fetchone()[0]
            since = repositories - (timer.commits[-1][0] if timer.commits else 0)
            started = time.perf_counter()
            out = timer._real(session)
            timer.commits.append((repositories, (time.perf_counter() - started) / max(1, since)))
            return out

        index_session.IndexSession.commit = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        index_session.IndexSession.commit = self._real  # type: ignore[method-assign]

    def near(self, mark: int) -> float | None:
        """Median commit seconds per repository over the (up to 5) commits up to ``mark`` repositories."""
        before = [s for n, s in self.commits if n <= mark]
        return statistics.median(before[-5:]) if before and self.commits[-1][0] >= mark else None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--functions", type=int, default=10)
    parser.add_argument("--dim", type=int, default=1024)
    parser.add_argument("--every", type=int, nargs="*", default=[10, 100])
    parser.add_argument("--skip-one-at-a-time", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="org-commit-"))
    try:
        specs = _make_repos(work / "repos", args.repos, args.functions)
        marks = [m for m in MARKS if m <= args.repos]
        print(
            f"{args.repos} repositories x {args.functions} functions, fake embedder at {args.dim} dimensions"
        )
        print("| mode | " + " | ".join(f"commit ms/repo at {m}" for m in marks) + " | total s | ratio |")
        print("| --- | " + " | ".join("---" for _ in marks) + " | --- | --- |")
        modes = [] if args.skip_one_at_a_time else [("one at a time", 0, 1)]
        modes += [("ahead, commit every 1", 16, 1)] + [
            (f"ahead, commit every {n}", 16, n) for n in args.every
        ]
        baseline = None
        for name, ahead, every in modes:
            settings = Settings(index_dir=work / f"idx-{ahead}-{every}", clone_dir=work / "clones")
            model = IndexModel(HashEmbedder(args.dim), "fake")
            with CommitTimer() as timer:
                report = index_repositories(settings, specs, model, ahead=ahead, commit_every=every)
            assert not report.failed, report.failed
            baseline = baseline or report.seconds
            cells = []
            for m in marks:
                seconds = timer.near(m)
                cells.append("–" if seconds is None else f"{seconds * 1000:.0f}")
            print(
                f"| {name} | "
                + " | ".join(cells)
                + f" | {report.seconds:.1f} | {baseline / report.seconds:.2f}x |",
                flush=True,
            )
            shutil.rmtree(settings.index_dir, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
