"""The preview of a hit: its code with its doc comment, syntax-highlighted, the match's lines marked."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text

from codesearch.assembly import read_hit_file
from codesearch.terminal_text import printable, printable_code
from codesearch.types import Hit

CONTEXT = 10  # lines of the file shown above the doc comment and below the symbol (scroll to see)
MAX_LINES = 200  # a huge symbol is cut: the preview is for reading, the editor for the rest
# rich lexer names where they differ from our language ids
LEXERS = {"csharp": "c#", "text": "text", "window": "text", "shell": "bash"}
# how lines of a doc comment above a definition start, in the languages we parse
_COMMENT_STARTS = ("//", "#", "/*", "*", "--", ";;", "(*", "@", "'''", '"""')


@dataclass(frozen=True)
class Excerpt:
    """Lines ``first``..``last`` (1-based, inclusive) of a hit's file: its code and the doc comment above."""

    code: str
    first: int
    last: int
    doc_first: int  # where the doc comment above the symbol starts (its start line when there is none)
    from_file: bool  # False: the file could not be read, this is the snippet stored in the index


def doc_comment_start(lines: list[str], start: int) -> int:
    """The first line (1-based) of the comment block and attributes directly above line ``start``."""
    line = start
    while line > 1:
        above = lines[line - 2].strip()
        if not above or not above.startswith(_COMMENT_STARTS):
            break
        line -= 1
    return line


def excerpt(hit: Hit) -> Excerpt:
    """The hit's code from its file (so the preview is what is on disk now), or its stored snippet."""
    text = read_hit_file(hit)
    lines = text.splitlines() if text is not None else []
    if len(lines) < hit.start_line:  # unreadable, deleted or shortened since it was indexed
        snippet = hit.snippet.splitlines() or [""]
        first = hit.snippet_start_line
        return Excerpt("\n".join(snippet), first, first + len(snippet) - 1, hit.start_line, from_file=False)
    doc = doc_comment_start(lines, hit.start_line)
    first = max(1, doc - CONTEXT)
    last = min(len(lines), hit.end_line + CONTEXT, first + MAX_LINES - 1)
    return Excerpt("\n".join(lines[first - 1 : last]), first, last, doc, from_file=True)


def header(hit: Hit) -> Text:
    """Who the hit is, where it lives, and why it matched."""
    text = Text()
    text.append(printable(hit.qualified_name), style="bold")
    where = printable(f"{hit.kind} · {hit.language} · {hit.repo}/{hit.path}")
    text.append(f"  {where}:{hit.start_line}-{hit.end_line}\n")
    why = []
    if hit.exact_name:
        why.append("exact name")
    if hit.matched_terms:
        why.append("words " + ", ".join(hit.matched_terms))
    if "dense" in hit.scores:
        why.append(f"dense {hit.scores['dense']:.3f}")
    text.append("why: " + (" · ".join(why) or "ranked by the fusion alone"), style="dim")
    if hit.also_at:
        more = " …" if len(hit.also_at) > 3 else ""
        text.append("\nalso at: " + printable(", ".join(hit.also_at[:3])) + more, style="dim")
    return text


def code(hit: Hit, shown: Excerpt) -> RenderableType:
    """The highlighted code with line numbers, the symbol's own lines marked."""
    syntax = Syntax(
        printable_code(shown.code),
        LEXERS.get(hit.language, hit.language),
        line_numbers=True,
        start_line=shown.first,
        highlight_lines=set(range(hit.start_line, min(hit.end_line, shown.last) + 1)),
        word_wrap=False,
        theme="monokai",
    )
    if shown.from_file:
        return syntax
    note = Text("(the file cannot be read here: this is the snippet stored in the index)", style="yellow")
    return Group(note, syntax)


def scroll_row(shown: Excerpt) -> int:
    """The row of the rendered code to scroll to: the doc comment's first line, one line of context above."""
    return max(0, shown.doc_first - shown.first - 1) if shown.from_file else 0
