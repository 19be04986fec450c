"""Scoring for the quality benchmark: the matching rule, MRR@10, Recall@1/5/10, and grouped summaries.

Pure functions over plain data, so they can be tested on a fake ranking without an index.
A hit matches a target when repo and path are equal and either the hit's name (or the last part of its
qualified name) equals the target's name, or the hit's line span contains one of the target's start lines.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

_QUALIFIER = re.compile(r"::|->|[.:#/\\]")


class HitLike(Protocol):
    """The fields of `codesearch.types.Hit` the matching rule reads."""

    repo: str
    path: str
    name: str
    qualified_name: str
    start_line: int
    end_line: int


@dataclass(frozen=True)
class Target:
    """One acceptable answer; `start_lines` are the definition lines of `name` in that file."""

    repo: str
    path: str
    name: str
    start_lines: tuple[int, ...] = ()


@dataclass
class QueryOutcome:
    """What one query got: the 1-based rank of its first correct hit (None when not in the top k)."""

    query_id: str
    query: str
    lang: str
    code_lang: str
    rank: int | None
    top: list[str] = field(default_factory=list)  # "repo/path::name" of the first hits
    style: str | None = None  # "natural" / "identifier" when the query record says
    split: str | None = None  # "dev" / "test" (benchmarks.quality.split) when the record says


def last_name_part(qualified_name: str) -> str:
    """`Class.method`, `pkg::f`, `List:append`, `Foo#bar` -> the last part."""
    parts = [p for p in _QUALIFIER.split(qualified_name) if p]
    return parts[-1] if parts else qualified_name


def hit_matches(hit: HitLike, target: Target) -> bool:
    """The benchmark's matching rule (see the module docstring)."""
    if hit.repo != target.repo or hit.path != target.path:
        return False
    if target.name in (hit.name, last_name_part(hit.qualified_name or "")):
        return True
    return any(hit.start_line <= line <= hit.end_line for line in target.start_lines)


def first_correct_rank(hits: Sequence[HitLike], targets: Sequence[Target], k: int = 10) -> int | None:
    """1-based rank of the first hit in the top k that matches any target, or None."""
    for position, hit in enumerate(hits[:k], start=1):
        if any(hit_matches(hit, target) for target in targets):
            return position
    return None


def reciprocal_rank(rank: int | None, k: int = 10) -> float:
    return 1.0 / rank if rank is not None and rank <= k else 0.0


def recall_at(rank: int | None, n: int) -> float:
    return 1.0 if rank is not None and rank <= n else 0.0


@dataclass(frozen=True)
class Metrics:
    count: int
    mrr10: float
    recall1: float
    recall5: float
    recall10: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "n": self.count,
            "mrr@10": self.mrr10,
            "recall@1": self.recall1,
            "recall@5": self.recall5,
            "recall@10": self.recall10,
        }


def metrics(ranks: Iterable[int | None]) -> Metrics:
    """MRR@10, Recall@1, Recall@5 and Recall@10 over a list of first-correct ranks."""
    ranks = list(ranks)
    if not ranks:
        return Metrics(0, 0.0, 0.0, 0.0, 0.0)
    n = len(ranks)
    return Metrics(
        n,
        sum(reciprocal_rank(r) for r in ranks) / n,
        sum(recall_at(r, 1) for r in ranks) / n,
        sum(recall_at(r, 5) for r in ranks) / n,
        sum(recall_at(r, 10) for r in ranks) / n,
    )


def grouped(outcomes: Sequence[QueryOutcome], key: str) -> dict[str, Metrics]:
    """Metrics per value of an outcome attribute (`lang`, `code_lang`, `style`), plus `all`.

    Outcomes whose attribute is None (e.g. no `style` in the record) are in `all` only."""
    groups: dict[str, list[int | None]] = defaultdict(list)
    for outcome in outcomes:
        value = getattr(outcome, key)
        if value is not None:
            groups[str(value)].append(outcome.rank)
    result = {name: metrics(ranks) for name, ranks in sorted(groups.items())}
    result["all"] = metrics(o.rank for o in outcomes)
    return result


def markdown_table(rows: Mapping[str, Mapping[str, Metrics]], columns: Sequence[str], value: str) -> str:
    """A Markdown table: one row per run (model/mode), one column per group, cells = one metric."""
    header = "| run | " + " | ".join(f"{c} (n={_count(rows, c)})" for c in columns) + " |"
    lines = [header, "|" + " --- |" * (len(columns) + 1)]
    for run, groups in rows.items():
        cells = [f"{getattr(groups[c], value):.3f}" if c in groups else "–" for c in columns]
        lines.append(f"| {run} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


METRIC_COLUMNS = (
    ("MRR@10", "mrr10"),
    ("Recall@1", "recall1"),
    ("Recall@5", "recall5"),
    ("Recall@10", "recall10"),
)


def metrics_table(rows: Mapping[str, Metrics], label: str = "run") -> str:
    """A Markdown table: one row per key (a run, or a run and group), columns n and every metric."""
    header = f"| {label} | n | " + " | ".join(title for title, _ in METRIC_COLUMNS) + " |"
    lines = [header, "|" + " --- |" * (len(METRIC_COLUMNS) + 2)]
    for key, m in rows.items():
        cells = [f"{getattr(m, attr):.3f}" for _, attr in METRIC_COLUMNS]
        lines.append(f"| {key} | {m.count} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def has_style(outcomes: Iterable[QueryOutcome]) -> bool:
    """Whether any outcome carries a query style (then a by-style table is worth printing)."""
    return any(o.style is not None for o in outcomes)


def has_split(outcomes: Iterable[QueryOutcome]) -> bool:
    """Whether any outcome carries a dev/test split (then every table is printed per split)."""
    return any(o.split is not None for o in outcomes)


def _count(rows: Mapping[str, Mapping[str, Metrics]], column: str) -> int:
    return max((groups[column].count for groups in rows.values() if column in groups), default=0)


def outcome_json(outcome: QueryOutcome) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": outcome.query_id,
        "query": outcome.query,
        "lang": outcome.lang,
        "code_lang": outcome.code_lang,
    }
    if outcome.style is not None:
        record["style"] = outcome.style
    if outcome.split is not None:
        record["split"] = outcome.split
    return record | {"rank": outcome.rank, "top3": outcome.top[:3]}
