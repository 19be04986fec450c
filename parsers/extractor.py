"""The one generic extractor: source bytes + a language's query file -> ordered Symbols.

Capture names in ``queries/<lang>.scm`` carry all the meaning:
``@definition.<kind>`` on a definition node, ``@name`` on its name, optional ``@doc`` (a doc that is part
of the code, e.g. a Python docstring), ``@body`` (where the signature ends), ``@qualifier`` (a name that
qualifies this one: a Go receiver type, the ``Foo`` of C++ ``Foo::bar``), and ``@scope`` on a node that
qualifies the definitions inside it without being a symbol itself (a Rust ``impl`` block: its functions are
methods), ``@namespace`` on one that does the same but leaves its functions functions (a C++ namespace), and
``@documented`` on a definition that another pattern captures, to add only its ``@doc`` (Elixir ``@doc``).
When several patterns capture the same name, the widest definition node wins, and at equal width the
later pattern: query files put general patterns first and specific ones (Kotlin `interface`) after.
"""

from __future__ import annotations

import codecs
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import tree_sitter

from codesearch.types import SYMBOL_KINDS, Symbol
from parsers import grammars, preprocessor
from parsers.docs import clean_doc
from parsers.languages import SYNTAX, Syntax
from parsers.signature import signature_of

logger = logging.getLogger(__name__)

# Captures that qualify the definitions inside them without being symbols themselves.
_QUALIFIERS_ONLY = ("scope", "namespace")
# Kinds whose function members are methods.
_TYPE_KINDS = frozenset({"class", "interface", "struct", "enum", "trait", "scope"})
# Bounds that keep one absurd file from stalling an index run.
MAX_SYMBOLS = 20_000
# Definitions nested deeper than this are not symbols of their own: their code is inside their ancestors'
# documents already, and 700 nested defs would otherwise make ~700 documents each holding the rest.
MAX_NESTING = 12
DEFAULT_TIMEOUT_S = 5.0
_READ_CHUNK = 1 << 20
_QUERY_RANGE = 1 << 16


@dataclass
class _Definition:
    """One captured definition (or scope) before it becomes a Symbol."""

    node: tree_sitter.Node
    kind: str  # a SYMBOL_KINDS member, or one of _QUALIFIERS_ONLY
    pattern: int
    name_node: tree_sitter.Node
    docs: list[tree_sitter.Node] = field(default_factory=list)
    body: tree_sitter.Node | None = None
    qualifiers: list[tree_sitter.Node] = field(default_factory=list)

    @property
    def width(self) -> int:
        return self.node.end_byte - self.node.start_byte


def extract_symbols(
    source: bytes,
    language: str,
    *,
    path: str = "",
    repo: str = "",
    timeout_s: float = DEFAULT_TIMEOUT_S,
    cuts: Counter[str] | None = None,
) -> list[Symbol]:
    """Extract the definitions in ``source`` as Symbols ordered by start byte.

    Raises ValueError when ``language`` has no grammar. Never raises on bad input: syntax errors yield the
    symbols tree-sitter recovered, and a file that takes longer than ``timeout_s`` to parse or query
    yields what was found in time (possibly nothing). What the bounds left out is counted in ``cuts``
    (``symbols-over-limit``, ``symbols-nested-too-deep``, ``parse-timeout``), when given.
    """
    cuts = Counter() if cuts is None else cuts
    if not grammars.has_grammar(language):
        raise ValueError(f"no grammar for language {language!r}")
    source = bytes(source)
    deadline = time.monotonic() + timeout_s
    # C and C++ are parsed with the conditionals that unbalance braces reduced to one branch (same offsets)
    parsed = preprocessor.masked(source) if language in preprocessor.LANGUAGES else source
    # tree-sitter's query predicates decode the names they test: a byte that is not UTF-8 there raised, or
    # crashed the process; it is parsed as "?" (same offsets), and the symbols' text still comes from ``source``
    parsed = utf8_same_length(parsed)
    tree = _parse(parsed, language, deadline)
    if tree is None:
        cuts["parse-timeout"] += 1
        return []
    definitions = _collect(tree.root_node, language, deadline, cuts)
    return _to_symbols(definitions, source, language, path, repo, cuts)


def _question_marks(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    return "?" * (error.end - error.start), error.end


codecs.register_error("codesearch-same-length", _question_marks)


def utf8_same_length(data: bytes) -> bytes:
    """``data`` with every byte that is not part of valid UTF-8 replaced by ``?``: valid UTF-8 of the same
    length, so every offset into it is an offset into ``data``."""
    if data.isascii():  # most source files: no decoding
        return data
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="codesearch-same-length").encode("utf-8")


def _out_of_time(deadline: float) -> Callable[..., bool]:
    def check(*_: object) -> bool:
        return time.monotonic() > deadline

    return check


