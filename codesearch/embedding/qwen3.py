"""Qwen3-Embedding in-process, through torch + transformers (extra ``local``).

The model's own recipe: documents bare, queries as ``Instruct: {task}\\nQuery:{query}`` (``prompts``),
``<|endoftext|>`` appended to every input (what Qwen3-Embedding's tokenizer post-processor does), left
padding, last-token pooling, L2 normalisation, Matryoshka truncation then re-normalisation.
Inputs are tokenised once, truncated to ``max_length``, and packed by a token budget over length-sorted
inputs (no batch mostly padding, ``batching``); batch j+1 is copied to the GPU (pinned memory, side stream)
while batch j computes, and batch j's vectors come back asynchronously, read only once batch j+1 is queued
(no host sync between batches); an out-of-memory batch halves the budget and is retried in pieces. bf16 with
FlashAttention-2 (when installed) or SDPA on CUDA, fp32 + SDPA on CPU. The fingerprint uses the model name and the
shared prompt format, so an index built here is served by SGLang running the same model, and back.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from codesearch.embedding._device import (
    BatchStager,
    StagedBatch,
    attention_implementation,
    out_of_memory_error,
)
from codesearch.embedding._loading import load_once
from codesearch.embedding.base import Embedder, ProgressCallback, l2_normalise
from codesearch.embedding.batching import pack_by_token_budget
from codesearch.embedding.prompts import QWEN3_PROMPT_FORMAT, qwen3_inputs
from codesearch.errors import ConfigError, EmbeddingUnavailableError

log = logging.getLogger(__name__)

# hub id -> native (hidden) size
QWEN3_MODELS = {
    "Qwen/Qwen3-Embedding-0.6B": 1024,
    "Qwen/Qwen3-Embedding-4B": 2560,
    "Qwen/Qwen3-Embedding-8B": 4096,
}
ENDOFTEXT = "<|endoftext|>"
INSTALL_HINT = "pip install 'codesearch[local]'"


@dataclass
class _Pooled:
    """One batch's vectors on their way to host memory; ``done`` is set once they are there (CUDA)."""

    host: Any
    done: Any


@dataclass
class _LoadedModel:
    torch: Any
    tokenizer: Any
    model: Any
    device: str
    eos_id: int
    pad_id: int
    stager: BatchStager
    # re-entrant: the out-of-memory fallback runs batches again under the same lock
    lock: threading.RLock


