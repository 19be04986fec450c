"""The dev/test split of the benchmark's query sets: stratified, deterministic, and frozen in the files."""

from __future__ import annotations

from collections import Counter

import pytest

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


# each held-out file: all test, at least this many queries, and enough of them not in English (the first set:
# half; the third: its 28 Russian ones)
def _half_english_and_eight_of_each_other(records: list[dict]) -> bool:
    """72 English queries and 8 in each of the nine other languages (heldout24 on)."""
    others = ("ru", "de", "fr", "es", "pt", "it", "ja", "zh", "ko")
    return sum(r["lang"] == "en" for r in records) == 72 and all(
        sum(r["lang"] == lang for r in records) == 8 for lang in others
    )


HELD_OUT_FILES = {
    "heldout": (150, lambda rs: sum(r["lang"] != "en" for r in rs) * 2 >= len(rs)),
    "heldout2": (100, lambda rs: sum(r["lang"] != "en" for r in rs) >= 60),
    "heldout3": (120, lambda rs: sum(r["lang"] == "ru" for r in rs) >= 28),
    "heldout4": (130, lambda rs: sum(r["lang"] != "en" for r in rs) >= 95),
    "heldout5": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 85),
    "heldout6": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 85),
    "heldout7": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 85),
    "heldout8": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 85),
    "heldout9": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 85),
    "heldout10": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 85),
    "heldout11": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 85),
    "heldout12": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 85),
    "heldout13": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 85),
    "heldout14": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 70),
    "heldout15": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 70),
    "heldout16": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 70),
    "heldout17": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 70),
    "heldout18": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 70),
    "heldout19": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 70),
    "heldout20": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 70),
    "heldout21": (140, lambda rs: sum(r["lang"] != "en" for r in rs) >= 70),
    "heldout22": (
        140,
        lambda rs: (
            sum(r["lang"] != "en" for r in rs) >= 90
            and sum(r["lang"] == "ko" for r in rs) >= 40
            and sum(r["lang"] == "ru" for r in rs) >= 40
        ),
    ),
    "heldout23": (
        140,
        lambda rs: (
            sum(r["lang"] != "en" for r in rs) >= 90
            and all(sum(r["lang"] == lang for r in rs) >= 20 for lang in ("zh", "ja", "fr", "de"))
        ),
    ),
    "heldout24": (140, lambda rs: _half_english_and_eight_of_each_other(rs)),
    "heldout25": (140, lambda rs: _half_english_and_eight_of_each_other(rs)),
    "heldout26": (140, lambda rs: _half_english_and_eight_of_each_other(rs)),
    "heldout27": (140, lambda rs: _half_english_and_eight_of_each_other(rs)),
}


@pytest.mark.parametrize("name", list(HELD_OUT_FILES))
def test_each_held_out_file_is_all_test_with_unique_ids(name: str) -> None:
    least, languages_ok = HELD_OUT_FILES[name]
    records = read_records(QUERIES / f"{name}.jsonl")
    assert len(records) >= least and {r["split"] for r in records} == {TEST}
    assert languages_ok(records)
    assert len({r["id"] for r in records}) == len(records)


@pytest.mark.parametrize("n", range(2, 26))
def test_each_later_held_out_set_targets_only_its_own_new_packages(n: int) -> None:
    """heldoutN's packages are held out (no CSN query is drawn from them), shared with no earlier set from the
    second on, and every target of heldoutN.jsonl is in one of them."""
    from benchmarks.quality.fetch_corpus import HELDOUT, query_set_packages

    own = query_set_packages(f"heldout{n}")
    earlier = set().union(*(query_set_packages(f"heldout{k}") for k in range(2, n)))
    assert own and own <= HELDOUT and not own & earlier
    for record in read_records(QUERIES / f"heldout{n}.jsonl"):
        assert {t["repo"] for t in record["targets"]} <= own, record["id"]


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
