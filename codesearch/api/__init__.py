"""HTTP API. This package currently holds the OpenAI-compatible embeddings route (``embeddings``)."""

from codesearch.api.embeddings import create_embeddings_app, embeddings_router

__all__ = ["create_embeddings_app", "embeddings_router"]
