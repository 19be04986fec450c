"""C and C++: conditional compilation that unbalances braces, masked before parsing.

A common pattern opens a brace in each branch of a conditional and closes it once after::

    #ifdef FIRST_MATCH
        if (a > b || (a == b && i > j)) {
    #else
        if (a > b) {
    #endif
            ...
        }

tree-sitter parses both branches as code, sees two opening braces and one closing one, and every definition
after that point lands inside the one before it (a 2,400-line header became one class holding all its other
classes). A compiler sees one branch. So does this pass, as ctags does: for a conditional whose branches do not
each balance their braces, the directive lines and every branch but one are blanked (spaces, newlines kept), so
byte offsets and line numbers stay those of the file. The branch kept is the first, or the first after an
``#if 0``. A conditional whose branches each balance (two definitions of one function for two platforms) is
left alone: both are parsed, and both are found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LANGUAGES = frozenset({"c", "cpp"})

_DIRECTIVE = re.compile(rb"^[ \t]*#[ \t]*(if|ifdef|ifndef|elif|elifdef|elifndef|else|endif)\b(.*)$")
_OPENERS = (b"if", b"ifdef", b"ifndef")
_ALTERNATIVES = (b"elif", b"elifdef", b"elifndef", b"else")
# what a brace count skips: comments and string and character literals (raw strings are rare in headers)
_NOT_CODE = re.compile(rb'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.DOTALL)
_IF_ZERO = re.compile(rb"^\s*0\s*(?:$|//|/\*)")


@dataclass
class _Group:
    """One conditional: the line numbers of its directives and of each branch's lines."""

    directives: list[int] = field(default_factory=list)
    branches: list[list[int]] = field(default_factory=list)
    dead_first: bool = False  # ``#if 0``: the first branch is never compiled


def masked(source: bytes) -> bytes:
    """``source`` with the conditionals that unbalance braces reduced to one branch (same length, same lines).
    Anything it cannot read as directives (an ``#endif`` without its ``#if``) is left as it is."""
    if b"#" not in source:
        return source
    lines = source.split(b"\n")
    logical = _logical_lines(lines)
    stack: list[_Group] = []
    blank: set[int] = set()
    # every line of a directive (``#define`` bodies open and close braces of their own): no brace count
    directives = {
        i for first, last in logical if lines[first].lstrip().startswith(b"#") for i in range(first, last + 1)
    }
    for first, last in logical:
        match = _DIRECTIVE.match(b" ".join(lines[first : last + 1]))
        span = range(first, last + 1)
        if match is None:
            if stack:
                stack[-1].branches[-1].extend(span)
            continue
        word, rest = match.group(1), match.group(2)
        if word in _OPENERS:
            if stack:
                stack[-1].branches[-1].extend(span)
            stack.append(_Group([*span], [[]], dead_first=word == b"if" and bool(_IF_ZERO.match(rest))))
        elif not stack:
            continue  # an #else or #endif without its #if: nothing to decide
        elif word in _ALTERNATIVES:
            stack[-1].directives.extend(span)
            stack[-1].branches.append([])
        else:  # endif
            group = stack.pop()
            group.directives.extend(span)
            dropped = _decide(group, lines, blank | directives)
            blank.update(dropped)
            if stack:  # the group's lines belong to the enclosing branch, as much as they are kept
                stack[-1].branches[-1].extend(i for i in _lines_of(group) if i not in dropped)
    if not blank:
        return source
    return b"\n".join(b" " * len(line) if i in blank else line for i, line in enumerate(lines))


def _decide(group: _Group, lines: list[bytes], uncounted: set[int]) -> set[int]:
    """The lines to blank for ``group``: none when every branch balances its braces (``uncounted`` lines
    aside: directives, and what an inner conditional blanked)."""
    if all(_brace_delta([lines[i] for i in branch if i not in uncounted]) == 0 for branch in group.branches):
        return set()
    keep = 0  # the first branch; after an ``#if 0`` the next one, or none when there is none
    if group.dead_first:
        keep = 1 if len(group.branches) > 1 else -1
    dropped = set(group.directives)
    for n, branch in enumerate(group.branches):
        if n != keep:
            dropped.update(branch)
    return dropped


def _lines_of(group: _Group) -> list[int]:
    return sorted([*group.directives, *(i for branch in group.branches for i in branch)])


def _brace_delta(lines: list[bytes]) -> int:
    code = _NOT_CODE.sub(b" ", b"\n".join(lines))
    return code.count(b"{") - code.count(b"}")


def _logical_lines(lines: list[bytes]) -> list[tuple[int, int]]:
    """(first, last) physical line of each logical line: a directive may go on after a trailing backslash."""
    out = []
    i = 0
    while i < len(lines):
        first = i
        directive = lines[first].lstrip().startswith(b"#")
        while directive and lines[i].rstrip(b"\r").endswith(b"\\") and i + 1 < len(lines):
            i += 1
        out.append((first, i))
        i += 1
    return out
