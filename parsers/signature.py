"""A definition's signature: its header from its start to its body, decorators and comments cut out."""

from __future__ import annotations

import re
from collections import deque

import tree_sitter

from parsers.languages import Syntax

_WHITESPACE = re.compile(r"\s+")
_MAX_SIGNATURE = 500
# How deep to look for a body node when the grammar has no `body` field.
_BODY_SEARCH_DEPTH = 3
_MAX_VISITS = 2000


def signature_of(
    node: tree_sitter.Node,
    name: tree_sitter.Node,
    body: tree_sitter.Node | None,
    syntax: Syntax,
    source: bytes,
) -> str:
    """The whitespace-collapsed header of definition ``node``: no body, no decorators, no comments.

    The body is the ``@body`` capture, else the nearest ``body`` field from the name up to the
    definition, else the first node of a body type; with none, the signature is the first line.
    """
    body = body or _find_body(node, name, syntax)
    end = body.start_byte if body is not None and body.start_byte > node.start_byte else None
    if end is None:
        text = source[node.start_byte : node.end_byte].split(b"\n", 1)[0]
        end = node.start_byte + len(text)
    cuts = _cut_ranges(node, end, syntax)
    pieces: list[bytes] = []
    position = node.start_byte
    for start, stop in cuts:
        pieces.append(source[max(position, node.start_byte) : start])
        position = max(position, stop)
    pieces.append(source[position:end])
    header = _WHITESPACE.sub(" ", b"".join(pieces).decode("utf-8", errors="replace")).strip()
    return _strip_trailers(header, syntax)[:_MAX_SIGNATURE]


def _find_body(node: tree_sitter.Node, name: tree_sitter.Node, syntax: Syntax) -> tree_sitter.Node | None:
    current: tree_sitter.Node | None = name
    while current is not None:
        found = current.child_by_field_name("body")
        if found is not None and found.start_byte >= name.end_byte:
            return found
        if current == node:
            break
        current = current.parent
    # Breadth first, so the definition's own body wins over bodies nested in its header.
    queue: deque[tuple[tree_sitter.Node, int]] = deque([(node, 0)])
    visits = 0
    while queue and visits < _MAX_VISITS:
        current_node, depth = queue.popleft()
        visits += 1
        for child in current_node.named_children:
            if child.start_byte < name.end_byte:
                continue
            if child.type in syntax.bodies:
                return child
            if depth + 1 < _BODY_SEARCH_DEPTH:
                queue.append((child, depth + 1))
    return None


def _cut_ranges(node: tree_sitter.Node, end: int, syntax: Syntax) -> list[tuple[int, int]]:
    """Byte ranges of decorators, annotations and comments inside the header, in order."""
    unwanted = syntax.skip_above | syntax.comments
    cuts: list[tuple[int, int]] = []
    stack = [node]
    visits = 0
    while stack and visits < _MAX_VISITS:
        current = stack.pop()
        visits += 1
        for child in reversed(current.children):
            if child.start_byte >= end:
                continue
            if child.type in unwanted:
                cuts.append((child.start_byte, min(child.end_byte, end)))
            elif child.child_count:
                stack.append(child)
    return sorted(cuts)


def _strip_trailers(header: str, syntax: Syntax) -> str:
    header = header.rstrip(" ;")
    for trailer in syntax.trailers:
        if header.endswith(trailer):
            cut = header[: -len(trailer)]
            if trailer.isalpha() and cut and not cut.endswith(" "):
                continue  # `undo` does not end with the keyword `do`
            return cut.rstrip()
    return header
