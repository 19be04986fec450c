"""``POST /v1/rerank`` in SGLang's schema over any ``Reranker``, so the HTTP client is tested for real.

Request: ``query``, ``documents``, optional ``instruct``, ``top_n``, ``return_documents`` (default true),
``model`` (ignored). Response: a list of ``{"score", "document"?, "index"}`` sorted by score, best first.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from codesearch.errors import RerankUnavailableError
from codesearch.rerank.base import Reranker

MAX_DOCUMENTS = 1000


class RerankRequest(BaseModel):
    query: str
    documents: list[str]
    instruct: str | None = None
    top_n: int | None = None
    return_documents: bool = True
    model: str | None = None


def rerank_router(reranker: Reranker, *, max_documents: int = MAX_DOCUMENTS) -> APIRouter:
    """A router with ``POST /v1/rerank`` serving ``reranker``."""
    router = APIRouter()

    @router.post("/v1/rerank", response_model=None)
    async def create_rerank(request: RerankRequest) -> Any:
        if not request.query or not request.documents:
            return _error(400, "query and documents must be non-empty")
        if len(request.documents) > max_documents:
            return _error(400, f"too many documents: {len(request.documents)} (at most {max_documents})")
        try:
            scores = await run_in_threadpool(
                reranker.score, request.query, request.documents, instruction=request.instruct
            )
        except RerankUnavailableError as exc:
            return _error(503, str(exc))
        order = sorted(range(len(scores)), key=lambda i: -scores[i])[: request.top_n or None]
        return [
            {"score": scores[i], "index": i}
            | ({"document": request.documents[i]} if request.return_documents else {})
            for i in order
        ]

    return router


def _error(status: int, message: str) -> JSONResponse:
    kind = "invalid_request_error" if status < 500 else "server_error"
    return JSONResponse(status_code=status, content={"error": {"message": message, "type": kind}})
