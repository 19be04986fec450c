"""Client for an OpenAI-compatible ``POST /v1/embeddings`` server: SGLang (production), or ``codesearch``.

Prompts are built client-side with the same code as the in-process Qwen3 backend (``prompts``), so the
fingerprint and the vectors agree whichever of the two built an index. Batches are spread over one or
more base URLs (least in-flight requests first), ``concurrency`` requests in flight (8 per URL by
default); connection errors, 5xx and 429 are retried on another URL, then with exponential backoff; when none answers, one
``EmbeddingUnavailableError`` line names the URLs tried.

SGLang: ``python -m sglang.launch_server --model-path Qwen/Qwen3-Embedding-4B --is-embedding``.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx
import numpy as np

from codesearch.embedding.base import Embedder
from codesearch.embedding.prompts import QWEN3_PROMPT_FORMAT, qwen3_inputs
from codesearch.embedding.qwen3 import QWEN3_MODELS
from codesearch.errors import ConfigError, EmbeddingUnavailableError

log = logging.getLogger(__name__)

_RETRY_STATUS = {429, 500, 502, 503, 504}
REQUESTS_PER_URL = 8


class _UrlPool:
    """Base URLs with in-flight counts and a cool-down for those that failed (thread-safe)."""

    def __init__(self, urls: Sequence[str]) -> None:
        self.urls = [url.rstrip("/") for url in urls]
        self._in_flight = dict.fromkeys(self.urls, 0)
        self._down_until = dict.fromkeys(self.urls, 0.0)
        self._turn = 0
        self._lock = threading.Lock()

    def acquire(self, avoid: set[str]) -> str | None:
        """The URL not in ``avoid`` with the fewest requests in flight, live ones first; None if none left.

        Equal loads take turns (round-robin); a URL in its cool-down is used only when no live one is left.
        """
        with self._lock:
            now = time.monotonic()
            candidates = [u for u in self.urls if u not in avoid]
            if not candidates:
                return None
            self._turn += 1
            start = self._turn % len(candidates)
            rotated = candidates[start:] + candidates[:start]
            url = min(rotated, key=lambda u: (self._down_until[u] > now, self._in_flight[u]))
            self._in_flight[url] += 1
            return url

    def release(self, url: str) -> None:
        with self._lock:
            self._in_flight[url] -= 1

    def mark_down(self, url: str, seconds: float) -> None:
        with self._lock:
            self._down_until[url] = time.monotonic() + seconds

    def mark_up(self, url: str) -> None:
        with self._lock:
            self._down_until[url] = 0.0


class HttpEmbedder(Embedder):
    """Embeddings from OpenAI-compatible servers at ``urls`` serving ``model``."""

    prompt_format = QWEN3_PROMPT_FORMAT

    def __init__(
        self,
        urls: Sequence[str],
        model: str = "Qwen/Qwen3-Embedding-4B",
        *,
        dim: int | None = None,
        native_dim: int | None = None,
        api_key: str | None = None,
        batch_size: int = 32,
        concurrency: int | None = None,
        timeout: float = 120.0,
        retries: int = 4,
        backoff: float = 0.5,
    ) -> None:
        if not urls:
            raise ConfigError("the http embedding model needs at least one server URL (--embed-url)")
        self.model_id = model
        self.native_dim = native_dim or QWEN3_MODELS.get(model) or dim or 0
        if not self.native_dim:
            raise ConfigError(f"unknown output width for model {model!r}: pass dim")
        super().__init__(dim)
        self.batch_size = batch_size
        # SGLang batches whatever is in flight (continuous batching): keep 8 requests per server queued so
        # the GPU never waits for the client (benchmarks/http_concurrency.py)
        self.concurrency = concurrency or REQUESTS_PER_URL * len(urls)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._api_key = api_key
        self._pool = _UrlPool(urls)
        # dropped if the server says it cannot truncate: the base class truncates then
        self._send_dimensions = dim is not None and dim < self.native_dim
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()

    @property
    def urls(self) -> list[str]:
        """The base URLs, without trailing slashes."""
        return list(self._pool.urls)

    def _http(self) -> httpx.Client:
        with self._client_lock:
            if self._client is None:
                headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
                self._client = httpx.Client(
                    headers=headers,
                    timeout=httpx.Timeout(self.timeout, connect=min(5.0, self.timeout)),
                    limits=httpx.Limits(max_connections=max(self.concurrency, 1) * 2),
                )
            return self._client

    def close(self) -> None:
        """Close the connection pool."""
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def _embed_batch(self, texts: list[str], *, is_query: bool, instruction: str) -> np.ndarray:
        payload: dict[str, Any] = {
            "model": self.model_id,
            "input": qwen3_inputs(texts, is_query=is_query, instruction=instruction),
            "encoding_format": "float",
        }
        if self._send_dimensions:
            payload["dimensions"] = self.dim
        return self._parse(self._post(payload), len(texts))

    def _post(self, payload: dict[str, Any]) -> dict[str, Any]:
        """POST one batch: every URL once per round, ``retries`` more rounds with exponential backoff."""
        errors: dict[str, str] = {}
        delay = self.backoff
        for round_ in range(self.retries + 1):
            if round_:
                time.sleep(delay * random.uniform(0.8, 1.2))  # jitter: parallel batches do not retry in step
                delay = min(delay * 2, 30.0)
            tried: set[str] = set()
            while (url := self._pool.acquire(avoid=tried)) is not None:
                tried.add(url)
                try:
                    response = self._http().post(f"{url}/v1/embeddings", json=payload)
                except httpx.TransportError as exc:
                    errors[url] = type(exc).__name__
                    self._pool.mark_down(url, max(delay, 1.0))
                    log.warning("embedding server %s did not answer (%s)", url, errors[url])
                    continue
                finally:
                    self._pool.release(url)
                if response.status_code in _RETRY_STATUS:
                    errors[url] = f"HTTP {response.status_code}"
                    log.warning("embedding server %s answered HTTP %d; retrying", url, response.status_code)
                    continue
                if response.status_code >= 400:
                    self._refused(url, response, payload)
                    return self._post(payload)  # retried without "dimensions"
                self._pool.mark_up(url)
                return response.json()  # type: ignore[no-any-return]
        detail = "; ".join(f"{url}: {why}" for url, why in errors.items())
        raise EmbeddingUnavailableError(f"no embedding server answered for model {self.model_id} ({detail})")

    def _refused(self, url: str, response: httpx.Response, payload: dict[str, Any]) -> None:
        """A 4xx: retry once without ``dimensions`` if that was the problem, else give up with the reason."""
        message = response.text[:300].replace("\n", " ")
        if "dimensions" in payload and "dimension" in message.lower():
            log.warning("%s cannot truncate to %d dimensions; truncating client-side", url, self.dim)
            self._send_dimensions = False
            payload.pop("dimensions")
            return
        raise EmbeddingUnavailableError(
            f"embedding server {url} refused the request for model {self.model_id}: HTTP {response.status_code} {message}"
        )

    def _parse(self, body: dict[str, Any], count: int) -> np.ndarray:
        try:
            rows = sorted(body["data"], key=lambda item: item["index"])
            vectors = np.asarray([row["embedding"] for row in rows], dtype=np.float32)
        except (KeyError, TypeError, ValueError) as exc:
            raise EmbeddingUnavailableError(f"embedding server sent an unexpected response: {exc!r}") from exc
        if vectors.ndim != 2 or vectors.shape[0] != count or vectors.shape[1] < self.dim:
            raise EmbeddingUnavailableError(
                f"embedding server sent {vectors.shape} vectors for {count} texts of width {self.dim} "
                f"(is it serving {self.model_id}?)"
            )
        return vectors
