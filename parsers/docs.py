"""Turn raw doc comment and docstring text into clean prose: markers stripped, dedented, paragraphs kept."""

from __future__ import annotations

import re
import textwrap

# Openers and closers of block comments and string docs, longest first so `/**` wins over `/*`.
_BLOCK_PAIRS: tuple[tuple[str, str], ...] = (
    ('"""', '"""'), ("'''", "'''"), ("/**", "*/"), ("/*!", "*/"), ("/*", "*/"), ("(**", "*)"), ("(*", "*)"),
    ("{-|", "-}"), ("{- |", "-}"), ("{-", "-}"), ("--[[", "]]"), ("=begin", "=end"), ('"', '"'), ("'", "'"),
)  # fmt: skip
# Line comment markers, longest first; a Haskell `-- |` or `-- ^` marker counts as the marker.
_LINE_MARKER = re.compile(r"^\s*(?:///?!?|--+(?:\s?[|^])?|#+!?|;+) ?")
_STRING_PREFIX = re.compile(r"^[rRuUbBfF]{0,2}(?=['\"])")
_XML_WRAPPER = re.compile(r"</?summary>|</?remarks>|</?para>")
_BLOCK_STAR = re.compile(r"^\s*\*(?!\))\s?")


def clean_doc(raws: list[str]) -> str:
    """Join the raw texts of a doc (comment nodes or one string) into one clean string.

    A run of line comments becomes one paragraph block; block comments and strings lose their delimiters
    and leading ``*``; the result is dedented and stripped. Empty when nothing is left.
    """
    lines: list[str] = []
    for raw in raws:
        lines.extend(_strip_markers(raw.replace("\r\n", "\n")))
    text = textwrap.dedent("\n".join(line.rstrip() for line in lines))
    text = _XML_WRAPPER.sub("", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return textwrap.dedent(text).strip("\n").strip()


def _strip_markers(raw: str) -> list[str]:
    text = raw.strip()
    text = _STRING_PREFIX.sub("", text, count=1)
    for opener, closer in _BLOCK_PAIRS:
        if text.startswith(opener) and text.endswith(closer) and len(text) >= len(opener) + len(closer):
            body = text[len(opener) : len(text) - len(closer)]
            return _strip_block_body(body)
    return [_LINE_MARKER.sub("", line, count=1) for line in text.split("\n")]


def _strip_block_body(body: str) -> list[str]:
    lines = body.split("\n")
    first, rest = lines[0], lines[1:]
    # The first line shares the opener's line and so has no indentation of its own.
    rest = textwrap.dedent("\n".join(rest)).split("\n") if rest else []
    if rest and all(_BLOCK_STAR.match(line) or not line.strip() for line in rest):
        rest = [_BLOCK_STAR.sub("", line, count=1) for line in rest]
    return [first.strip(), *rest] if first.strip() else rest
