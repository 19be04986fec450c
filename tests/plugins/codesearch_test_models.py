"""The test-only embedding model ``fake``, registered the way any plugin registers a backend.

``tests/conftest.py`` puts this folder on ``sys.path`` (and on ``PYTHONPATH`` for the CLI's subprocesses);
the ``codesearch_test_models-0.1.dist-info`` beside it names ``register_embedders`` under the entry-point
group ``codesearch.embedders``. The product's registry knows nothing of ``fake``.
"""

from __future__ import annotations

import os
import time

import numpy as np

from codesearch.embedding.fake import HashEmbedder
from codesearch.embedding.options import EmbedderOptions, Register

# For a CLI run in a subprocess: a file to which ``fake`` appends the size of every batch it embeds, and a
# number of batches after which the next one blocks (so a test can kill the run at a known point).
EMBED_LOG = "CODESEARCH_TEST_EMBED_LOG"
HOLD_AFTER = "CODESEARCH_TEST_EMBED_HOLD_AFTER"
BATCH_SIZE = "CODESEARCH_TEST_EMBED_BATCH_SIZE"  # texts per batch (the pipeline's calls are one batch each)


class CountingHashEmbedder(HashEmbedder):
    """``HashEmbedder`` that logs each batch's size to a file and can block before a given batch."""

    def __init__(self, dim: int, log_path: str, hold_after: int | None) -> None:
        super().__init__(dim)
        self._log_path, self._hold_after, self._batches_embedded = log_path, hold_after, 0

    def _embed_batch(self, texts: list[str], *, is_query: bool, instruction: str) -> np.ndarray:
        if not is_query:
            if self._hold_after is not None and self._batches_embedded >= self._hold_after:
                with open(self._log_path + ".held", "w") as f:
                    f.write("held\n")
                while True:  # until the test kills the process
                    time.sleep(1)
            self._batches_embedded += 1
            with open(self._log_path, "a") as f:
                f.write(f"{len(texts)}\n")
        return super()._embed_batch(texts, is_query=is_query, instruction=instruction)


def _fake(options: EmbedderOptions) -> HashEmbedder:
    log_path = os.environ.get(EMBED_LOG)
    if log_path:
        hold = os.environ.get(HOLD_AFTER)
        embedder = CountingHashEmbedder(options.dim or 32, log_path, int(hold) if hold else None)
        embedder.batch_size = int(os.environ.get(BATCH_SIZE, embedder.batch_size))
        return embedder
    return HashEmbedder(options.dim or 32)


def register_embedders(register: Register) -> None:
    """Register ``fake``: a hash bag-of-words embedder (not a real model)."""
    register("fake", _fake, "hash bag-of-words embedder for tests only (not a real model)", dim=32)
