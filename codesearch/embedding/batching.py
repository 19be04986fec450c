"""Token-budget batching: length-sorted inputs packed so that padded size stays under a budget.

Padding makes a batch cost ``longest × count`` tokens; sorting by length first keeps that close to the
real token count, and a fixed budget (rather than a fixed count) keeps GPU memory flat whether the
inputs are one-liners or 8k-token files.
"""

from __future__ import annotations

from collections.abc import Sequence


def pack_by_token_budget(lengths: Sequence[int], budget: int) -> list[list[int]]:
    """Index batches, longest first, each with ``max(length) * len(batch) <= budget``.

    A single input longer than the budget gets a batch of its own (it cannot be split).
    """
    if budget < 1:
        raise ValueError(f"token budget must be positive, got {budget}")
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for i in order:
        # descending order: the batch's first item is its longest
        width = longest if current else lengths[i]
        if current and width * (len(current) + 1) > budget:
            batches.append(current)
            current, width = [], lengths[i]
        current.append(i)
        longest = width
    if current:
        batches.append(current)
    return batches
