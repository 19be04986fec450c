"""Qwen3-Embedding in-process, through torch + transformers (extra ``local``).

The model's own recipe: documents bare, queries as ``Instruct: {task}\\nQuery:{query}`` (``prompts``),
``<|endoftext|>`` appended to every input (what Qwen3-Embedding's tokenizer post-processor does), left
padding, last-token pooling, L2 normalisation, Matryoshka truncation then re-normalisation (base class).
Batches are packed by a token budget over length-sorted inputs; an out-of-memory batch halves the budget
and is retried in pieces. bf16 + SDPA on CUDA, fp32 on CPU. The fingerprint uses the model name and the
shared prompt format, so an index built here is served by SGLang running the same model, and back.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from codesearch.embedding._loading import load_once
from codesearch.embedding.base import Embedder
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
class _LoadedModel:
    torch: Any
    tokenizer: Any
    model: Any
    device: str
    eos_id: int
    pad_id: int
    lock: threading.Lock


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


def _load(name: str, source: str, device: str | None, local_only: bool) -> _LoadedModel:
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
        model: Any = transformers.AutoModel.from_pretrained(
            source,
            attn_implementation="sdpa",
            local_files_only=local_only,
            **{_dtype_kwarg(transformers): dtype},
        )
    except OSError as exc:
        hint = f"run `hf download {source}` or pass --model-path DIR" if local_only else "check the path"
        raise EmbeddingUnavailableError(f"model {name}: no weights at {source} ({hint})") from exc
    except Exception as exc:  # a corrupt or incompatible checkpoint
        raise EmbeddingUnavailableError(f"model {name} failed to load from {source}: {exc}") from exc
    model.to(dev).eval()
    eos_id = tokenizer.convert_tokens_to_ids(ENDOFTEXT)
    if eos_id is None or eos_id == tokenizer.unk_token_id:
        eos_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos_id
    log.info("loaded %s from %s on %s (%s)", name, source, dev, dtype)
    return _LoadedModel(torch, tokenizer, model, dev, int(eos_id), int(pad_id), threading.Lock())


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

    def load(self) -> None:
        """Load tokenizer and weights now instead of on the first embed."""
        self._loaded()

    def _loaded(self) -> _LoadedModel:
        source = self.model_path or self.model_id
        local_only = self.model_path is None
        key = ("qwen3", source, self.device)
        return load_once(key, lambda: _load(self.model_id, source, self.device, local_only))  # type: ignore[no-any-return]

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

    def _embed_batch(self, texts: list[str], *, is_query: bool, instruction: str) -> np.ndarray:
        ids = self.token_ids(qwen3_inputs(texts, is_query=is_query, instruction=instruction))
        return self._embed_ids(ids)

    def _embed_ids(self, ids: list[list[int]]) -> np.ndarray:
        loaded = self._loaded()
        torch = loaded.torch
        oom = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)
        try:
            return self._forward(loaded, ids)
        except oom:
            if loaded.device.startswith("cuda"):
                torch.cuda.empty_cache()
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
            out = np.zeros((len(ids), self.native_dim), dtype=np.float32)
            for part in pack_by_token_budget([len(x) for x in ids], self.max_tokens_per_batch):
                if len(part) == len(ids):  # the budget still fits them all: split in two to make progress
                    part_a, part_b = part[: len(part) // 2], part[len(part) // 2 :]
                    out[part_a] = self._embed_ids([ids[i] for i in part_a])
                    out[part_b] = self._embed_ids([ids[i] for i in part_b])
                else:
                    out[part] = self._embed_ids([ids[i] for i in part])
            return out

    def _forward(self, loaded: _LoadedModel, ids: list[list[int]]) -> np.ndarray:
        torch = loaded.torch
        longest = max(map(len, ids))
        input_ids = torch.full((len(ids), longest), loaded.pad_id, dtype=torch.long)
        mask = torch.zeros((len(ids), longest), dtype=torch.long)
        for row, seq in enumerate(ids):
            # left padding: every sequence ends at the last column, so last-token pooling is [:, -1]
            input_ids[row, longest - len(seq) :] = torch.tensor(seq, dtype=torch.long)
            mask[row, longest - len(seq) :] = 1
        # positions count from each sequence's first real token, as when it is embedded alone (and by SGLang)
        positions = (mask.cumsum(dim=1) - 1).clamp(min=0)
        with loaded.lock, torch.inference_mode():
            hidden = loaded.model(
                input_ids=input_ids.to(loaded.device),
                attention_mask=mask.to(loaded.device),
                position_ids=positions.to(loaded.device),
            ).last_hidden_state[:, -1]
            vectors = torch.nn.functional.normalize(hidden.float(), p=2, dim=-1)
        return np.asarray(vectors.cpu().numpy(), dtype=np.float32)
