"""The dev/test split of the benchmark's query sets: stratified, deterministic, and frozen in the files."""

from __future__ import annotations

from collections import Counter

from benchmarks.paths import QUERIES
from benchmarks.quality.run import split_rows
from benchmarks.quality.scoring import QueryOutcome
from benchmarks.quality.split import DEV, SPLIT_FILES, TEST, assign_splits, check_splits, read_records


def _records(strata: dict[tuple[str, str], int]) -> list[dict[str, str]]:
    return [
        {"id": f"{lang}-{code}-{i}", "lang": lang, "code_lang": code}
        for (lang, code), n in strata.items()
        for i in range(n)
    ]


def test_every_stratum_is_halved_to_within_one_and_so_is_the_whole_set() -> None:
    records = _records({("en", "c"): 7, ("zh", "c"): 1, ("zh", "go"): 1, ("de", "rust"): 4, ("ja", "go"): 3})
    splits = assign_splits(records)
    per_stratum: dict[tuple[str, str], Counter[str]] = {}
    for record in records:
        per_stratum.setdefault((record["lang"], record["code_lang"]), Counter())[splits[record["id"]]] += 1
    for counts in per_stratum.values():
        assert abs(counts[DEV] - counts[TEST]) <= 1
    totals = Counter(splits.values())
    assert abs(totals[DEV] - totals[TEST]) <= 1
    # strata of one query alternate instead of all landing in dev
    assert {splits["zh-c-0"], splits["zh-go-0"]} == {DEV, TEST}


def test_the_split_depends_on_ids_not_on_file_order() -> None:
    records = _records({("en", "c"): 9, ("fr", "python"): 5})
    assert assign_splits(records) == assign_splits(list(reversed(records)))


def test_the_committed_query_files_carry_the_frozen_split() -> None:
    for name in SPLIT_FILES:
        assert check_splits(QUERIES / name) == [], f"{name}: run python -m benchmarks.quality.split"
    heldout = read_records(QUERIES / "heldout.jsonl")
    assert len(heldout) >= 150 and {r["split"] for r in heldout} == {TEST}
    assert sum(r["lang"] != "en" for r in heldout) * 2 >= len(heldout)
    heldout2 = read_records(QUERIES / "heldout2.jsonl")
    assert len(heldout2) >= 100 and {r["split"] for r in heldout2} == {TEST}
    assert sum(r["lang"] != "en" for r in heldout2) >= 60
    assert len({r["id"] for r in heldout2}) == len(heldout2)
    heldout3 = read_records(QUERIES / "heldout3.jsonl")
    assert len(heldout3) >= 120 and {r["split"] for r in heldout3} == {TEST}
    assert sum(r["lang"] == "ru" for r in heldout3) >= 28
    assert len({r["id"] for r in heldout3}) == len(heldout3)
    heldout4 = read_records(QUERIES / "heldout4.jsonl")
    assert len(heldout4) >= 130 and {r["split"] for r in heldout4} == {TEST}
    assert sum(r["lang"] != "en" for r in heldout4) >= 95
    assert len({r["id"] for r in heldout4}) == len(heldout4)
    heldout5 = read_records(QUERIES / "heldout5.jsonl")
    assert len(heldout5) >= 140 and {r["split"] for r in heldout5} == {TEST}
    assert sum(r["lang"] != "en" for r in heldout5) >= 85
    assert len({r["id"] for r in heldout5}) == len(heldout5)
    heldout6 = read_records(QUERIES / "heldout6.jsonl")
    assert len(heldout6) >= 140 and {r["split"] for r in heldout6} == {TEST}
    assert sum(r["lang"] != "en" for r in heldout6) >= 85
    assert len({r["id"] for r in heldout6}) == len(heldout6)
    heldout7 = read_records(QUERIES / "heldout7.jsonl")
    assert len(heldout7) >= 140 and {r["split"] for r in heldout7} == {TEST}
    assert sum(r["lang"] != "en" for r in heldout7) >= 85
    assert len({r["id"] for r in heldout7}) == len(heldout7)


def test_the_second_held_out_set_targets_only_its_own_packages() -> None:
    from benchmarks.quality.fetch_corpus import HELDOUT, HELDOUT2

    assert HELDOUT2 and HELDOUT2 <= HELDOUT
    for record in read_records(QUERIES / "heldout2.jsonl"):
        assert {t["repo"] for t in record["targets"]} <= HELDOUT2, record["id"]


def test_the_third_held_out_set_targets_only_its_own_packages() -> None:
    from benchmarks.quality.fetch_corpus import HELDOUT, HELDOUT2, HELDOUT3

    assert HELDOUT3 and HELDOUT3 <= HELDOUT and not HELDOUT3 & HELDOUT2
    for record in read_records(QUERIES / "heldout3.jsonl"):
        assert {t["repo"] for t in record["targets"]} <= HELDOUT3, record["id"]


def test_the_fourth_held_out_set_targets_only_its_own_packages() -> None:
    from benchmarks.quality.fetch_corpus import HELDOUT, HELDOUT2, HELDOUT3, HELDOUT4

    assert HELDOUT4 and HELDOUT4 <= HELDOUT and not HELDOUT4 & (HELDOUT2 | HELDOUT3)
    for record in read_records(QUERIES / "heldout4.jsonl"):
        assert {t["repo"] for t in record["targets"]} <= HELDOUT4, record["id"]


