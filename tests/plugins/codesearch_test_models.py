"""The test-only embedding model ``fake``, registered the way any plugin registers a backend.

``tests/conftest.py`` puts this folder on ``sys.path`` (and on ``PYTHONPATH`` for the CLI's subprocesses);
the ``codesearch_test_models-0.1.dist-info`` beside it names ``register_embedders`` under the entry-point
group ``codesearch.embedders``. The product's registry knows nothing of ``fake``.
"""

from __future__ import annotations

from codesearch.embedding.fake import HashEmbedder
from codesearch.embedding.options import EmbedderOptions, Register


def _fake(options: EmbedderOptions) -> HashEmbedder:
    return HashEmbedder(options.dim or 32)


def register_embedders(register: Register) -> None:
    """Register ``fake``: a hash bag-of-words embedder (not a real model)."""
    register("fake", _fake, "hash bag-of-words embedder for tests only (not a real model)", dim=32)
