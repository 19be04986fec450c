"""The issue-15 ratios with their bootstrap intervals (``benchmarks.quality.ratio_ci``), on a made-up run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.quality import ratio_ci


def _query(qid: str, lang: str, rank: int | None, split: str = "test") -> dict:
    return {"id": qid, "lang": lang, "rank": rank, "split": split}


def test_the_ratios_and_an_interval_that_holds_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lexical = [_query("a", "en", 2), _query("b", "en", 1), _query("c", "fr", None), _query("d", "fr", 4)]
    hybrid = [_query("a", "en", 1), _query("b", "en", 1), _query("c", "fr", 2), _query("d", "fr", 1)]
    sets = {
        name: {"queries": [*queries, _query("z", "en", 1, split="dev")]}
        for name, queries in (("lexical", lexical), ("hybrid", hybrid))
    }
    runs = {
        f"m/{mode}": {qset: sets[mode] for qset in ("handwritten", "heldout", "heldout2", "heldout3")}
        for mode in ("lexical", "hybrid")
    }
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"runs": runs}))
    assert ratio_ci.main([str(path), "--model", "m"]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if line.startswith("| handwritten test")]
    dev = [line for line in out if line.startswith("| handwritten dev")]
    assert dev and dev[0].endswith("| – |")  # no query of dev is not English: no ratio, said so
    # English: BM25 (0.5 + 1) / 2 = 0.75, hybrid 1.0 -> 1.333; not English (0.5 + 1) / 2 over English 1.0 -> 0.75
    assert rows and "| 2 | 0.750 | 1.000 | 1.333 (" in rows[0] and "| 0.750 (" in rows[0]
    bounds = ratio_ci.interval([(0.5, 1.0), (1.0, 1.0)], ratio_ci.english_over_bm25)
    assert bounds is not None and 1.0 <= bounds[0] <= 4 / 3 <= bounds[1] <= 2.0


def test_a_resample_with_nothing_to_divide_by_is_left_out() -> None:
    assert ratio_ci.english_over_bm25([(0.0, 1.0)]) is None
    assert ratio_ci.other_over_english([(False, 0.5)]) is None
    assert ratio_ci.other_over_english([(True, 0.0), (False, 0.5)]) is None


def test_the_language_floor_pooled_and_per_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def query(qid: str, code: str, rank: int | None, split: str = "test") -> dict:
        return {"id": qid, "lang": "en", "code_lang": code, "rank": rank, "split": split}

    # heldout: c finds nothing, go finds every target first -> c is under the floor there
    # heldout2: both languages at rank 1 -> no language under it
    weak = [query("a", "c", None), query("b", "c", 5), query("c", "go", 1), query("d", "go", 1)]
    even = [query("e", "c", 1), query("f", "go", 1)]
    run = {"handwritten": {"queries": [query("z", "c", None, split="dev")]}, "heldout": {"queries": weak}}
    run["heldout2"] = {"queries": even}
    runs = {f"m/{mode}": run for mode in ("lexical", "hybrid")}
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"runs": runs}))
    assert ratio_ci.main([str(path), "--model", "m"]) == 0
    out = capsys.readouterr().out.splitlines()
    # pooled over heldout and heldout2 (the dev query is left out): overall (0.2 + 1 + 1 + 1 + 1) / 6 = 0.7,
    # c (0 + 0.2 + 1) / 3 = 0.4 -> 0.571x, under; go 1.0 -> 1.429x
    c_row = next(line for line in out if line.startswith("| c | 3 |"))
    assert "| 0.400 | 0.571 (" in c_row and c_row.endswith("**under** |")
    go_row = next(line for line in out if line.startswith("| go | 3 |"))
    assert "| 1.000 | 1.429 (" in go_row and "under" not in go_row
    assert "- heldout (floor 0.330): c 0.100" in out
    assert "- heldout2 (floor 0.600): none under it" in out


def test_the_floor_ratio_of_each_language() -> None:
    ratios = ratio_ci.language_over_overall([("c", 0.0), ("c", 0.5), ("go", 1.0), ("go", 0.5)])
    assert ratios == pytest.approx({"c": 0.25 / 0.5, "go": 0.75 / 0.5})
    assert ratio_ci.language_over_overall([("c", 0.0)]) == {}
    bounds = ratio_ci.floor_intervals([("c", 0.0), ("c", 0.5), ("go", 1.0), ("go", 0.5)])
    assert set(bounds) == {"c", "go"} and bounds["c"][0] <= 0.5 <= bounds["c"][1]
