"""A query analysed once: its text, the kind of task it is, its lexical terms, and, when someone computed
them beforehand (the server's micro-batcher), its vector and its unfiltered dense ranking.

``Searcher.search`` takes a ``Query``; every stage reads what it needs from it instead of working it out
again (the identifier check and the query's terms were computed three and four times per query before).
"""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass

import numpy as np

from codesearch.errors import ConfigError
from codesearch.fusion import IDENTIFIER
from codesearch.terminal_text import not_utf8, replace_not_utf8
from codesearch.translate import lexical_terms, translate_query
from indexer.lexical import query_terms

Ranking = list[tuple[int, float]]
# add a dictionary's English terms to a Chinese or Japanese query's lexical terms (when one is installed)
TRANSLATE = True
# let an index's English-only model read such a query as the dictionary says it in English (``gloss``).
# Non-English MRR@10 (use+minilm-int8): dev 0.264 -> 0.309, held-out 0.297 -> 0.340, the fresh held-out set
# written to settle it 0.349 -> 0.372 (0.393 with fusion.TRANSLATED_WEIGHTS); hand-written test 0.385 ->
# 0.370. English queries are never translated, so never glossed: benchmarks/results/heldout2-2026-12-06.md
GLOSS = True
# what a query made of nothing else is empty: spaces, control and format characters (U+200B, a BOM, U+2060)
_INVISIBLE = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})


@dataclass(frozen=True)
class Query:
    """What a search asks: ``text`` (stripped), ``type`` (which task instruction embeds it), ``terms`` (its
    lexical terms), ``identifier`` (it is shaped like a name in code: exact names rank first)."""

    text: str
    type: str
    terms: tuple[str, ...]
    identifier: bool
    # the query's vector, embedded with the instruction of ``type`` (None: the searcher embeds it)
    vector: np.ndarray | None = None
    # its unfiltered dense ranking, ``dense_depth`` deep (None: the searcher scans the vectors itself)
    dense: Ranking | None = None
    dense_depth: int = 0
    # English terms the glossary or a dictionary gives for a query not in English (``codesearch.translate``):
    # the lexical side searches them beside ``terms``
    translated: tuple[str, ...] = ()
    # the query said in English, word by word, by that dictionary (``translate.gloss_text``): what an
    # English-only model of the index embeds in place of ``text`` ("": English, or no dictionary)
    gloss: str = ""
    # the query's words (lower case) the dictionary or the glossary gave English for; a Korean word's pieces
    # ("설정", "파일" of "설정파일을")
    translated_words: tuple[str, ...] = ()

    def with_vector(self, vector: np.ndarray | None, dense: Ranking | None = None, depth: int = 0) -> Query:
        """This query with its vector (and dense ranking ``depth`` deep) computed beforehand."""
        return dataclasses.replace(self, vector=vector, dense=dense, dense_depth=depth if dense else 0)


def _valid_text(text: str, query_type: str | None) -> str:
    """``text`` as UTF-8 text. A query typed with bytes that are not UTF-8 is refused, naming the byte; code
    (``similar``'s query, read from a file) keeps U+FFFD in their place."""
    where = not_utf8(text)
    if where is None:
        return text
    if query_type == "code":
        return replace_not_utf8(text)
    raise ConfigError(f"the query is not UTF-8 text ({where}): is the terminal set to UTF-8?")


def analyse_query(text: str, query_type: str | None = None) -> Query:
    """``text`` analysed: an identifier-shaped query is of type ``identifier``, anything else ``text``,
    unless ``query_type`` says (``code`` for ``similar``)."""
    text = text.strip()
    if all(unicodedata.category(c) in _INVISIBLE for c in text):
        raise ConfigError("the query is empty")
    text = _valid_text(text, query_type)
    identifier = bool(IDENTIFIER.match(text))
    query_type = query_type or ("identifier" if identifier else "text")
    translation = translate_query(text) if TRANSLATE and query_type == "text" else None
    translated = lexical_terms(text, translation.words) if translation else ()
    gloss = translation.gloss() if translation and GLOSS else ""
    words = (
        tuple(dict.fromkeys(w.word.lower() for w in translation.words if w.english)) if translation else ()
    )
    return Query(
        text,
        query_type,
        tuple(query_terms(text)),
        identifier,
        translated=translated,
        gloss=gloss,
        translated_words=words,
    )
