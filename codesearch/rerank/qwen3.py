"""Qwen3-Reranker in-process (torch + transformers): the model card's yes/no recipe.

The pair is written into the chat template the model was trained on, and the score is
``softmax([logit("no"), logit("yes")])[yes]`` at the last position, so 0..1, higher = more relevant.
Pairs are left-padded, packed by a token budget over length-sorted inputs, and staged on the GPU like the
embedder's (``embedding._device``). bf16 on CUDA, fp32 on CPU.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from codesearch.embedding._device import BatchStager, out_of_memory_error
from codesearch.embedding._loading import load_once
from codesearch.embedding.batching import pack_by_token_budget
from codesearch.errors import RerankUnavailableError
from codesearch.rerank.base import DEFAULT_RERANK_INSTRUCTION, Reranker

log = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "Judge whether the Document meets the requirements based on the Query and the Instruct provided. "
    'Note that the answer can only be "yes" or "no".'
)
PREFIX = f"<|im_start|>system\n{SYSTEM_PROMPT}<|im_end|>\n<|im_start|>user\n"
SUFFIX = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
QWEN3_RERANKERS = ("Qwen/Qwen3-Reranker-0.6B", "Qwen/Qwen3-Reranker-4B", "Qwen/Qwen3-Reranker-8B")


def format_pair(instruction: str, query: str, document: str) -> str:
    """The user turn of the model card's ``format_instruction``."""
    return f"<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}"


class Qwen3Reranker(Reranker):
    """Qwen3-Reranker (0.6B/4B/8B) in this process. Nothing is loaded until the first ``score``."""

    def __init__(
        self,
        model_name: str = "Qwen/Qwen3-Reranker-4B",
        *,
        model_path: str | None = None,
        device: str | None = None,
        max_length: int = 8192,
        max_tokens_per_batch: int = 32768,
    ) -> None:
        self.name = model_name
        self.model_path = model_path
        self.device = device
        self.max_length = max_length
        self.max_tokens_per_batch = max_tokens_per_batch

    def load(self) -> None:
        self._loaded()

    def _loaded(self) -> dict[str, Any]:
        source = self.model_path or self.name
        key = ("qwen3-reranker", source, self.device)
        return load_once(key, lambda: self._load(source))  # type: ignore[no-any-return]

    def _load(self, source: str) -> dict[str, Any]:
        from codesearch.embedding.qwen3 import load_torch_model

        try:
            tokenizer, model, device = load_torch_model(
                self.name, source, self.device, self.model_path is None, "AutoModelForCausalLM"
            )
        except Exception as exc:  # mapped once, here, to the reranker's error
            raise RerankUnavailableError(str(exc).replace("model ", "reranker ", 1)) from exc
        import torch

        encode = tokenizer.convert_tokens_to_ids
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else encode("<|endoftext|>")
        return {
            "torch": torch,
            "tokenizer": tokenizer,
            "model": model,
            "device": device,
            "yes": int(encode("yes")),
            "no": int(encode("no")),
            "prefix": tokenizer.encode(PREFIX, add_special_tokens=False),
            "suffix": tokenizer.encode(SUFFIX, add_special_tokens=False),
            "stager": BatchStager(torch, device, int(pad_id)),
            "lock": threading.Lock(),
        }

    def token_ids(self, query: str, documents: Sequence[str], instruction: str) -> list[list[int]]:
        """Prefix + the pair (truncated to fit ``max_length``) + suffix, as the model card builds them."""
        loaded = self._loaded()
        room = self.max_length - len(loaded["prefix"]) - len(loaded["suffix"])
        pairs = [format_pair(instruction, query, doc) for doc in documents]
        body = loaded["tokenizer"](pairs, add_special_tokens=False, truncation=True, max_length=room)
        return [loaded["prefix"] + ids + loaded["suffix"] for ids in body["input_ids"]]

    def score(self, query: str, documents: Sequence[str], *, instruction: str | None = None) -> list[float]:
        if not documents:
            return []
        loaded = self._loaded()
        ids = self.token_ids(query, documents, instruction or DEFAULT_RERANK_INSTRUCTION)
        scores = [0.0] * len(ids)
        batches = pack_by_token_budget([len(x) for x in ids], self.max_tokens_per_batch)
        with loaded["lock"]:
            for batch in batches:
                for i, value in zip(batch, self._score_ids(loaded, [ids[i] for i in batch]), strict=True):
                    scores[i] = value
        return scores

    def _score_ids(self, loaded: dict[str, Any], ids: list[list[int]]) -> list[float]:
        torch = loaded["torch"]
        try:
            batch = loaded["stager"].wait(loaded["stager"].stage(ids))
            with torch.inference_mode():
                logits = loaded["model"](
                    input_ids=batch.input_ids,
                    attention_mask=batch.attention_mask,
                    position_ids=batch.position_ids,
                    logits_to_keep=1,  # only the last position's logits: not 151k × every token
                ).logits[:, -1, :]
                pair = torch.stack([logits[:, loaded["no"]], logits[:, loaded["yes"]]], dim=1).float()
                yes = torch.nn.functional.log_softmax(pair, dim=1)[:, 1].exp()
            return [float(x) for x in yes.cpu().tolist()]
        except out_of_memory_error(torch):
            if len(ids) == 1:
                raise RerankUnavailableError(
                    f"reranker {self.name}: out of GPU memory on one pair of {len(ids[0])} tokens"
                ) from None
            if loaded["device"].startswith("cuda"):
                torch.cuda.empty_cache()
            log.warning("reranker out of GPU memory on %d pairs; splitting the batch", len(ids))
            half = len(ids) // 2
            return self._score_ids(loaded, ids[:half]) + self._score_ids(loaded, ids[half:])
