"""The HTTP client against real uvicorn servers on 127.0.0.1 serving the OpenAI-compatible route."""

from __future__ import annotations

import base64
import socket

import httpx
import numpy as np
import pytest
from fastapi import FastAPI, Request, Response

import codesearch.embedding.http as http_module
from codesearch.api.embeddings import create_embeddings_app
from codesearch.embedding.base import Embedder
from codesearch.embedding.fake import HashEmbedder
from codesearch.embedding.http import HttpEmbedder
from codesearch.embedding.prompts import qwen3_query
from codesearch.embedding.use import UniversalSentenceEncoder
from codesearch.errors import EmbeddingUnavailableError


def _free_port() -> int:
    """A port nothing listens on (for dead URLs)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


TEXTS = [f"def handler_{i}(request): return retry(request, tries={i})" for i in range(23)]


def _client(urls: list[str], served: Embedder, **kw: object) -> HttpEmbedder:
    options: dict = {"native_dim": served.dim, "batch_size": 5, "retries": 2, "backoff": 0.05, **kw}
    return HttpEmbedder(urls, served.model_id, **options)


@pytest.mark.slow
def test_client_vectors_equal_in_process_vectors_of_the_bundled_model(serve_app) -> None:
    use = UniversalSentenceEncoder()
    with serve_app(create_embeddings_app(use)) as url:
        client = _client([url], use)
        texts = TEXTS[:6] + ["读取配置文件并合并环境变量"]
        np.testing.assert_allclose(client.embed_documents(texts), use.embed_documents(texts), atol=1e-6)
        # queries: the client builds the Qwen3 prompt, the server embeds what it is sent
        query = client.embed_queries(["retry on failure"], instruction="Find code")
        expected = use.embed_documents([qwen3_query("Find code", "retry on failure")])
        np.testing.assert_allclose(query, expected, atol=1e-6)


def test_two_servers_both_receive_batches_and_order_is_kept(serve_app) -> None:
    one, two = HashEmbedder(), HashEmbedder()
    with serve_app(create_embeddings_app(one)) as url1, serve_app(create_embeddings_app(two)) as url2:
        client = _client([url1, url2], one, concurrency=4)
        vectors = client.embed_documents(TEXTS)
    np.testing.assert_allclose(vectors, HashEmbedder().embed_documents(TEXTS), atol=1e-6)
    assert one.calls and two.calls
    assert sorted(one.embedded_texts + two.embedded_texts) == sorted(TEXTS)


def test_one_dead_url_and_one_live_url_still_works(serve_app) -> None:
    live = HashEmbedder()
    dead = f"http://127.0.0.1:{_free_port()}"
    with serve_app(create_embeddings_app(live)) as url:
        client = _client([dead, url], live)
        vectors = client.embed_documents(TEXTS)
    np.testing.assert_allclose(vectors, HashEmbedder().embed_documents(TEXTS), atol=1e-6)
    assert sorted(live.embedded_texts) == sorted(TEXTS)


def test_all_dead_urls_fail_fast_with_one_line_naming_them(monkeypatch) -> None:
    dead = [f"http://127.0.0.1:{_free_port()}", f"http://127.0.0.1:{_free_port()}"]
    client = _client(dead, HashEmbedder())
    slept: list[float] = []
    monkeypatch.setattr(http_module.time, "sleep", slept.append)
    with pytest.raises(EmbeddingUnavailableError) as info:
        client.embed_documents(TEXTS)
    # it gives up after its retry rounds, each waiting only its backoff (no wall clock read)
    assert len(slept) <= client.retries * len(TEXTS) and sum(slept) < 10
    message = str(info.value)
    assert "\n" not in message and all(url in message for url in dead)


def test_server_errors_are_retried_then_succeed(serve_app) -> None:
    served = HashEmbedder()
    app = create_embeddings_app(served)
    failures = {"left": 2}

    @app.middleware("http")
    async def flaky(request: Request, call_next):  # type: ignore[no-untyped-def]
        if failures["left"] > 0:
            failures["left"] -= 1
            return Response("overloaded", status_code=503)
        return await call_next(request)

    with serve_app(app) as url:
        vectors = _client([url], served, concurrency=1).embed_documents(TEXTS[:3])
    assert failures["left"] == 0
    np.testing.assert_allclose(vectors, HashEmbedder().embed_documents(TEXTS[:3]), atol=1e-6)


def test_dimensions_api_key_and_4xx(serve_app) -> None:
    served = HashEmbedder(dim=32)
    app = create_embeddings_app(served)
    seen: dict[str, str] = {}

    @app.middleware("http")
    async def record(request: Request, call_next):  # type: ignore[no-untyped-def]
        seen["auth"] = request.headers.get("authorization", "")
        return await call_next(request)

    with serve_app(app) as url:
        client = _client([url], served, dim=8, api_key="sekret")
        v = client.embed_documents(["parse config"])
        full = HashEmbedder(dim=32).embed_documents(["parse config"])[:, :8]
        np.testing.assert_allclose(v, full / np.linalg.norm(full), atol=1e-6)
        assert seen["auth"] == "Bearer sekret"
        r = httpx.post(f"{url}/v1/embeddings", json={"input": []})
        assert r.status_code == 400 and "non-empty" in r.json()["error"]["message"]
        r = httpx.post(f"{url}/v1/embeddings", json={"input": "x", "dimensions": 64})
        assert r.status_code == 400 and "dimensions" in r.json()["error"]["message"]
        r = httpx.post(f"{url}/v1/embeddings", json={"input": ["a", ""]})
        assert r.status_code == 400 and "input[1]" in r.json()["error"]["message"]
        r = httpx.post(f"{url}/v1/embeddings", json={"input": "abc", "encoding_format": "base64"})
        body = r.json()
        decoded = np.frombuffer(base64.b64decode(body["data"][0]["embedding"]), dtype="<f4")
        np.testing.assert_allclose(decoded, HashEmbedder(dim=32).embed_documents(["abc"])[0], atol=1e-6)
        assert body["object"] == "list" and body["usage"]["prompt_tokens"] >= 1
        assert httpx.get(f"{url}/healthz").json()["status"] == "ok"


def test_server_that_cannot_truncate_gets_no_dimensions_and_client_truncates(serve_app) -> None:
    served = HashEmbedder(dim=32)
    app = create_embeddings_app(served)
    refused = {"count": 0}

    @app.middleware("http")
    async def no_matryoshka(request: Request, call_next):  # type: ignore[no-untyped-def]
        if b'"dimensions"' in await request.body():
            refused["count"] += 1
            return Response('{"error": {"message": "dimensions is not supported"}}', status_code=400)
        return await call_next(request)

    with serve_app(app) as url:
        v = _client([url], served, dim=8).embed_documents(["parse config", "draw"])
    full = HashEmbedder(dim=32).embed_documents(["parse config", "draw"])[:, :8]
    np.testing.assert_allclose(v, full / np.linalg.norm(full, axis=1, keepdims=True), atol=1e-6)
    assert refused["count"] == 1


def test_http_and_in_process_qwen3_share_a_fingerprint() -> None:
    """An index built through SGLang is served by the in-process backend, and back."""
    from codesearch.embedding.qwen3 import Qwen3Embedder

    for dim in (None, 256):
        remote = HttpEmbedder(["http://127.0.0.1:1"], "Qwen/Qwen3-Embedding-4B", dim=dim)
        local = Qwen3Embedder("Qwen/Qwen3-Embedding-4B", dim=dim)
        assert remote.fingerprint == local.fingerprint
    assert HttpEmbedder(["http://x"], "Qwen/Qwen3-Embedding-8B").fingerprint != local.fingerprint


def _count_in_flight(app: FastAPI, seen: dict[str, int], delay: float) -> None:
    """Middleware: hold each request ``delay`` s (a busy GPU) and record the most in flight at once."""
    import asyncio

    @app.middleware("http")
    async def in_flight(request: Request, call_next):  # type: ignore[no-untyped-def]
        seen["now"] += 1
        seen["max"] = max(seen["max"], seen["now"])
        try:
            await asyncio.sleep(delay)
            return await call_next(request)
        finally:
            seen["now"] -= 1


def test_default_concurrency_keeps_requests_in_flight_on_every_url(serve_app) -> None:
    """Enough requests in flight to keep continuous batching busy: 8 per URL by default."""
    counts = [{"now": 0, "max": 0}, {"now": 0, "max": 0}]
    apps = [create_embeddings_app(HashEmbedder()) for _ in counts]
    for app, seen in zip(apps, counts, strict=True):
        _count_in_flight(app, seen, delay=0.2)
    texts = [f"def f{i}(): return {i}" for i in range(32 * 16)]  # 16 requests of 32
    with serve_app(apps[0]) as url1, serve_app(apps[1]) as url2:
        client = HttpEmbedder([url1, url2], "fake", native_dim=HashEmbedder().dim)
        assert client.concurrency == 16
        vectors = client.embed_documents(texts)
    np.testing.assert_allclose(vectors, HashEmbedder().embed_documents(texts), atol=1e-6)
    assert min(seen["max"] for seen in counts) >= 6  # ~8 each: both servers kept busy at once