def test_the_fifth_held_out_set_targets_only_its_own_packages() -> None:
    from benchmarks.quality.fetch_corpus import HELDOUT, HELDOUT2, HELDOUT3, HELDOUT4, HELDOUT5

    assert HELDOUT5 and HELDOUT5 <= HELDOUT and not HELDOUT5 & (HELDOUT2 | HELDOUT3 | HELDOUT4)
    for record in read_records(QUERIES / "heldout5.jsonl"):
        assert {t["repo"] for t in record["targets"]} <= HELDOUT5, record["id"]


def test_the_sixth_held_out_set_targets_only_its_own_packages() -> None:
    from benchmarks.quality.fetch_corpus import HELDOUT, HELDOUT2, HELDOUT3, HELDOUT4, HELDOUT5, HELDOUT6

    assert HELDOUT6 and HELDOUT6 <= HELDOUT and not HELDOUT6 & (HELDOUT2 | HELDOUT3 | HELDOUT4 | HELDOUT5)
    for record in read_records(QUERIES / "heldout6.jsonl"):
        assert {t["repo"] for t in record["targets"]} <= HELDOUT6, record["id"]


def test_the_seventh_held_out_set_targets_only_its_own_packages() -> None:
    from benchmarks.quality.fetch_corpus import (
        HELDOUT,
        HELDOUT2,
        HELDOUT3,
        HELDOUT4,
        HELDOUT5,
        HELDOUT6,
        HELDOUT7,
    )

    earlier = HELDOUT2 | HELDOUT3 | HELDOUT4 | HELDOUT5 | HELDOUT6
    assert HELDOUT7 and HELDOUT7 <= HELDOUT and not HELDOUT7 & earlier
    for record in read_records(QUERIES / "heldout7.jsonl"):
        assert {t["repo"] for t in record["targets"]} <= HELDOUT7, record["id"]


def test_the_report_puts_dev_and_test_side_by_side_per_run() -> None:
    outcomes = [
        QueryOutcome("a", "q", "en", "c", 1, split=DEV),
        QueryOutcome("b", "q", "en", "c", None, split=TEST),
        QueryOutcome("c", "q", "en", "c", 2, split=TEST),
    ]
    rows = split_rows({"use/hybrid": outcomes, "use/lexical": outcomes[1:2]})
    assert list(rows) == ["use/hybrid dev", "use/hybrid test", "use/lexical test"]
    assert [o.query_id for o in rows["use/hybrid test"]] == ["b", "c"]


def test_the_summary_has_a_column_per_set_split_and_language_and_a_row_per_run() -> None:
    from benchmarks.quality.run import summary_markdown

    hand = [
        QueryOutcome("a", "q", "en", "c", 1, split=DEV),
        QueryOutcome("b", "q", "zh", "c", 2, split=DEV),
        QueryOutcome("c", "q", "zh", "go", None, split=TEST),
    ]
    csn = [QueryOutcome("d", "q", "en", "go", 1, split=TEST)]
    table = summary_markdown(
        {"use/hybrid": {"hw": hand, "csn": csn}, "use/lexical": {"hw": hand}}, ["hw", "csn"]
    )
    header, _, hybrid, lexical = table.strip().splitlines()[2:]
    assert header.split(" | ")[1:] == [
        "hw dev",
        "hw dev en",
        "hw dev not en",
        "hw test",
        "hw test en",
        "hw test not en",
        "csn test |",
    ]
    assert hybrid.split(" | ")[1:4] == ["0.750 (2)", "1.000 (1)", "0.500 (1)"]
    assert lexical.endswith("| – |")


def test_the_csn_blanking_keeps_the_frozen_queries_and_names_a_target_the_corpus_lost() -> None:
    """A package that failed to fetch must stop make_csn_queries, not make it draw a different query set
    (which the frozen split no longer covers)."""
    import pytest

    from benchmarks.quality.corpus_functions import FunctionDef
    from benchmarks.quality.make_csn_queries import Candidate, chosen_from_records

    def cand(repo: str, name: str, line: int) -> Candidate:
        fn = FunctionDef(
            name=name, language="ruby", start_line=line, end_line=line + 3, doc="d", doc_ranges=()
        )
        return Candidate(repo, "lib/a.rb", fn, f"query for {name}")

    def record(rid: str, repo: str, name: str, line: int) -> dict[str, object]:
        return {"id": rid, "targets": [{"repo": repo, "path": "lib/a.rb", "name": name, "start_line": line}]}

    candidates = [cand("rack", "use", 10), cand("rack", "warmup", 20), cand("sinatra", "get", 5)]
    chosen = chosen_from_records(
        candidates, [record("q2", "rack", "warmup", 20), record("q1", "sinatra", "get", 5)]
    )
    assert [c.function.name for c in chosen] == ["warmup", "get"]
    with pytest.raises(SystemExit, match="q3 \\(rack/lib/a.rb:30\\)"):
        chosen_from_records(
            candidates, [record("q1", "sinatra", "get", 5), record("q3", "rack", "close", 30)]
        )
