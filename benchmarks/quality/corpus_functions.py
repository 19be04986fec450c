"""Function definitions and their doc comments in corpus files, straight from tree-sitter grammars.

The benchmark's ground truth must not depend on the code it measures, so this module uses the grammar
wheels directly instead of `parsers/`. It finds function-like definitions (functions, methods,
constructors), their doc comment (Python docstring, or the comments right above), and byte ranges
that `blank_docs` can overwrite with spaces without moving any line.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import tree_sitter as ts

LANGUAGE_BY_EXTENSION: dict[str, str] = {
    ".py": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".tsx": "tsx", ".java": "java", ".go": "go", ".rs": "rust", ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".rb": "ruby", ".php": "php",
    ".lua": "lua",
}  # fmt: skip

# language -> (grammar module, attribute holding the language function)
_GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"), "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"), "java": ("tree_sitter_java", "language"),
    "go": ("tree_sitter_go", "language"), "rust": ("tree_sitter_rust", "language"),
    "c": ("tree_sitter_c", "language"), "cpp": ("tree_sitter_cpp", "language"),
    "ruby": ("tree_sitter_ruby", "language"), "php": ("tree_sitter_php", "language_php"),
    "lua": ("tree_sitter_lua", "language"),
}  # fmt: skip

_FUNCTION_TYPES = {
    "function_definition", "function_declaration", "method_definition", "generator_function_declaration",
    "method_declaration", "constructor_declaration", "function_item", "method", "singleton_method",
}  # fmt: skip
_FUNCTION_VALUES = {"arrow_function", "function_expression", "function", "generator_function"}
# wrappers whose leading comment documents the function inside them
_WRAPPERS = {
    "export_statement", "lexical_declaration", "variable_declaration", "template_declaration",
    "decorated_definition", "assignment_statement", "variable_list", "expression_list",
}  # fmt: skip
_SKIPPABLE_SIBLINGS = {"attribute_item", "decorator", "attribute_list"}
_COMMENT_TYPES = {"comment", "line_comment", "block_comment"}
_IDENTIFIERS = {
    "identifier", "field_identifier", "property_identifier", "name", "constant", "operator_name",
    "destructor_name", "type_identifier", "private_property_identifier",
}  # fmt: skip


@dataclass(frozen=True)
class FunctionDef:
    """One function-like definition: `start_line`/`end_line` are 1-based and inclusive."""

    name: str
    language: str
    start_line: int
    end_line: int
    doc: str
    doc_ranges: tuple[tuple[int, int], ...]  # byte ranges of the doc comment / docstring


def language_for(path: Path | str) -> str | None:
    """Programming language of a file by extension, or None when not benchmarked."""
    name = str(path)
    if name.endswith(".d.ts") or name.endswith(".min.js"):
        return None
    return LANGUAGE_BY_EXTENSION.get(Path(name).suffix)


@cache
def _parser(language: str) -> ts.Parser:
    module, attr = _GRAMMARS[language]
    return ts.Parser(ts.Language(getattr(importlib.import_module(module), attr)()))


def _name_of(node: ts.Node) -> str | None:
    """The definition's own name: the last identifier of its name/declarator chain."""
    target = node.child_by_field_name("name")
    if target is None and node.type == "function_definition":  # C / C++: follow the declarator chain
        target = node.child_by_field_name("declarator")
        while target is not None and target.type != "function_declarator":
            # reference_declarator has no `declarator` field: its declarator is its last named child
            inner = target.child_by_field_name("declarator")
            target = inner if inner is not None else (target.named_children or [None])[-1]
        target = target.child_by_field_name("declarator") if target is not None else None
    if target is None and node.type in _FUNCTION_VALUES:
        holder = node.parent
        if holder is not None and holder.type == "variable_declarator":
            target = holder.child_by_field_name("name")
        elif holder is not None and holder.type in ("pair", "assignment_expression", "expression_list"):
            target = holder.child_by_field_name("key") or holder.child_by_field_name("left")
            if holder.type == "expression_list" and holder.parent is not None:  # Lua: M.f = function
                names = holder.parent.child_by_field_name("variable_list") or holder.parent.named_children[0]
                target = names
    if target is None:
        return None
    if target.type in _IDENTIFIERS:
        return _text(target)
    names = [n for n in _walk(target) if n.type in _IDENTIFIERS]
    return _text(names[-1]) if names else None


