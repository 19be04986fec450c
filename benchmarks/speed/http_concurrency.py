"""How many requests the HTTP embedding client must keep in flight to keep the servers busy.

Two real uvicorn servers (separate processes on 127.0.0.1) run codesearch's own ``/v1/embeddings`` (hash
embedder), each holding every request ``--service-ms`` (a GPU's time for one batch) behind an asyncio
sleep, so a server works on many requests at once, as SGLang's continuous batching does. Prints texts/s
per client concurrency, against a client that keeps one request per server in flight:

    python -m benchmarks.speed.http_concurrency --texts 2048 --service-ms 50
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from fastapi import FastAPI, Request

from codesearch.api.embeddings import create_embeddings_app
from codesearch.embedding.fake import HashEmbedder
from codesearch.embedding.http import HttpEmbedder
from codesearch.serve_model import is_ready, stop


def make_app() -> FastAPI:
    """The served app (``uvicorn --factory``): holds each request ``SERVICE_MS`` ms, then embeds."""
    service_s = float(os.environ.get("SERVICE_MS", "50")) / 1000
    app: FastAPI = create_embeddings_app(HashEmbedder())

    @app.middleware("http")
    async def busy(request: Request, call_next):  # type: ignore[no-untyped-def]
        await asyncio.sleep(service_s)
        return await call_next(request)

    return app


def _server(service_ms: float) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    here = Path(__file__).resolve().parent
    env = {**os.environ, "SERVICE_MS": str(service_ms), "PYTHONPATH": str(here.parent)}
    command = [
        *(sys.executable, "-m", "uvicorn", "--factory", "http_concurrency:make_app"),
        *("--app-dir", str(here), "--port", str(port), "--log-level", "warning"),
    ]
    process = subprocess.Popen(command, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not is_ready(url):
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("the benchmark server did not start")
        time.sleep(0.2)
    return process, url


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--texts", type=int, default=2048)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--service-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", default="1,2,4,8,16,32")
    args = parser.parse_args()
    servers = [_server(args.service_ms) for _ in range(2)]
    urls = [url for _, url in servers]
    texts = [f"def handler_{i}(request): return retry(request, tries={i % 7})" for i in range(args.texts)]
    requests = -(-args.texts // args.batch_size)
    one_each = args.texts / (requests * args.service_ms / 1000 / len(urls))
    print(
        f"{len(urls)} servers, {args.texts} texts in {requests} requests of {args.batch_size}, "
        f"{args.service_ms:.0f} ms each; one request per server at a time would give {one_each:,.0f} texts/s"
    )
    print("| concurrency | texts/s | × one per server |")
    print("| --- | --- | --- |")
    try:
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            client = HttpEmbedder(
                urls,
                "fake",
                native_dim=HashEmbedder().dim,
                batch_size=args.batch_size,
                concurrency=concurrency,
            )
            client.embed_documents(texts[: args.batch_size])  # connections up
            start = time.perf_counter()
            client.embed_documents(texts)
            rate = args.texts / (time.perf_counter() - start)
            client.close()
            print(f"| {concurrency} | {rate:,.0f} | {rate / one_each:.2f} |")
    finally:
        for process, _ in servers:
            stop(process)


if __name__ == "__main__":
    main()
