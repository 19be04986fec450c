"""The dev/test split of the query sets: tune on `dev`, report `test` beside it, never tune on `test`.

    python -m benchmarks.quality.split            # write the `split` field into handwritten.jsonl, csn.jsonl
    python -m benchmarks.quality.split --check    # fail when a record's split is missing or differs

Deterministic and stratified: the queries of each stratum (human language x programming language) are
ordered by a hash of their id and dealt alternately to dev and test, strata in sorted order, the dealing
carried on from one stratum to the next: every stratum is split in half to within one query, and the
whole set to within one. The split was frozen on
2026-12-06; `queries/heldout.jsonl`, `queries/heldout2.jsonl`, `queries/heldout3.jsonl`,
`queries/heldout4.jsonl`, `queries/heldout5.jsonl`, `queries/heldout6.jsonl`, `queries/heldout7.jsonl`,
`queries/heldout8.jsonl`, `queries/heldout9.jsonl`, `queries/heldout10.jsonl`, `queries/heldout11.jsonl`,
`queries/heldout12.jsonl`, `queries/heldout13.jsonl`, `queries/heldout14.jsonl`, `queries/heldout15.jsonl`,
`queries/heldout16.jsonl`, `queries/heldout17.jsonl`, `queries/heldout18.jsonl`, `queries/heldout19.jsonl`,
`queries/heldout20.jsonl`, `queries/heldout21.jsonl`, `queries/heldout22.jsonl`, `queries/heldout23.jsonl`,
`queries/heldout24.jsonl`, `queries/heldout25.jsonl`, `queries/heldout26.jsonl` and `queries/heldout27.jsonl` (written later, each over packages outside the rest of the
corpus) are all `test`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.paths import QUERIES

SPLIT_FILES = ("handwritten.jsonl", "csn.jsonl")
DEV, TEST = "dev", "test"


def _order_key(query_id: str) -> str:
    return hashlib.sha1(query_id.encode()).hexdigest()


def assign_splits(records: list[dict[str, Any]]) -> dict[str, str]:
    """Query id -> "dev" or "test", half of each (lang, code_lang) stratum each."""
    strata: dict[tuple[str, str], list[str]] = defaultdict(list)
    for record in records:
        strata[(record["lang"], record["code_lang"])].append(record["id"])
    splits: dict[str, str] = {}
    dealt = 0  # the dealing goes on across strata, so strata of one query alternate too
    for stratum in sorted(strata):
        for query_id in sorted(strata[stratum], key=_order_key):
            splits[query_id] = DEV if dealt % 2 == 0 else TEST
            dealt += 1
    return splits


def read_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_splits(path: Path) -> int:
    """Write each record's split into the file (field order kept, `split` after `code_lang`); return how
    many records changed."""
    records = read_records(path)
    splits = assign_splits(records)
    changed = 0
    lines: list[str] = []
    for record in records:
        wanted = splits[record["id"]]
        changed += record.get("split") != wanted
        record["split"] = wanted
        lines.append(json.dumps(record, ensure_ascii=False))
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return changed


def check_splits(path: Path) -> list[str]:
    """Ids whose `split` is missing or differs from the rule."""
    records = read_records(path)
    splits = assign_splits(records)
    return [r["id"] for r in records if r.get("split") != splits[r["id"]]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only check, write nothing")
    args = parser.parse_args(argv)
    failed = False
    for name in SPLIT_FILES:
        path = QUERIES / name
        if args.check:
            wrong = check_splits(path)
            failed |= bool(wrong)
            print(f"{name}: {len(wrong)} records off the split" + (f" (e.g. {wrong[:5]})" if wrong else ""))
        else:
            changed = write_splits(path)
            counts = defaultdict(int)
            for record in read_records(path):
                counts[record["split"]] += 1
            print(f"{name}: {changed} records changed; dev {counts[DEV]}, test {counts[TEST]}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
