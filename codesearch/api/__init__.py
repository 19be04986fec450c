"""HTTP API: ``server`` (``codesearch serve``), ``embeddings`` (OpenAI-compatible ``POST /v1/embeddings``).

Nothing is imported here, so the CLI does not pay for FastAPI unless it serves.
"""
