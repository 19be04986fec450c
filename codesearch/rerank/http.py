"""Client for SGLang's ``POST /v1/rerank`` (or ``codesearch``'s own, ``api.rerank``).

Request ``{"model", "query", "documents", "instruct", "return_documents": false}``; the response is a
list of ``{"score", "index", "document"?}`` (SGLang sorts it by score; we put it back in input order by
``index``). SGLang serves Qwen3-Reranker without ``--is-embedding``:
``python -m sglang.launch_server --model-path Qwen/Qwen3-Reranker-4B
--chat-template examples/chat_template/qwen3_reranker.jinja``. Several base URLs: the first that answers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import httpx

from codesearch.errors import ConfigError, RerankUnavailableError
from codesearch.rerank.base import DEFAULT_RERANK_INSTRUCTION, Reranker

log = logging.getLogger(__name__)


class HttpReranker(Reranker):
    """Scores from a ``/v1/rerank`` server at one of ``urls``."""

    def __init__(
        self,
        urls: Sequence[str],
        model: str = "Qwen/Qwen3-Reranker-4B",
        *,
        api_key: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        if not urls:
            raise ConfigError("the http reranker needs at least one server URL (--reranker-url)")
        self.name = model
        self.urls = [url.rstrip("/") for url in urls]
        self.timeout = timeout
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def score(self, query: str, documents: Sequence[str], *, instruction: str | None = None) -> list[float]:
        if not documents:
            return []
        payload = {
            "model": self.name,
            "query": query,
            "documents": list(documents),
            "instruct": instruction or DEFAULT_RERANK_INSTRUCTION,
            "return_documents": False,
        }
        errors: list[str] = []
        for url in self.urls:
            try:
                response = httpx.post(
                    f"{url}/v1/rerank", json=payload, headers=self._headers, timeout=self.timeout
                )
            except httpx.TransportError as exc:
                errors.append(f"{url}: {type(exc).__name__}")
                log.warning("rerank server %s did not answer (%s)", url, type(exc).__name__)
                continue
            if response.status_code >= 500 or response.status_code == 429:
                errors.append(f"{url}: HTTP {response.status_code}")
                continue
            if response.status_code >= 400:
                message = response.text[:300].replace("\n", " ")
                raise RerankUnavailableError(
                    f"rerank server {url} refused the request: HTTP {response.status_code} {message}"
                )
            return self._parse(response.json(), len(documents), url)
        raise RerankUnavailableError(f"no rerank server answered for {self.name} ({'; '.join(errors)})")

    @staticmethod
    def _parse(body: Any, count: int, url: str) -> list[float]:
        rows = body.get("results", body) if isinstance(body, dict) else body
        try:
            scores = {int(row["index"]): float(row.get("score", row.get("relevance_score"))) for row in rows}
        except (KeyError, TypeError, ValueError) as exc:
            raise RerankUnavailableError(
                f"rerank server {url} sent an unexpected response: {exc!r}"
            ) from None
        if sorted(scores) != list(range(count)):
            raise RerankUnavailableError(f"rerank server {url} scored {len(scores)} of {count} documents")
        return [scores[i] for i in range(count)]
