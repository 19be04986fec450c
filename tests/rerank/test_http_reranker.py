"""The /v1/rerank client against a real uvicorn server running the in-process Qwen3-Reranker."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import numpy as np
import pytest

from codesearch.api.embeddings import create_embeddings_app
from codesearch.embedding.fake import HashEmbedder
from codesearch.errors import RerankUnavailableError
from codesearch.rerank.http import HttpReranker
from codesearch.rerank.qwen3 import Qwen3Reranker

DOCS = ["def load_config(path): ...", "func main() {}", "SELECT 1", "class Retry: pass"]


def _free_port() -> int:
    """A port nothing listens on (for dead URLs)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def local(tiny_reranker_dir: Path) -> Qwen3Reranker:
    return Qwen3Reranker("test/tiny-reranker", model_path=str(tiny_reranker_dir), device="cpu")


def test_http_scores_equal_in_process_scores_and_dead_urls_are_skipped(
    serve_app, local: Qwen3Reranker
) -> None:
    dead = f"http://127.0.0.1:{_free_port()}"
    with serve_app(create_embeddings_app(HashEmbedder(), reranker=local)) as url:
        client = HttpReranker([dead, url], "test/tiny-reranker")
        scores = client.score("load the config", DOCS, instruction="Find code")
        expected = local.score("load the config", DOCS, instruction="Find code")
        np.testing.assert_allclose(scores, expected, atol=1e-6)
        # the server's answer in SGLang's shape: sorted by score, top_n, documents on request
        body = httpx.post(f"{url}/v1/rerank", json={"query": "q", "documents": DOCS, "top_n": 2}).json()
        assert len(body) == 2 and body[0]["score"] >= body[1]["score"]
        assert body[0]["document"] == DOCS[body[0]["index"]]
        plain = httpx.post(
            f"{url}/v1/rerank", json={"query": "q", "documents": DOCS, "return_documents": False}
        ).json()
        assert sorted(r["index"] for r in plain) == [0, 1, 2, 3] and "document" not in plain[0]
        r = httpx.post(f"{url}/v1/rerank", json={"query": "q", "documents": []})
        assert r.status_code == 400 and "non-empty" in r.json()["error"]["message"]


def test_no_server_answering_is_one_line_naming_the_urls() -> None:
    dead = [f"http://127.0.0.1:{_free_port()}", f"http://127.0.0.1:{_free_port()}"]
    with pytest.raises(RerankUnavailableError) as info:
        HttpReranker(dead).score("q", ["d"])
    assert "\n" not in str(info.value) and all(url in str(info.value) for url in dead)
