"""Which reranker runs: ``get_reranker(name, urls=..., model_path=..., device=...)``.

Names: ``http`` (a ``/v1/rerank`` server, SGLang), ``qwen3-0.6b``/``qwen3-4b``/``qwen3-8b`` (in-process
Qwen3-Reranker), ``auto`` (http when a URL is given; else in-process when a model path is given or a CUDA
GPU is there). On a CPU with neither, ``auto`` refuses with one line saying what to give: the 4B cross-
encoder over 30 hits takes tens of seconds per query on a CPU.

Like the embedders: the built-ins register through ``register_rerankers(register)``, and so does each
plugin that names a hook under the entry-point group ``codesearch.rerankers``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from codesearch.embedding.plugins import run_register_hooks
from codesearch.errors import ConfigError, RerankUnavailableError
from codesearch.rerank.base import Reranker

ENTRY_POINT_GROUP = "codesearch.rerankers"
SIZES = {"qwen3-0.6b": "0.6B", "qwen3-4b": "4B", "qwen3-8b": "8B"}


@dataclass(frozen=True)
class RerankerOptions:
    """What a user may say about a reranker; each factory uses the fields that apply to it."""

    urls: tuple[str, ...] = ()
    model_path: str | None = None
    device: str | None = None
    model: str | None = None  # the served model's name (http)


RerankerFactory = Callable[[RerankerOptions], Reranker]
_REGISTRY: dict[str, RerankerFactory] = {}
_hooks_run = False


def register(name: str, factory: RerankerFactory, *, replace: bool = False) -> None:
    """Make ``name`` selectable with ``--reranker name``; ``factory(options)`` must be cheap."""
    if not _hooks_run:  # the built-ins come first, whoever registers first
        _run_hooks()
    if name == "auto":
        raise ConfigError("'auto' is reserved for automatic reranker choice")
    if name in _REGISTRY and not replace:
        raise ConfigError(f"reranker {name!r} is already registered")
    _REGISTRY[name] = factory


def _http(options: RerankerOptions) -> Reranker:
    from codesearch.rerank.http import HttpReranker

    return HttpReranker(options.urls, options.model or "Qwen/Qwen3-Reranker-4B")


def _qwen3(size: str) -> RerankerFactory:
    def make(options: RerankerOptions) -> Reranker:
        from codesearch.rerank.qwen3 import Qwen3Reranker

        return Qwen3Reranker(
            f"Qwen/Qwen3-Reranker-{size}", model_path=options.model_path, device=options.device
        )

    return make


def register_rerankers(register: Callable[..., None]) -> None:
    """Register http and qwen3-0.6b/4b/8b."""
    register("http", _http)
    for name, size in SIZES.items():
        register(name, _qwen3(size))


def names() -> tuple[str, ...]:
    """Every selectable name, ``auto`` first."""
    if not _hooks_run:
        _run_hooks()
    return ("auto", *_REGISTRY)


def _run_hooks() -> None:
    global _hooks_run
    _hooks_run = True
    run_register_hooks(ENTRY_POINT_GROUP, register_rerankers, register)


def _cuda() -> bool:
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())


def get_reranker(
    name: str,
    *,
    urls: Sequence[str] | None = None,
    model_path: str | None = None,
    device: str | None = None,
    model: str | None = None,
) -> Reranker:
    """The reranker ``name`` calls for. Construction is cheap; weights load on the first ``score``."""
    options = RerankerOptions(tuple(urls or ()), model_path, device, model)
    known = names()
    if name not in known:
        raise ConfigError(f"unknown reranker {name!r}: one of {', '.join(known)}")
    if name == "auto":
        if options.urls:
            name = "http"
        elif model_path or (device or "").startswith("cuda") or (device is None and _cuda()):
            name = "qwen3-4b"
        else:
            raise RerankUnavailableError(
                "--rerank needs a rerank server (--reranker-url, e.g. SGLang serving Qwen/Qwen3-Reranker-4B) "
                "or a GPU; on a CPU give the weights explicitly with --reranker-model-path DIR"
            )
    return _REGISTRY[name](options)
