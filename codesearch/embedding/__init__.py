"""Embedding backends behind one interface (see ``base.Embedder``) and their registry.

``get_embedder(name)`` builds one (cheaply: weights load on first use); ``list_models()`` says which can
run here. Backends: ``use`` (bundled default), ``e5``, ``qwen3-0.6b|4b|8b`` (in-process), ``http``
(SGLang or any OpenAI-compatible server); plugins add more (entry-point group ``codesearch.embedders``).
"""

from codesearch.embedding.base import DEFAULT_QUERY_INSTRUCTION, Embedder, l2_normalise
from codesearch.embedding.registry import ModelInfo, get_embedder, list_models, register

__all__ = [
    "DEFAULT_QUERY_INSTRUCTION",
    "Embedder",
    "ModelInfo",
    "get_embedder",
    "l2_normalise",
    "list_models",
    "register",
]
