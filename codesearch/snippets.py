"""A hit's preview: the lines of a document that show why it matched.

A symbol's preview is its head (the signature says what it is). A window of lines outside any symbol has no
head worth showing, so its preview is the run of lines where the query's words are found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from indexer.lexical import terms_in

SNIPPET_LINES = 12


@dataclass(frozen=True)
class Snippet:
    """Preview text and the 1-based file line it starts at (print line numbers from there)."""

    text: str
    start_line: int


def preview(code: str, start_line: int, terms: Sequence[str], max_lines: int = SNIPPET_LINES) -> Snippet:
    """Up to ``max_lines`` lines of ``code`` (which starts at file line ``start_line``).

    The head, when it holds a query term or when no line does; otherwise the block of ``max_lines`` lines
    that holds the most distinct terms (then the most matching lines, then the earliest), with its matching
    lines centred where they fit.
    """
    lines = code.splitlines()
    if len(lines) <= max_lines or not terms:
        return Snippet("\n".join(lines[:max_lines]), start_line)
    found = [terms_in(line, terms) if line.strip() else set() for line in lines]
    if not any(found) or any(found[:max_lines]):
        return Snippet("\n".join(lines[:max_lines]), start_line)
    first = _best_block(found, max_lines)
    matched = [i for i in range(first, first + max_lines) if found[i]]
    middle = (matched[0] + matched[-1]) // 2
    first = middle - max_lines // 2
    first = min(first, matched[0])
    first = max(first, matched[-1] - max_lines + 1, 0)
    first = min(first, len(lines) - max_lines)
    return Snippet("\n".join(lines[first : first + max_lines]), start_line + first)


def _best_block(found: list[set[str]], size: int) -> int:
    """The first index of the ``size``-line block with the most distinct terms, then most matching lines."""
    best, best_key = 0, (-1, -1)
    for first in range(len(found) - size + 1):
        block = found[first : first + size]
        key = (len(set().union(*block)), sum(1 for terms in block if terms))
        if key > best_key:
            best, best_key = first, key
    return best
