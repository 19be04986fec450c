"""The first line of a document's embedded text: how it is written and how a small English model reads it.

Every document's text (``indexer.documents``) starts with one head line, ``{language} {kind} {qualified_name}
({name words})``, e.g. ``cpp method fasttext.Loss.sigmoid (fasttext loss sigmoid)``, then its doc comment and
code. A model that reads only the first 150 characters and knows English words, not code's (``minilm-int8``),
reads the head as the words of the last two parts of the name instead (``loss sigmoid``): the language, the
kind, a namespace and the name written twice took 30-70 of its characters. Measured in
benchmarks/results/english-view-2026-12-07.md (``benchmarks/tuning/english_view.py``).
"""

from __future__ import annotations

import re

from codesearch.identifiers import split_identifier

_HEAD = re.compile(r"^(\S+) (\S+) (.+?) \((.*)\)$")
# where a qualified name is cut into parts: `pkg.Class.method`, `ns::f`, `Foo#bar`, a window's path
_PARTS = re.compile(r"\.|::|#|/")


def head_line(language: str, kind: str, qualified_name: str) -> str:
    """The head line of a document's text."""
    name_words = " ".join(split_identifier(qualified_name.replace(".", "_")))
    return f"{language} {kind} {qualified_name} ({name_words})"


def head_as_words(text: str) -> str:
    """``text`` with its head line read as the words of the last two parts of the qualified name; a text
    with no such head, as it is."""
    head, _, rest = text.partition("\n")
    m = _HEAD.match(head)
    if not m:
        return text
    parts = [p for p in _PARTS.split(m.group(3)) if p][-2:]
    words = " ".join(w for p in parts for w in split_identifier(p))
    return f"{words}\n{rest}" if rest else words
