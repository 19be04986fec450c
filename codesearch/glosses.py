"""The English words of a dictionary's glosses ("to read (a book); CL:本" -> read, book): what every
translation dictionary (``codesearch.translate``, ``codesearch.freedict``) turns its senses into."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from indexer.lexical import QUERY_STOPWORDS

# glosses that are grammar, not meaning
_GLOSS_NOISE = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}|\bCL:.*|\bsee also\b.*|\bvariant of\b.*")
# words of a gloss that say nothing a search could use
GLOSS_STOPWORDS = frozenset({"to", "be", "one", "something", "someone", "etc", "sth", "sb", "oneself"})


def english_words(senses: Iterable[str]) -> tuple[str, ...]:
    """The distinct useful English words of ``senses``, in order."""
    seen: dict[str, None] = {}
    for sense in senses:
        for word in re.findall(r"[A-Za-z][A-Za-z-]+", _GLOSS_NOISE.sub(" ", sense)):
            lower = word.lower()
            if lower not in QUERY_STOPWORDS and lower not in GLOSS_STOPWORDS:
                seen.setdefault(lower, None)
    return tuple(seen)


@dataclass(frozen=True)
class WordGloss:
    """One word of a query and the English words a dictionary gives for it, best first (``()``: none)."""

    word: str
    english: tuple[str, ...]
