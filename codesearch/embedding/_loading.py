"""Load a model once per process, on first use, whichever thread asks first.

Backends keep their heavy objects here, keyed by the options that change them, so two ``Embedder``
instances of the same model share one copy and constructing an ``Embedder`` stays cheap.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from typing import Any

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


def forget(key: Hashable) -> None:
    """Drop a loaded model (tests; freeing GPU memory)."""
    with _registry_lock:
        _models.pop(key, None)