def weights_cached(repo_id: str) -> bool:
    """Whether ``repo_id``'s weights are in the local Hugging Face cache (no network)."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return False
    return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)


def _native_dim(model_name: str, model_path: str | None) -> int:
    if model_path and (Path(model_path) / "config.json").is_file():
        config = json.loads((Path(model_path) / "config.json").read_text(encoding="utf-8"))
        return int(config["hidden_size"])
    if model_name in QWEN3_MODELS:
        return QWEN3_MODELS[model_name]
    raise ConfigError(
        f"unknown Qwen3 model {model_name!r}: give --model-path to a directory with its config.json"
    )


def _dtype_kwarg(transformers: Any) -> str:
    # transformers renamed torch_dtype to dtype in 4.56
    major, minor = (int(part) for part in transformers.__version__.split(".")[:2])
    return "dtype" if (major, minor) >= (4, 56) else "torch_dtype"


def load_torch_model(
    name: str, source: str, device: str | None, local_only: bool, auto_class: str, attn: str | None = None
) -> tuple[Any, Any, str]:
    """``(tokenizer, model, device)``: bf16 on CUDA (FlashAttention-2 when installed, else SDPA), fp32 on
    CPU, left padding. Load failures become one ``EmbeddingUnavailableError`` line."""
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise EmbeddingUnavailableError(f"model {name} needs torch and transformers: {INSTALL_HINT}") from exc
    dev = device or ("cuda" if torch.cuda.is_available() else "cpu")
    dtype = torch.bfloat16 if dev.startswith("cuda") else torch.float32
    try:
        tokenizer: Any = transformers.AutoTokenizer.from_pretrained(
            source, padding_side="left", local_files_only=local_only
        )
        model: Any = getattr(transformers, auto_class).from_pretrained(
            source,
            attn_implementation=attention_implementation(dev, attn),
            local_files_only=local_only,
            **{_dtype_kwarg(transformers): dtype},
        )
    except OSError as exc:
        hint = f"run `hf download {source}` or pass --model-path DIR" if local_only else "check the path"
        raise EmbeddingUnavailableError(f"model {name}: no weights at {source} ({hint})") from exc
    except Exception as exc:  # a corrupt or incompatible checkpoint
        raise EmbeddingUnavailableError(f"model {name} failed to load from {source}: {exc}") from exc
    model.to(dev).eval()
    log.info("loaded %s from %s on %s (%s, %s)", name, source, dev, dtype, model.config._attn_implementation)
    return tokenizer, model, dev


def _load(name: str, source: str, device: str | None, local_only: bool, attn: str | None) -> _LoadedModel:
    import torch

    tokenizer, model, dev = load_torch_model(name, source, device, local_only, "AutoModel", attn)
    eos_id = tokenizer.convert_tokens_to_ids(ENDOFTEXT)
    if eos_id is None or eos_id == tokenizer.unk_token_id:
        eos_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos_id
    stager = BatchStager(torch, dev, int(pad_id))
    return _LoadedModel(torch, tokenizer, model, dev, int(eos_id), int(pad_id), stager, threading.RLock())


class Qwen3Embedder(Embedder):
    """Qwen3-Embedding (0.6B/4B/8B) in this process.

    ``model_name`` is the hub id, used for the fingerprint; ``model_path`` a local directory holding the
    weights instead of the hub cache. Nothing is loaded until the first embed or ``load()``.
    """

    prompt_format = QWEN3_PROMPT_FORMAT

    def __init__(
        self,
        model_name: str = "Qwen/Qwen3-Embedding-4B",
        *,
        model_path: str | None = None,
        dim: int | None = None,
        device: str | None = None,
        max_length: int = 8192,
        max_tokens_per_batch: int = 16384,
        revision: str = "",
        attn_implementation: str | None = None,
    ) -> None:
        self.model_id = model_name
        self.native_dim = _native_dim(model_name, model_path)
        super().__init__(dim)
        if max_length < 2:
            raise ConfigError(f"max_length must be at least 2 tokens, got {max_length}")
        self.model_path = model_path
        self.device = device
        self.max_length = max_length
        self.max_tokens_per_batch = max_tokens_per_batch
        # revision stays "" by default: SGLang cannot report one, and both backends must agree
        self.revision = revision
        # None: FlashAttention-2 on CUDA when installed, else SDPA
        self.attn_implementation = attn_implementation

    def load(self) -> None:
        """Load tokenizer and weights now instead of on the first embed."""
        self._loaded()

    def _loaded(self) -> _LoadedModel:
        source = self.model_path or self.model_id
        local_only = self.model_path is None
        key = ("qwen3", source, self.device, self.attn_implementation)
        return load_once(  # type: ignore[no-any-return]
            key, lambda: _load(self.model_id, source, self.device, local_only, self.attn_implementation)
        )

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """Model input ids: truncated to ``max_length`` with ``<|endoftext|>`` as the last token."""
        loaded = self._loaded()
        encoded = loaded.tokenizer(
            list(texts), add_special_tokens=False, truncation=True, max_length=self.max_length - 1
        )["input_ids"]
        return [[*ids, loaded.eos_id] for ids in encoded]

    def _batches(
        self, texts: Sequence[str], *, is_query: bool = False, instruction: str = ""
    ) -> list[list[int]]:
        inputs = qwen3_inputs(texts, is_query=is_query, instruction=instruction)
        lengths = [len(ids) for ids in self.token_ids(inputs)]
        return pack_by_token_budget(lengths, self.max_tokens_per_batch)

    def _embed(
        self, texts: Sequence[str], *, is_query: bool, instruction: str, progress: ProgressCallback | None
    ) -> np.ndarray:
        """Tokenise once, then run the token-budget batches through ``_pipeline``."""
        ids = self.token_ids(qwen3_inputs(texts, is_query=is_query, instruction=instruction))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for batch, vectors in self._pipeline(ids):
            out[batch] = l2_normalise(vectors[:, : self.dim])  # Matryoshka: truncate, then re-normalise
            if progress is not None:
                progress(len(batch))
        return out

    def _pipeline(self, ids: list[list[int]]) -> Iterator[tuple[list[int], np.ndarray]]:
        """Every batch with its vectors. While batch j computes, batch j+1 is padded and copied to the GPU,
        and batch j-1's vectors (copied back asynchronously) are handed out: the GPU never waits on the host.

        After an out-of-memory error the rest goes through ``_embed_ids``, which halves the budget.
        """
        loaded = self._loaded()
        oom = out_of_memory_error(loaded.torch)
        batches = pack_by_token_budget([len(x) for x in ids], self.max_tokens_per_batch)
        staged: StagedBatch | None = None
        pending: tuple[list[int], _Pooled] | None = None  # queued on the GPU, not read yet
        degraded = False
        with loaded.lock:
            for j, batch in enumerate(batches):
                rows = [ids[i] for i in batch]
                if not degraded:
                    try:
                        current = staged if staged is not None else loaded.stager.stage(rows)
                        staged = None
                        pooled = self._run(loaded, current)  # queued on the GPU; returns at once there
                        if j + 1 < len(batches):
                            staged = loaded.stager.stage([ids[i] for i in batches[j + 1]])
                    except oom:
                        staged, degraded = None, True
                if pending is not None:
                    yield pending[0], self._collect(pending[1])
                    pending = None
                if degraded:
                    yield batch, self._embed_ids(rows)
                else:
                    pending = (batch, pooled)
            if pending is not None:
                yield pending[0], self._collect(pending[1])

    def _embed_batch(self, texts: list[str], *, is_query: bool, instruction: str) -> np.ndarray:
        ids = self.token_ids(qwen3_inputs(texts, is_query=is_query, instruction=instruction))
        return self._embed_ids(ids)

    def _embed_ids(self, ids: list[list[int]]) -> np.ndarray:
        """Embed ``ids`` in batches of the current budget; out of memory halves it and splits the batch."""
        loaded = self._loaded()
        parts = pack_by_token_budget([len(x) for x in ids], self.max_tokens_per_batch)
        if len(parts) > 1:
            out = np.zeros((len(ids), self.native_dim), dtype=np.float32)
            for part in parts:
                out[part] = self._embed_ids([ids[i] for i in part])
            return out
        try:
            return self._forward(loaded, ids)
        except out_of_memory_error(loaded.torch):
            if loaded.device.startswith("cuda"):
                loaded.torch.cuda.empty_cache()
            padded = max(map(len, ids)) * len(ids)
            if len(ids) == 1:
                raise EmbeddingUnavailableError(
                    f"model {self.model_id}: out of GPU memory on one text of {padded} tokens; lower max_length"
                ) from None
            self.max_tokens_per_batch = max(1, min(self.max_tokens_per_batch, padded) // 2)
            log.warning(
                "out of GPU memory on %d padded tokens; token budget now %d",
                padded,
                self.max_tokens_per_batch,
            )
            half = len(ids) // 2
            return np.vstack([self._embed_ids(ids[:half]), self._embed_ids(ids[half:])])

    def _forward(self, loaded: _LoadedModel, ids: list[list[int]]) -> np.ndarray:
        """One batch, start to finish (no overlap)."""
        with loaded.lock:
            return self._collect(self._run(loaded, loaded.stager.stage(ids)))

    @staticmethod
    def _run(loaded: _LoadedModel, batch: StagedBatch) -> _Pooled:
        """Queue the forward pass and the copy of its L2-normalised last-token states to pinned host
        memory; returns at once on CUDA (``_collect`` waits)."""
        torch = loaded.torch
        batch = loaded.stager.wait(batch)
        with torch.inference_mode():
            hidden = loaded.model(
                input_ids=batch.input_ids,
                attention_mask=batch.attention_mask,
                position_ids=batch.position_ids,
            ).last_hidden_state[:, -1]
            pooled = torch.nn.functional.normalize(hidden.float(), p=2, dim=-1)
            if not pooled.is_cuda:
                return _Pooled(pooled, None)
            host = pooled.to("cpu", non_blocking=True)  # non_blocking to CPU: pinned memory
            done = torch.cuda.Event()
            done.record()
            return _Pooled(host, done)

    @staticmethod
    def _collect(pooled: _Pooled) -> np.ndarray:
        if pooled.done is not None:
            pooled.done.synchronize()  # this batch only: later batches stay queued
        return np.asarray(pooled.host.numpy(), dtype=np.float32)
