"""Token-budget batching: length-sorted inputs packed so that padded size stays under a budget.

Padding makes a batch cost ``longest × count`` tokens; sorting by length first keeps that close to the
real token count, and a fixed budget (rather than a fixed count) keeps GPU memory flat whether the
inputs are one-liners or 8k-token files. A batch also ends where an input is less than half its longest,
so no row is mostly padding, and no batch either (an 8k-token file does not drag 100 one-liners along).
"""

from __future__ import annotations

from collections.abc import Sequence

# a row shorter than this fraction of its batch's longest starts a new batch
MIN_FILL = 0.5


def pack_by_token_budget(lengths: Sequence[int], budget: int) -> list[list[int]]:
    """Index batches, longest first, each with ``max(length) * len(batch) <= budget``.

    Every row of a batch is at least half as long as the batch's longest, so real tokens are more than
    half of its padded size. A single input longer than the budget gets a batch of its own.
    """
    if budget < 1:
        raise ValueError(f"token budget must be positive, got {budget}")
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for i in order:
        # descending order: the batch's first item is its longest
        if current and (longest * (len(current) + 1) > budget or lengths[i] < MIN_FILL * longest):
            batches.append(current)
            current = []
        if not current:
            longest = lengths[i]
        current.append(i)
    if current:
        batches.append(current)
    return batches


def padding_fraction(lengths: Sequence[int], batch: Sequence[int]) -> float:
    """The share of a left-padded batch's tokens that are padding."""
    if not batch:
        return 0.0
    padded = max(lengths[i] for i in batch) * len(batch)
    return 1.0 - sum(lengths[i] for i in batch) / padded


def length_sorted_batches(texts: Sequence[str], size: int) -> list[list[int]]:
    """Indices of ``texts`` in batches of ``size``, by length: a batch is padded to its longest text, so
    texts of similar length go together."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    return [order[i : i + size] for i in range(0, len(order), size)]
