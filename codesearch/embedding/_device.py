"""Torch device plumbing shared by the in-process Qwen3 models (embedding and reranking).

- ``attention_implementation``: FlashAttention-2 on CUDA when ``flash_attn`` is installed, else SDPA.
- ``BatchStager``: left-pads token ids into pinned host tensors and copies them to the GPU with
  ``non_blocking=True`` on a side CUDA stream, so the next batch's copy overlaps this batch's compute.
  On CPU it only pads (no pinning, no streams), so the same code path runs in CI.
- ``out_of_memory_error``: the exception type torch raises when the GPU is full.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


def attention_implementation(device: str, requested: str | None = None) -> str:
    """The ``attn_implementation`` to load with: the requested one, else the fastest available."""
    if requested:
        return requested
    if device.startswith("cuda") and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"
    return "sdpa"


def out_of_memory_error(torch: Any) -> type[BaseException]:
    return getattr(torch, "OutOfMemoryError", None) or torch.cuda.OutOfMemoryError  # type: ignore[no-any-return]


@dataclass
class StagedBatch:
    """One left-padded batch, on its way to (or already on) the model's device."""

    input_ids: Any
    attention_mask: Any
    position_ids: Any
    # recorded on the copy stream; the compute stream waits on it (None on CPU)
    ready: Any = None


class BatchStager:
    """Pads id lists into tensors and moves them to ``device``, asynchronously on CUDA."""

    def __init__(self, torch: Any, device: str, pad_id: int) -> None:
        self.torch = torch
        self.device = device
        self.pad_id = pad_id
        self.cuda = device.startswith("cuda") and torch.cuda.is_available()
        self._copy_stream = torch.cuda.Stream(device=device) if self.cuda else None

    def pad(self, ids: Sequence[Sequence[int]]) -> StagedBatch:
        """Left padding: every row ends at the last column (last-token pooling is ``[:, -1]``); positions
        count from each row's first real token, as when it is run alone (and by SGLang)."""
        torch = self.torch
        longest = max(map(len, ids))
        input_ids = torch.full((len(ids), longest), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(ids), longest), dtype=torch.long)
        for row, seq in enumerate(ids):
            input_ids[row, longest - len(seq) :] = torch.tensor(seq, dtype=torch.long)
            mask[row, longest - len(seq) :] = 1
        positions = (mask.cumsum(dim=1) - 1).clamp(min=0)
        return StagedBatch(input_ids, mask, positions)

    def stage(self, ids: Sequence[Sequence[int]]) -> StagedBatch:
        """Pad ``ids`` and start copying them to the device; returns at once on CUDA."""
        batch = self.pad(ids)
        if not self.cuda:
            if self.device != "cpu":
                ids, mask, positions = (t.to(self.device) for t in self._tensors(batch))
                batch = StagedBatch(ids, mask, positions)
            return batch
        torch = self.torch
        pinned = [t.pin_memory() for t in self._tensors(batch)]
        with torch.cuda.stream(self._copy_stream):
            moved = [t.to(self.device, non_blocking=True) for t in pinned]
            ready = torch.cuda.Event()
            ready.record(self._copy_stream)
        return StagedBatch(moved[0], moved[1], moved[2], ready)

    def wait(self, batch: StagedBatch) -> StagedBatch:
        """Make the current (compute) stream wait for ``batch``'s copy; call before using it."""
        if batch.ready is not None:
            stream = self.torch.cuda.current_stream(self.device)
            stream.wait_event(batch.ready)
            for tensor in self._tensors(batch):
                # the caching allocator must not reuse these blocks while the compute stream reads them
                tensor.record_stream(stream)
        return batch

    @staticmethod
    def _tensors(batch: StagedBatch) -> tuple[Any, Any, Any]:
        return batch.input_ids, batch.attention_mask, batch.position_ids
