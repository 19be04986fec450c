"""A deterministic, instant embedder for other packages' unit tests (the tests register it as ``fake``).

Vectors are sums of per-word pseudo-random directions, so texts that share words are similar, and the
embedder records every batch it was asked to embed (``calls``), so a test can assert what was embedded.
Not a real model: never use it for an index a person searches.
"""

from __future__ import annotations

import hashlib
import re
import threading

import numpy as np

from codesearch.embedding.base import Embedder

_WORD = re.compile(r"\w+", re.UNICODE)


def _word_vector(word: str, dim: int) -> np.ndarray:
    seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
    return np.random.default_rng(seed).standard_normal(dim).astype(np.float32)


class HashEmbedder(Embedder):
    """Bag-of-words hash embedder; ``calls`` lists the texts of every batch, in order."""

    model_id = "fake:hash-bag-of-words"
    revision = "1"
    prompt_format = "bare"

    def __init__(self, dim: int = 32) -> None:
        # native_dim is per instance here: the fake has no fixed width
        self.native_dim = dim
        super().__init__(dim=None)
        self.calls: list[list[str]] = []
        self._lock = threading.Lock()

    def _embed_batch(self, texts: list[str], *, is_query: bool, instruction: str) -> np.ndarray:
        with self._lock:
            self.calls.append(list(texts))
        out = np.zeros((len(texts), self.native_dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                out[row] += _word_vector(word, self.native_dim)
            if not out[row].any():
                # empty text: a fixed direction rather than a zero vector
                out[row] = _word_vector("", self.native_dim)
        return out

    @property
    def embedded_texts(self) -> list[str]:
        """Every text embedded so far, flattened over calls."""
        return [text for call in self.calls for text in call]
