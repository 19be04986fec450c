"""What gets embedded and indexed. The one place a ``Document``'s text is built.

A symbol becomes one document; a long symbol becomes windows (its signature repeated in each); a file with
no symbols (or no grammar), and long stretches of a file that no symbol covers, become windows of lines.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import PurePosixPath

from codesearch.document_head import head_line
from codesearch.identifiers import split_identifier
from codesearch.types import Document, Symbol
from indexer.lexical import lexical_text

# Container kinds: their members are documents of their own, so only their head is embedded.
CONTAINER_KINDS = frozenset({"class", "interface", "trait", "module", "struct", "enum"})
MAX_SYMBOL_LINES = 80  # longer symbols are windowed
WINDOW_LINES = 60
WINDOW_OVERLAP = 10
CONTAINER_HEAD_LINES = 30
MAX_TEXT_CHARS = 4000  # what the embedder is handed; models truncate anyway
MIN_GAP_LINES = 5  # uncovered stretches with fewer non-blank lines are not indexed on their own


def content_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def _path_words(path: str) -> str:
    parts = PurePosixPath(path).with_suffix("").parts
    return " ".join(w for part in parts for w in split_identifier(part))


def _embed_text(*, language: str, kind: str, qualified_name: str, signature: str, doc: str, code: str) -> str:
    # No path here: the embedding cache is keyed by this text, and a rename or a copy must not re-embed.
    pieces = [head_line(language, kind, qualified_name)]
    if doc:
        pieces.append(doc.strip())
    if signature and signature not in code[: len(signature) + 200]:
        pieces.append(signature)
    pieces.append(code)
    return "\n".join(pieces)[:MAX_TEXT_CHARS]


def embedding_text(
    *, language: str, kind: str, qualified_name: str, signature: str, doc: str, code: str
) -> str:
    """The text a stored document was embedded from, rebuilt from its fields (the English fill)."""
    return _embed_text(
        language=language, kind=kind, qualified_name=qualified_name, signature=signature, doc=doc, code=code
    )


def _lexical(*, qualified_name: str, path: str, signature: str, doc: str, code: str) -> str:
    # columns separated by a tab; the store splits them into FTS columns (name, path, doc, code)
    names = lexical_text(qualified_name)
    columns = [names, _path_words(path), lexical_text(doc), lexical_text(signature + "\n" + code)]
    # a tab inside a column (a file named "a\tb.py") would shift every column after it
    return "\t".join(column.replace("\t", " ") for column in columns)


def _make(
    repo: str,
    path: str,
    language: str,
    kind: str,
    name: str,
    qualified_name: str,
    signature: str,
    doc: str,
    code: str,
    start_line: int,
    end_line: int,
) -> Document:
    text = _embed_text(
        language=language, kind=kind, qualified_name=qualified_name, signature=signature, doc=doc, code=code
    )
    lexical = _lexical(qualified_name=qualified_name, path=path, signature=signature, doc=doc, code=code)
    return Document(
        repo=repo,
        path=path,
        language=language,
        kind=kind,
        name=name,
        qualified_name=qualified_name,
        signature=signature,
        doc=doc,
        code=code,
        start_line=start_line,
        end_line=end_line,
        text=text,
        lexical=lexical,
        content_hash=content_hash(text),
    )


def _windows(first: int, last: int) -> Iterable[tuple[int, int]]:
    """1-based inclusive line windows covering first..last."""
    start = first
    while True:
        end = min(start + WINDOW_LINES - 1, last)
        yield start, end
        if end >= last:
            return
        start = end + 1 - WINDOW_OVERLAP


def symbol_documents(sym: Symbol) -> list[Document]:
    """One document for a short symbol, windows for a long one, the head only for a container."""
    lines = sym.code.splitlines()
    base = (sym.repo, sym.path, sym.language, sym.kind, sym.name, sym.qualified_name, sym.signature)
    if sym.kind in CONTAINER_KINDS and len(lines) > CONTAINER_HEAD_LINES:
        head = "\n".join(lines[:CONTAINER_HEAD_LINES])
        return [_make(*base, sym.doc, head, sym.start_line, sym.end_line)]
    if len(lines) <= MAX_SYMBOL_LINES:
        return [_make(*base, sym.doc, sym.code, sym.start_line, sym.end_line)]
    docs = []
    for i, (lo, hi) in enumerate(_windows(1, len(lines))):
        chunk = "\n".join(lines[lo - 1 : hi])
        doc = sym.doc if i == 0 else ""
        docs.append(_make(*base, doc, chunk, sym.start_line + lo - 1, sym.start_line + hi - 1))
    return docs


def window_documents(
    repo: str, path: str, language: str, lines: list[str], first: int, last: int
) -> list[Document]:
    """Windows of lines first..last (1-based, inclusive) of a file, as ``window`` documents."""
    docs = []
    name = PurePosixPath(path).name
    for lo, hi in _windows(first, last):
        chunk = "\n".join(lines[lo - 1 : hi])
        if not chunk.strip():
            continue
        docs.append(_make(repo, path, language, "window", name, path, "", "", chunk, lo, hi))
    return docs


def _uncovered_ranges(symbols: list[Symbol], n_lines: int) -> list[tuple[int, int]]:
    covered = [False] * (n_lines + 2)
    for sym in symbols:
        for line in range(max(1, sym.start_line), min(n_lines, sym.end_line) + 1):
            covered[line] = True
    ranges, start = [], None
    for line in range(1, n_lines + 2):
        if line <= n_lines and not covered[line]:
            start = line if start is None else start
        elif start is not None:
            ranges.append((start, line - 1))
            start = None
    return ranges


def file_documents(repo: str, path: str, language: str, text: str, symbols: list[Symbol]) -> list[Document]:
    """All documents of one file: its symbols, plus windows over what no symbol covers."""
    lines = text.splitlines()
    docs: list[Document] = []
    for sym in symbols:
        docs.extend(symbol_documents(sym))
    # top-level code outside any symbol (scripts, config, prose) must still be findable; what a symbol covers
    # is not windowed again, whatever its name (Go's `T.method` and C++'s `Foo::bar` are top-level too)
    for lo, hi in _uncovered_ranges(symbols, len(lines)):
        non_blank = sum(1 for line in lines[lo - 1 : hi] if line.strip())
        if non_blank >= MIN_GAP_LINES:
            docs.extend(window_documents(repo, path, language, lines, lo, hi))
    if not docs and lines:  # a short file (a 4-line note, a 2-line query) is one window: none goes missing
        docs.extend(window_documents(repo, path, language, lines, 1, len(lines)))
    return docs