def _parse(source: bytes, language: str, deadline: float) -> tree_sitter.Tree | None:
    def read(offset: int, _point: tuple[int, int]) -> bytes:
        return source[offset : offset + _READ_CHUNK]

    parser = grammars.parser(language)
    try:
        # A read callback (not plain bytes) because only then does tree-sitter honour the progress callback.
        return parser.parse(read, progress_callback=_out_of_time(deadline))
    except ValueError:
        # A cancelled parse would otherwise be resumed by the next call, on the next file's bytes.
        parser.reset()
        logger.warning("parsing %s source of %d bytes gave up (timeout)", language, len(source))
        return None


def _collect(root: tree_sitter.Node, language: str, deadline: float, cuts: Counter[str]) -> list[_Definition]:
    """Run the query; one _Definition per name node (the widest definition node wins)."""
    by_name: dict[tuple[int, int], _Definition] = {}
    for pattern, captures in _matches(root, language, deadline):
        found = _definition_from(pattern, captures)
        if found is None:
            continue
        key = (found.name_node.start_byte, found.name_node.end_byte)
        known = by_name.get(key)
        if known is None:
            by_name[key] = found
            continue
        if found.kind == "documented":
            pass
        elif known.kind == "documented" or (found.width, found.pattern) > (known.width, known.pattern):
            known.node, known.kind, known.pattern = found.node, found.kind, found.pattern
        known.docs = known.docs or found.docs
        known.body = known.body or found.body
        known.qualifiers = known.qualifiers or found.qualifiers
        if len(by_name) >= MAX_SYMBOLS:
            cuts["symbols-over-limit"] += 1
            break
    found_all = [d for d in by_name.values() if d.kind != "documented"]
    return sorted(found_all, key=lambda d: (d.node.start_byte, -d.node.end_byte))


def _matches(
    root: tree_sitter.Node, language: str, deadline: float
) -> Iterator[tuple[int, dict[str, list[tree_sitter.Node]]]]:
    """Query matches, a byte range at a time so the deadline is checked between ranges.

    (The query cursor's own progress callback crashes tree-sitter 0.26's bindings, so it is not used.)
    A definition that straddles two ranges comes back twice; ``_collect`` keeps one.
    """
    cursor = tree_sitter.QueryCursor(grammars.query(language), match_limit=1 << 16)
    for start, end in _ranges(root):
        if time.monotonic() > deadline:
            logger.warning("query on %s source stopped at byte %d (timeout)", language, start)
            return
        cursor.set_byte_range(start, end)
        yield from cursor.matches(root)


def _ranges(root: tree_sitter.Node) -> Iterator[tuple[int, int]]:
    """Consecutive byte ranges of about _QUERY_RANGE bytes, cut between top-level children."""
    start = root.start_byte
    for child in root.children:
        if child.end_byte - start >= _QUERY_RANGE:
            yield start, child.end_byte
            start = child.end_byte
    if start < root.end_byte or start == root.start_byte:
        yield start, max(root.end_byte, start)


def _definition_from(pattern: int, captures: dict[str, list[tree_sitter.Node]]) -> _Definition | None:
    names = captures.get("name")
    if not names:
        return None
    for capture, nodes in captures.items():
        if capture in (*_QUALIFIERS_ONLY, "documented") or capture.startswith("definition."):
            kind = capture.removeprefix("definition.")
            if kind not in SYMBOL_KINDS and kind not in (*_QUALIFIERS_ONLY, "documented"):
                raise ValueError(f"query capture @{capture}: {kind!r} is not a symbol kind")
            bodies = captures.get("body")
            return _Definition(
                node=nodes[0],
                kind=kind,
                pattern=pattern,
                name_node=names[0],
                docs=list(captures.get("doc", [])),
                body=bodies[0] if bodies else None,
                qualifiers=list(captures.get("qualifier", [])),
            )
    return None


def _to_symbols(
    definitions: list[_Definition], source: bytes, language: str, path: str, repo: str, cuts: Counter[str]
) -> list[Symbol]:
    syntax = SYNTAX.get(language, Syntax())
    symbols: list[Symbol] = []
    # Enclosing definitions as (end byte, kind, qualified name, node); definitions arrive outermost first.
    stack: list[tuple[int, str, str, tree_sitter.Node]] = []
    previous: tree_sitter.Node | None = None
    for definition in definitions:
        node = definition.node
        while stack and stack[-1][0] <= node.start_byte:
            stack.pop()
        name = _text(source, definition.name_node)
        if _not_a_definition(definition, name, stack[-1] if stack else None, syntax):
            continue
        if len(stack) >= MAX_NESTING:
            cuts["symbols-nested-too-deep"] += 1
            continue
        prefix = [_text(source, q) for q in definition.qualifiers]
        qualified = ".".join([*([stack[-1][2]] if stack else []), *prefix, name])
        kind = definition.kind
        if kind == "function" and stack and stack[-1][1] in _TYPE_KINDS:
            kind = "method"
        stack.append((node.end_byte, kind, qualified, node))
        if kind in _QUALIFIERS_ONLY:
            continue
        last = symbols[-1] if symbols else None
        if (
            syntax.merge_clauses
            and last
            and previous
            and _same_function(last, previous, kind, qualified, node)
        ):
            # Another clause of the function before (Haskell equations, Elixir clauses): widen that one.
            symbols[-1] = _widen(last, node, source)
        else:
            symbols.append(_symbol(definition, kind, name, qualified, syntax, source, language, path, repo))
        previous = node
    return symbols


