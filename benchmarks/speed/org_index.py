"""Indexing many repositories (``codesearch index --from/--clones``) over one `/v1/embeddings` server vs two.

Makes ``--repos`` small synthetic git repositories, starts two real uvicorn servers on 127.0.0.1 serving
codesearch's own ``/v1/embeddings`` (``--server-model hash``: the hash embedder holding each request
``--service-ms``, a GPU's time for one batch, as in ``http_concurrency``; ``--server-model use``: the real
bundled model on this machine's CPU), then, in one run, for one server and for both:

- ``one at a time``: ``index_repositories(ahead=0)`` into a fresh index, the way the CLI ran before
  embed-ahead (one repository, one committed generation, after the other): repos/min and texts/s;
- ``ahead``: ``index_repositories`` as the CLI runs now (``--ahead 16``: the next repositories prepared and
  their texts embedded together while the current one is written; still a generation per repository);
- ``rerun``: the same command again, every repository already current (what a resumed run skips);
- ``pooled``: every repository's texts in one ``embed_documents`` call over the same servers, the ceiling
  if the repositories' texts were embedded together.

    python -m benchmarks.speed.org_index --repos 50 --files 4 --server-model hash --service-ms 200
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import git
import httpx
from fastapi import FastAPI, Request

from codesearch.api.embeddings import create_embeddings_app
from codesearch.assembly import IndexModel
from codesearch.cli.index_many import index_repositories
from codesearch.embedding.http import HttpEmbedder
from codesearch.serve_model import is_ready, stop
from codesearch.settings import Settings
from indexer.ahead import AHEAD
from indexer.store import connect


def make_app() -> FastAPI:
    """The served app (``uvicorn --factory``): ``SERVER_MODEL`` behind ``SERVICE_MS`` ms per request."""
    service_s = float(os.environ.get("SERVICE_MS", "0")) / 1000
    if os.environ.get("SERVER_MODEL", "hash") == "hash":
        from codesearch.embedding.fake import HashEmbedder

        app: FastAPI = create_embeddings_app(HashEmbedder())
    else:
        from codesearch.embedding.registry import get_embedder

        app = create_embeddings_app(get_embedder(os.environ["SERVER_MODEL"]))

    if service_s:

        @app.middleware("http")
        async def busy(request: Request, call_next):  # type: ignore[no-untyped-def]
            await asyncio.sleep(service_s)
            return await call_next(request)

    return app


def _server(model: str, service_ms: float) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    here = Path(__file__).resolve().parent
    env = {**os.environ, "SERVICE_MS": str(service_ms), "SERVER_MODEL": model, "OMP_NUM_THREADS": "1"}
    command = [
        *(sys.executable, "-m", "uvicorn", "--factory", "org_index:make_app"),
        *("--app-dir", str(here), "--port", str(port), "--log-level", "warning"),
    ]
    process = subprocess.Popen(command, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while not is_ready(url):
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("the benchmark server did not start")
        time.sleep(0.5)
    return process, url


def _make_repos(folder: Path, repos: int, files: int) -> list[Path]:
    roots = []
    for r in range(repos):
        root = folder / f"repo{r:03d}"
        (root / "src").mkdir(parents=True)
        for f in range(files):
            body = "\n\n".join(
                f"def handle_{r}_{f}_{k}(request, retries={k}):\n"
                f"    '''Retry request {r}.{f}.{k} with backoff.'''\n"
                f"    return request.send(timeout={r + f + k})\n"
                for k in range(5)
            )
            (root / "src" / f"mod{f}.py").write_text(body + "\n")
        with git.Repo.init(root) as repo:
            repo.git.add(A=True)
            repo.git.commit("-qm", "init", "--no-gpg-sign", author="bench <bench@example.com>")
        roots.append(root)
    return roots


def _width(url: str) -> int:
    answer = httpx.post(f"{url}/v1/embeddings", json={"model": "bench", "input": ["x"]}, timeout=120)
    answer.raise_for_status()
    return len(answer.json()["data"][0]["embedding"])


def _indexed_code(index_dir: Path) -> list[str]:
    """The code of every document the per-repo run indexed (texts of the same sizes, for the pooled run)."""
    db = connect(index_dir, readonly=True)
    try:
        return [row[0] for row in db.execute("SELECT code FROM documents ORDER BY id")]
    finally:
        db.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repos", type=int, default=50)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--server-model", default="hash", help="hash (with --service-ms) or a registry name")
    parser.add_argument("--service-ms", type=float, default=50.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="org-index-"))
    servers = [_server(args.server_model, args.service_ms) for _ in range(2)]
    try:
        roots = _make_repos(work / "repos", args.repos, args.files)
        specs = [str(r) for r in roots]
        width = _width(servers[0][1])
        print(
            f"{args.repos} repositories x {args.files} files, server model {args.server_model}, "
            f"service {args.service_ms:.0f} ms per request"
        )
        print("| servers | mode | seconds | repos/min | texts | texts/s |")
        print("| --- | --- | --- | --- | --- | --- |")
        rates: dict[tuple[str, int], float] = {}
        for n in (1, 2):
            urls = [url for _, url in servers[:n]]
            client = HttpEmbedder(urls, "bench", native_dim=width)
            client.embed_documents(["warm up"] * 64)  # connections up, models loaded
            for mode, ahead in (("one at a time", 0), ("ahead", AHEAD)):
                settings = Settings(index_dir=work / f"idx{n}-{ahead}", clone_dir=work / "clones")
                report = index_repositories(settings, specs, IndexModel(client, "bench"), ahead=ahead)
                assert not report.failed, report.failed
                rates[(mode, n)] = report.embedded / report.seconds
                print(
                    f"| {n} | {mode} | {report.seconds:.1f} | {args.repos / report.seconds * 60:.0f} | "
                    f"{report.embedded} | {rates[(mode, n)]:,.0f} |"
                )
            again = index_repositories(settings, specs, IndexModel(client, "bench"))
            assert again.embedded == 0 and all(r.status == "unchanged" for r in again.repositories)
            print(
                f"| {n} | rerun, all current | {again.seconds:.1f} | {args.repos / again.seconds * 60:.0f} | 0 | – |"
            )
            # new texts of the same sizes: nothing cached anywhere
            texts = [f"{t} #{n}" for t in _indexed_code(settings.index_dir)]
            started = time.perf_counter()
            client.embed_documents(texts)
            seconds = time.perf_counter() - started
            rates[("pooled", n)] = len(texts) / seconds
            print(f"| {n} | pooled | {seconds:.1f} | – | {len(texts)} | {rates[('pooled', n)]:,.0f} |")
            client.close()
        for mode in ("one at a time", "ahead", "pooled"):
            print(f"two servers / one, {mode}: {rates[(mode, 2)] / rates[(mode, 1)]:.2f}x")
        for n in (1, 2):
            print(
                f"{n} server(s), ahead / one at a time: {rates[('ahead', n)] / rates[('one at a time', n)]:.2f}x"
            )
    finally:
        for process, _ in servers:
            stop(process)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
