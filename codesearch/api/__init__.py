"""HTTP API: ``server`` (``codesearch serve``), ``embeddings`` (OpenAI-compatible ``POST /v1/embeddings``).

Nothing is imported here, so the CLI does not pay for FastAPI unless it serves.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:  # the names this package used to export eagerly
    if name in ("create_embeddings_app", "embeddings_router"):
        from codesearch.api import embeddings

        return getattr(embeddings, name)
    raise AttributeError(name)