def _not_a_definition(
    definition: _Definition,
    name: str,
    enclosing: tuple[int, str, str, tree_sitter.Node] | None,
    syntax: Syntax,
) -> bool:
    """What the query matched but is no definition: one named by a keyword (error recovery's: a C++ ``catch``
    clause read as a function), macros aside; a prototype in the body of the function that encloses it, which
    is a local declaration (in C++ also a local variable built with arguments, ``Foo x(n);``).

    The function is the nearest enclosing definition the query captured, and the prototype must be in one of
    its blocks; being in some block is not enough: tree-sitter reads a class whose name follows an export macro
    (``class LLVM_ABI Module {``) as a function definition whose block is the class body. That pseudo-function
    has no parameter list, so the query does not capture it, and the member prototypes in it stay. Nor does a
    prototype in a function's definition but outside its body count: a line of macro calls
    (``DECLARE_ASN1_FUNCTIONS(X)``) reads as the head of an old-style function whose parameter declarations are
    the header's prototypes after it."""
    if definition.kind != "macro" and name in syntax.keywords:
        return True
    if enclosing is None or definition.node.type not in syntax.prototypes:
        return False
    _, kind, _, function = enclosing
    if kind not in ("function", "method") or function.type in syntax.prototypes:
        return False
    # down from the function to the prototype: a block on the way is the function's body, or in it
    node: tree_sitter.Node | None = function.child_with_descendant(definition.node)
    while node is not None and node != definition.node:
        if node.type in syntax.blocks:
            return True
        node = node.child_with_descendant(definition.node)
    return False


def _same_function(
    last: Symbol, previous: tree_sitter.Node, kind: str, qualified: str, node: tree_sitter.Node
) -> bool:
    return last.kind == kind and last.qualified_name == qualified and previous.parent == node.parent


def _widen(symbol: Symbol, node: tree_sitter.Node, source: bytes) -> Symbol:
    end_line = _end_line(node)
    return replace(
        symbol,
        code=source[symbol.start_byte : node.end_byte].decode("utf-8", errors="replace"),
        end_line=end_line,
        end_byte=node.end_byte,
    )


def _end_line(node: tree_sitter.Node) -> int:
    if node.end_point.column == 0 and node.end_point.row > node.start_point.row:
        return node.end_point.row  # the node ends with its newline: the last line is the one before
    return node.end_point.row + 1


def _symbol(
    definition: _Definition,
    kind: str,
    name: str,
    qualified: str,
    syntax: Syntax,
    source: bytes,
    language: str,
    path: str,
    repo: str,
) -> Symbol:
    node = definition.node
    doc_nodes = definition.docs or _comments_above(node, syntax)
    return Symbol(
        repo=repo,
        path=path,
        language=language,
        kind=kind,
        name=name,
        qualified_name=qualified,
        signature=signature_of(node, definition.name_node, definition.body, syntax, source),
        doc=clean_doc([_text(source, d) for d in doc_nodes]),
        code=_text(source, node),
        start_line=node.start_point.row + 1,
        end_line=_end_line(node),
        start_byte=node.start_byte,
        end_byte=node.end_byte,
    )


def _comments_above(node: tree_sitter.Node, syntax: Syntax) -> list[tree_sitter.Node]:
    """The run of comment nodes right above ``node`` (no blank line), skipping decorators and the like."""
    found: list[tree_sitter.Node] = []
    # Climb wrappers that open on the definition's line (`export function`, Go `type` specs).
    while (
        node.prev_named_sibling is None
        and node.parent is not None
        and node.parent.parent is not None
        and node.parent.start_point.row == node.start_point.row
    ):
        node = node.parent
    top_row = node.start_point.row
    sibling = node.prev_sibling
    while sibling is not None and len(found) < 1000:
        if sibling.end_point.row < top_row - 1:
            break  # a blank line (or more) in between
        if sibling.type in syntax.skip_above:
            top_row = sibling.start_point.row
        elif sibling.type in syntax.comments:
            before = sibling.prev_sibling
            if (
                before is not None
                and before.end_point.row == sibling.start_point.row
                and before.type not in syntax.comments
            ):
                break  # a trailing comment of the code before it
            found.append(sibling)
            top_row = sibling.start_point.row
        else:
            break
        sibling = sibling.prev_sibling
    found.reverse()
    return found


def _text(source: bytes, node: tree_sitter.Node) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")