def _walk(node: ts.Node) -> Iterator[ts.Node]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _text(node: ts.Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def _python_docstring(node: ts.Node) -> list[ts.Node]:
    body = node.child_by_field_name("body")
    if body is None or not body.named_children:
        return []
    first = body.named_children[0]
    if (
        first.type == "expression_statement"
        and first.named_children
        and first.named_children[0].type == "string"
    ):
        return [first.named_children[0]]
    return []


def _leading_comments(node: ts.Node) -> list[ts.Node]:
    """Comment siblings directly above the definition (or above the declaration that wraps it)."""
    anchor = node
    while anchor.parent is not None and anchor.parent.type in _WRAPPERS:
        anchor = anchor.parent
    if anchor.parent is not None and anchor.parent.type == "variable_declarator":
        anchor = anchor.parent.parent or anchor
    comments: list[ts.Node] = []
    line = anchor.start_point[0]
    sibling = anchor.prev_sibling
    while sibling is not None:
        if sibling.type in _SKIPPABLE_SIBLINGS:
            line = sibling.start_point[0]
        elif sibling.type in _COMMENT_TYPES and sibling.end_point[0] >= line - 1:
            comments.insert(0, sibling)
            line = sibling.start_point[0]
        else:
            break
        sibling = sibling.prev_sibling
    return comments


def _is_function(node: ts.Node) -> bool:
    if node.type in _FUNCTION_TYPES:
        return node.type != "function_definition" or node.child_by_field_name("body") is not None
    return (
        node.type in _FUNCTION_VALUES
        and node.parent is not None
        and (node.parent.type in ("variable_declarator", "pair", "assignment_expression", "expression_list"))
    )


def extract_functions(source: bytes, language: str) -> list[FunctionDef]:
    """All function-like definitions in one file's source, with their doc comments."""
    if language not in _GRAMMARS:
        return []
    tree = _parser(language).parse(source)
    found: list[FunctionDef] = []
    for node in _walk(tree.root_node):
        if not _is_function(node):
            continue
        name = _name_of(node)
        if not name:
            continue
        docs = _python_docstring(node) if language == "python" else _leading_comments(node)
        found.append(
            FunctionDef(
                name=name,
                language="typescript" if language == "tsx" else language,
                start_line=node.start_point[0] + 1,
                end_line=node.end_point[0] + 1,
                doc="\n".join(_text(d).rstrip("\r\n") for d in docs),
                doc_ranges=tuple((d.start_byte, d.end_byte) for d in docs),
            )
        )
    return found


_MARKERS = re.compile(
    r"^\s*(/\*\*+|/\*!?|\*+/|\*|///?!?|//!?|#+|--+(\[=*\[)?|\]=*\]|\"\"\"|'''|[rRbBuU]?\"\"\"|\"|')"
)


def clean_doc(raw: str) -> str:
    """Doc comment text without comment markers, tags (`@param`) or code fences."""
    lines: list[str] = []
    for line in raw.splitlines():
        text = line
        for _ in range(2):
            text = _MARKERS.sub("", text).strip()
        text = re.sub(r"(\*/|\"\"\"|''')\s*$", "", text).strip()
        if text.startswith(("@", ":param", ":return", ":raises", "Args:", "Returns:", "```")):
            break
        lines.append(text)
    return "\n".join(lines).strip()


def first_sentence(doc: str) -> str:
    """The first sentence (or paragraph head) of a cleaned doc comment, on one line."""
    paragraph = re.split(r"\n\s*\n", doc.strip(), maxsplit=1)[0]
    flat = " ".join(paragraph.split())
    match = re.search(r"(?<=[.!?。])\s", flat)
    sentence = flat[: match.start()] if match else flat
    return sentence.rstrip(".").strip()


def blank_ranges(source: bytes, ranges: list[tuple[int, int]], python: bool = False) -> bytes:
    """Overwrite byte ranges with spaces, keeping newlines (so line numbers and length stay the same).

    A Python docstring becomes `""` followed by spaces, so a body holding only a docstring stays valid.
    """
    out = bytearray(source)
    for start, end in ranges:
        for i in range(start, end):
            if out[i] not in (0x0A, 0x0D):
                out[i] = 0x20
        if python and end - start >= 2:
            out[start : start + 2] = b'""'
    return bytes(out)
