"""The data model shared by every part of codesearch. Frozen dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Kinds a symbol can have. Query files may only use these (the extractor checks).
SYMBOL_KINDS = (
    "function",
    "method",
    "class",
    "interface",
    "struct",
    "enum",
    "trait",
    "module",
    "type",
    "macro",
    "window",  # a window of lines from a file (or a long symbol) with no finer structure
)


@dataclass(frozen=True)
class Symbol:
    """One definition extracted from a source file.

    Lines are 1-based and inclusive; bytes are 0-based, end exclusive, offsets into the file's bytes.
    ``qualified_name`` joins the enclosing definitions with ``.`` (``Class.method``, ``module.func``).
    ``doc`` is the doc comment with comment markers stripped (``""`` when there is none).
    """

    repo: str
    path: str
    language: str
    kind: str
    name: str
    qualified_name: str
    signature: str
    doc: str
    code: str
    start_line: int
    end_line: int
    start_byte: int
    end_byte: int


@dataclass(frozen=True)
class Document:
    """What gets embedded and indexed: a symbol, one window of a long symbol, or a window of a file.

    ``text`` is the exact string handed to the embedder and ``lexical`` the string handed to the lexical
    index; both are built by ``indexer.documents`` only. ``content_hash`` is the hash of ``text`` alone (no
    path in it), and keys the embedding cache: a renamed or copied symbol is never embedded again.
    """

    repo: str
    path: str
    language: str
    kind: str
    name: str
    qualified_name: str
    signature: str
    doc: str
    code: str
    start_line: int
    end_line: int
    text: str
    lexical: str
    content_hash: str


@dataclass(frozen=True)
class DocumentFacts:
    """What the role priors read of a document (``codesearch.roles``): its repo (an id or a name), path,
    kind, name, qualified name, and whether its code has no body (a C/C++ prototype when it is a function)."""

    repo: str
    path: str
    kind: str
    name: str
    qualified_name: str
    bodiless: bool = False

    @property
    def twin(self) -> tuple[str, str, str]:
        return (self.repo, self.path, self.qualified_name)


@dataclass(frozen=True)
class Hit:
    """A search result: a document with its scores and rank, ready to print."""

    rank: int
    score: float
    doc_id: int
    repo: str
    path: str
    abs_path: str
    language: str
    kind: str
    name: str
    qualified_name: str
    start_line: int
    end_line: int
    signature: str
    snippet: str
    scores: dict[str, float] = field(default_factory=dict)
    # why it matched: the query's words found in it (lexically), and whether its name is the query
    matched_terms: tuple[str, ...] = ()
    exact_name: bool = False
    # other places with the same function: overloads, and copies of the same code (vendored twice)
    also_at: list[str] = field(default_factory=list)
    # the file line the snippet starts at, when it is not the hit's first line (a window's matched lines)
    snippet_line: int | None = None

    @property
    def snippet_start_line(self) -> int:
        return self.snippet_line if self.snippet_line is not None else self.start_line

    def why(self) -> dict[str, object]:
        """Why this hit matched: the dense score (when there is one), the words matched, exact name."""
        out: dict[str, object] = {"matched_terms": list(self.matched_terms), "exact_name": self.exact_name}
        if "dense" in self.scores:
            out["dense_score"] = self.scores["dense"]
        return out

    def to_json(self, explain: bool = False) -> dict[str, object]:
        """The hit as DESIGN.md's ``search --json`` object (plus ``why`` and ``also_at`` when ``explain``)."""
        extra: dict[str, object] = {"why": self.why(), "also_at": list(self.also_at)} if explain else {}
        return {**{name: getattr(self, name) for name in HIT_JSON_FIELDS}, **extra}


# the fields of a hit's ``search --json`` object, in order: the one wire format of a hit (the CLI's JSON,
# the HTTP API's ``HitBody``, the TUI's server mode); ``why`` and ``also_at`` come with ``explain``
HIT_JSON_FIELDS = (
    "rank",
    "score",
    "repo",
    "path",
    "abs_path",
    "language",
    "kind",
    "name",
    "qualified_name",
    "start_line",
    "end_line",
    "signature",
    "snippet",
)


def hit_from_json(obj: dict[str, Any]) -> Hit:
    """A ``Hit`` from its ``search --json`` object (with ``explain``: ``why`` and ``also_at``)."""
    why = obj.get("why") or {}
    return Hit(
        doc_id=0,  # not in the JSON; a reader of the JSON never needs it
        **{name: obj[name] for name in HIT_JSON_FIELDS},
        scores={"dense": why["dense_score"]} if "dense_score" in why else {},
        matched_terms=tuple(why.get("matched_terms", ())),
        exact_name=bool(why.get("exact_name", False)),
        also_at=list(obj.get("also_at", [])),
    )


@dataclass(frozen=True)
class SearchResult:
    """One query's ranked hits, from the in-process searcher or a running ``codesearch serve``."""

    query: str
    hits: list[Hit]
    took_ms: float

    def to_json(self, explain: bool = False) -> dict[str, Any]:
        """Exactly DESIGN.md's ``search --json`` object (each hit with a ``why`` when ``explain``)."""
        return {
            "query": self.query,
            "took_ms": round(self.took_ms, 3),
            "hits": [h.to_json(explain) for h in self.hits],
        }
