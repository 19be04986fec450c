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
