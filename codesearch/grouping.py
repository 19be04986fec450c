"""Grouping of ranked documents into hits: one hit per function, however many documents it has.

The windows of one symbol collapse into its best; overloads (same name, other signature) and copies of the
same code (vendored twice: same content hash) fold into the first as ``also_at``; a declaration (`.pyi`,
`.d.ts`) and the code it declares are one hit, at the code. A pure function of the ranked rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from codesearch.roles import DECLARATION, declaration_key, role
from codesearch.types import Hit

Row = Mapping[str, Any]
# (row, rank, score) -> the hit to show
MakeHit = Callable[[Row, int, float], Hit]


def group_hits(ranked_rows: Iterable[tuple[Row, float]], k: int, make_hit: MakeHit) -> list[Hit]:
    """The first ``k`` hits of ``ranked_rows`` ((row, score), best first), grouped. Rows are read lazily:
    the iteration stops once ``k`` hits are found."""
    hits: list[Hit] = []
    seen: set[tuple[str, ...]] = set()
    groups: dict[tuple[str, ...], Hit] = {}  # (repo, path, qualified name, kind, line) -> its first hit
    copies: dict[str, Hit] = {}  # content hash -> the first hit with that text
    # (repo, path without suffix, qualified name) -> the first hit, and whether it is a declaration
    declared: dict[tuple[str, str, str], tuple[Hit, bool]] = {}
    for row, score in ranked_rows:
        # a file's windows are distinct hits; the windows of one symbol (one signature) are one
        line = str(row["start_line"]) if row["kind"] == "window" else ""
        group = (row["repo"], row["path"], row["qualified_name"], row["kind"], line)
        key = (*group, row["signature"])
        if key in seen:
            continue
        seen.add(key)
        where = f"{row['repo']}/{row['path']}:{row['start_line']}"
        first = groups.get(group) or copies.get(row["content_hash"])
        twin = declaration_key(row["repo"], row["path"], row["qualified_name"])
        is_declaration = role(row["path"], row["kind"], row["name"], "{" not in row["code"]) == DECLARATION
        if first is None and twin in declared and (is_declaration or declared[twin][1]):
            first = declared[twin][0]  # a stub (`.pyi`, `.d.ts`) and the code it declares
            if not is_declaration:  # the code came second: it takes the stub's place, the stub folds
                stub = first
                hit = make_hit(row, stub.rank, stub.score)
                hit.also_at.extend([f"{stub.repo}/{stub.path}:{stub.start_line}", *stub.also_at])
                hits[stub.rank - 1] = hit
                groups.update({g: hit for g, value in groups.items() if value is stub})
                copies.update({c: hit for c, value in copies.items() if value is stub})
                groups[group] = copies[row["content_hash"]] = hit
                declared[twin] = (hit, False)
                continue
        if first is not None:  # an overload (same name, other signature) or a copy of the same code
            first.also_at.append(where)
            continue
        hits.append(make_hit(row, len(hits) + 1, score))
        groups[group] = copies[row["content_hash"]] = hits[-1]
        declared.setdefault(twin, (hits[-1], is_declaration))
        if len(hits) == k:
            break
    return hits
