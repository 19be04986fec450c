"""An OpenAI-compatible ``POST /v1/embeddings`` over any ``Embedder``.

Inputs are embedded as they come (as documents: the client builds prompts, as ``HttpEmbedder`` does),
so ``codesearch`` can serve its bundled model to other machines, and ``HttpEmbedder`` can be tested
against a real server. Input count and length are bounded; bad input is a 400 with one clear message.
"""

from __future__ import annotations

import base64
import logging
import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from codesearch.embedding.base import Embedder, l2_normalise
from codesearch.errors import EmbeddingUnavailableError

if TYPE_CHECKING:
    from codesearch.rerank.base import Reranker

log = logging.getLogger(__name__)

MAX_INPUTS = 2048
MAX_INPUT_CHARS = 100_000


class EmbeddingsRequest(BaseModel):
    """OpenAI's embeddings request (``user`` accepted and ignored)."""

    input: str | list[str]
    model: str | None = None
    dimensions: int | None = Field(default=None)
    encoding_format: Literal["float", "base64"] = "float"
    user: str | None = None


def _error(status: int, message: str, param: str | None = None) -> JSONResponse:
    kind = "invalid_request_error" if status < 500 else "server_error"
    return JSONResponse(
        status_code=status, content={"error": {"message": message, "type": kind, "param": param}}
    )


def _count_tokens(embedder: Embedder, texts: list[str]) -> int:
    token_ids = getattr(embedder, "token_ids", None)
    if callable(token_ids):
        return sum(len(ids) for ids in token_ids(texts))
    # no tokenizer to ask: OpenAI's rule of thumb, about four characters a token
    return sum(math.ceil(len(text) / 4) for text in texts)


def _validate(request: EmbeddingsRequest, embedder: Embedder, max_inputs: int, max_chars: int) -> str | None:
    texts = [request.input] if isinstance(request.input, str) else request.input
    if not texts:
        return "input must be a non-empty string or list of strings"
    if len(texts) > max_inputs:
        return f"too many inputs: {len(texts)} (at most {max_inputs} per request)"
    for i, text in enumerate(texts):
        if not text:
            return f"input[{i}] is empty"
        if len(text) > max_chars:
            return f"input[{i}] is {len(text)} characters long (at most {max_chars})"
    if request.dimensions is not None and not 0 < request.dimensions <= embedder.dim:
        return f"dimensions must be between 1 and {embedder.dim} for {embedder.model_id}"
    return None


def _encode(vector: np.ndarray, encoding_format: str) -> list[float] | str:
    if encoding_format == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    return [float(x) for x in vector]


def embeddings_router(
    embedder: Embedder, *, max_inputs: int = MAX_INPUTS, max_input_chars: int = MAX_INPUT_CHARS
) -> APIRouter:
    """A router with ``POST /v1/embeddings`` serving ``embedder``."""
    router = APIRouter()

    @router.post("/v1/embeddings", response_model=None)
    async def create_embeddings(request: EmbeddingsRequest) -> Any:
        problem = _validate(request, embedder, max_inputs, max_input_chars)
        if problem:
            return _error(400, problem, "input" if "input" in problem else "dimensions")
        texts = [request.input] if isinstance(request.input, str) else list(request.input)
        try:
            # the model is CPU/GPU-bound and blocking: keep it off the event loop
            vectors = await run_in_threadpool(embedder.embed_documents, texts)
        except EmbeddingUnavailableError as exc:
            return _error(503, str(exc))
        if request.dimensions is not None and request.dimensions < vectors.shape[1]:
            vectors = l2_normalise(vectors[:, : request.dimensions])
        tokens = _count_tokens(embedder, texts)
        return {
            "object": "list",
            "data": [
                {"object": "embedding", "index": i, "embedding": _encode(vec, request.encoding_format)}
                for i, vec in enumerate(vectors)
            ],
            "model": embedder.model_id,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    return router


def create_embeddings_app(embedder: Embedder, reranker: Reranker | None = None) -> FastAPI:
    """A FastAPI app serving ``embedder`` at ``POST /v1/embeddings`` (and ``reranker`` at ``POST /v1/rerank``
    when given), with ``GET /healthz``."""
    app = FastAPI(title="codesearch embeddings", version="1")
    app.include_router(embeddings_router(embedder))
    if reranker is not None:
        from codesearch.api.rerank import rerank_router

        app.include_router(rerank_router(reranker))

    @app.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "model": embedder.model_id, "dim": embedder.dim}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        """OpenAI's model list (what ``codesearch model serve`` polls until a server is ready)."""
        return {
            "object": "list",
            "data": [{"id": embedder.model_id, "object": "model", "owned_by": "codesearch"}],
        }

    return app
