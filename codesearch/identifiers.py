"""Identifiers split into words (``parseHTTPResponse_v2`` -> parse, http, response, v2): what the lexical
index, the query side and the text a model reads share. No imports: every layer may use it."""

from __future__ import annotations


def _camel_pieces(chunk: str) -> list[str]:
    """Split at lower->Upper, at the last capital of an acronym (``XMLHttp``) and at letter<->digit, in any
    script: ``str.isupper`` knows ö, Д and É where an ``[A-Z]``/``[a-z]`` regex cuts words apart."""
    pieces: list[str] = []
    start = 0
    for i in range(1, len(chunk)):
        prev, cur = chunk[i - 1], chunk[i]
        nxt = chunk[i + 1] if i + 1 < len(chunk) else ""
        if (
            prev.isdigit() != cur.isdigit()
            or (cur.isupper() and not prev.isupper() and not prev.isdigit())
            or (cur.isupper() and prev.isupper() and nxt.islower())
        ):
            pieces.append(chunk[start:i])
            start = i
    if chunk:
        pieces.append(chunk[start:])
    return pieces


def split_identifier(token: str) -> list[str]:
    """``parseHTTPResponse_v2`` -> ``["parse", "http", "response", "v2"]``; lower-cased parts."""
    parts: list[str] = []
    for chunk in token.split("_"):
        if not chunk:
            continue
        pieces = _camel_pieces(chunk)
        # keep letter+digit pieces together (utf8, sha256): merge a digit run into its predecessor
        merged: list[str] = []
        for piece in pieces:
            if piece.isdigit() and merged:
                merged[-1] += piece
            else:
                merged.append(piece)
        parts.extend(p.lower() for p in merged)
    return parts
