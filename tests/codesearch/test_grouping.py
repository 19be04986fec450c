"""``group_hits``: one hit per function, whatever documents it has (a pure function of the ranked rows)."""

from __future__ import annotations

from typing import Any

from codesearch.grouping import group_hits
from codesearch.types import Hit


def _row(doc_id: int, path: str, name: str, **extra: Any) -> dict[str, Any]:
    row = {
        "id": doc_id, "repo": "r", "path": path, "qualified_name": name, "name": name.split(".")[-1],
        "kind": "function", "signature": f"def {name}()", "start_line": doc_id, "content_hash": f"h{doc_id}",
        "code": f"def {name}(): ...",
    }  # fmt: skip
    return row | extra


def _hit(row: dict[str, Any], rank: int, score: float) -> Hit:
    return Hit(
        rank=rank, score=score, doc_id=row["id"], repo=row["repo"], path=row["path"], abs_path=row["path"],
        language="python", kind=row["kind"], name=row["name"], qualified_name=row["qualified_name"],
        start_line=row["start_line"], end_line=row["start_line"], signature=row["signature"], snippet="",
    )  # fmt: skip


def _group(rows: list[dict[str, Any]], k: int = 10) -> list[Hit]:
    return group_hits([(row, 1.0 - i / 100) for i, row in enumerate(rows)], k, _hit)


def test_windows_of_one_symbol_collapse_into_its_best() -> None:
    hits = _group([_row(1, "a.py", "f"), _row(2, "a.py", "f"), _row(3, "a.py", "g")])
    assert [(h.doc_id, h.rank) for h in hits] == [(1, 1), (3, 2)]


def test_a_files_windows_stay_distinct_hits() -> None:
    windows = [_row(i, "notes.md", "notes.md", kind="window", signature="") for i in (1, 5)]
    assert [h.doc_id for h in _group(windows)] == [1, 5]


def test_overloads_and_copies_fold_into_the_first_as_also_at() -> None:
    rows = [
        _row(1, "a.py", "f"),
        _row(2, "a.py", "f", signature="def f(x)"),  # an overload
        _row(3, "vendor/a.py", "h", content_hash="h1"),  # the same code elsewhere
    ]
    hits = _group(rows)
    assert len(hits) == 1 and hits[0].also_at == ["r/a.py:2", "r/vendor/a.py:3"]


def test_code_takes_its_stubs_place_and_the_stub_folds_into_it() -> None:
    hits = _group([_row(1, "pkg/m.pyi", "post"), _row(2, "other.py", "x"), _row(3, "pkg/m.py", "post")])
    assert [(h.doc_id, h.rank) for h in hits] == [(3, 1), (2, 2)]
    assert hits[0].also_at == ["r/pkg/m.pyi:1"] and hits[0].score == hits[1].score + 0.01


def test_stops_reading_rows_at_k_hits() -> None:
    read: list[int] = []

    def rows() -> Any:
        for i in range(1, 100):
            read.append(i)
            yield _row(i, f"f{i}.py", "f"), 1.0

    assert len(group_hits(rows(), 3, _hit)) == 3 and read == [1, 2, 3]
