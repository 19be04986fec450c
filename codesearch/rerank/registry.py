"""Which reranker runs: ``get_reranker(name, urls=..., model_path=..., device=...)``.

Names: ``http`` (a ``/v1/rerank`` server, SGLang), ``qwen3-0.6b``/``qwen3-4b``/``qwen3-8b`` (in-process
Qwen3-Reranker), ``auto`` (http when a URL is given; else in-process when a model path is given or a CUDA
GPU is there). On a CPU with neither, ``auto`` refuses with one line saying what to give: the 4B cross-
encoder over 30 hits takes tens of seconds per query on a CPU.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence

from codesearch.errors import ConfigError, RerankUnavailableError
from codesearch.rerank.base import Reranker

SIZES = {"qwen3-0.6b": "0.6B", "qwen3-4b": "4B", "qwen3-8b": "8B"}
NAMES = ("auto", "http", *SIZES)


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
    urls = tuple(urls or ())
    if name not in NAMES:
        raise ConfigError(f"unknown reranker {name!r}: one of {', '.join(NAMES)}")
    if name == "auto":
        if urls:
            name = "http"
        elif model_path or (device or "").startswith("cuda") or (device is None and _cuda()):
            name = "qwen3-4b"
        else:
            raise RerankUnavailableError(
                "--rerank needs a rerank server (--reranker-url, e.g. SGLang serving Qwen/Qwen3-Reranker-4B) "
                "or a GPU; on a CPU give the weights explicitly with --reranker-model-path DIR"
            )
    if name == "http":
        from codesearch.rerank.http import HttpReranker

        return HttpReranker(urls, model or "Qwen/Qwen3-Reranker-4B")
    from codesearch.rerank.qwen3 import Qwen3Reranker

    return Qwen3Reranker(f"Qwen/Qwen3-Reranker-{SIZES[name]}", model_path=model_path, device=device)
