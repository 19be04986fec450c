"""Load a model once per process, on first use, whichever thread asks first.

Backends keep their heavy objects here, keyed by the options that change them, so two ``Embedder``
instances of the same model share one copy and constructing an ``Embedder`` stays cheap.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from codesearch.embedding.base import Embedder

log = logging.getLogger(__name__)

_models: dict[Hashable, Any] = {}
_locks: dict[Hashable, threading.Lock] = {}
_registry_lock = threading.Lock()


def load_once(key: Hashable, loader: Callable[[], Any]) -> Any:
    """The object ``loader()`` returns for ``key``, built at most once per process (thread-safe)."""
    model = _models.get(key)
    if model is not None:
        return model
    with _registry_lock:
        lock = _locks.setdefault(key, threading.Lock())
    # one lock per key: loading one model does not block using another
    with lock:
        model = _models.get(key)
        if model is None:
            log.info("loading %s", key)
            model = loader()
            _models[key] = model
    return model


def already_loaded(key: Hashable) -> Any | None:
    """What ``load_once`` holds for ``key``, or None when nothing has loaded it yet (never loads)."""
    return _models.get(key)


def forget(key: Hashable) -> None:
    """Drop a loaded model (tests; freeing GPU memory)."""
    with _registry_lock:
        _models.pop(key, None)


def blas_limiter() -> Any | None:
    """threadpoolctl's ``limit`` (``with limit(limits=1, user_api="blas"):`` caps BLAS threads for a call),
    or None where threadpoolctl is missing."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController().limit


def package_version(distribution: str) -> str:
    """The installed version of a distribution (part of a model's revision), or ``unknown``."""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


class LoadedOnceModel(Embedder):
    """An in-process CPU model held once per process (see ``load_once``), used under its own lock.

    Subclasses set ``distribution`` (whose version is the revision) and ``cache_key`` and implement
    ``_load_model(threads) -> (model, lock)``.
    """

    distribution: str = ""
    cache_key: str = ""

    def __init__(self, dim: int | None = None, *, threads: int | None = None) -> None:
        super().__init__(dim)
        self.threads = threads
        self.revision = package_version(self.distribution)

    def load(self) -> None:
        """Load the model now instead of on the first embed."""
        self._model()

    def _model(self) -> tuple[Any, threading.Lock]:
        key = (self.cache_key, self.threads)
        return load_once(key, lambda: self._load_model(self.threads))  # type: ignore[no-any-return]

    def _load_model(self, threads: int | None) -> tuple[Any, threading.Lock]:
        raise NotImplementedError
