"""Two quality runs compared query by query (``benchmarks.quality.compare_runs``), on made-up runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.quality import compare_runs


def _run(path: Path, ranks: dict[str, tuple[str, int | None]]) -> Path:
    queries = [{"id": qid, "lang": lang, "rank": rank} for qid, (lang, rank) in ranks.items()]
    path.write_text(json.dumps({"runs": {"m/hybrid": {"s": {"queries": queries}}}}))
    return path


def test_the_difference_of_the_not_english_queries_with_its_interval(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _run(tmp_path / "a.json", {"1": ("en", 1), "2": ("fr", 2), "3": ("ja", None), "4": ("de", 1)})
    after = _run(tmp_path / "b.json", {"1": ("en", 5), "2": ("fr", 1), "3": ("ja", 1), "4": ("de", 1)})
    assert compare_runs.main([str(before), str(after), "--run", "m/hybrid", "--sets", "s"]) == 0
    row = capsys.readouterr().out.splitlines()[-1]
    # not English: before (0.5 + 0 + 1) / 3 = 0.5, after 1.0; the English query's fall is not counted
    assert row.startswith("| s | 3 | 0.500 | 1.000 | +0.500 (") and row.endswith("| 2 / 0 |")


def test_runs_of_different_queries_are_refused(tmp_path: Path) -> None:
    before = _run(tmp_path / "a.json", {"1": ("fr", 1)})
    after = _run(tmp_path / "b.json", {"2": ("fr", 1)})
    with pytest.raises(SystemExit, match="different queries"):
        compare_runs.main([str(before), str(after), "--run", "m/hybrid", "--sets", "s"])


def test_split_keeps_one_split_of_each_run_and_several_sets_are_pooled(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run of the dev and test splits against a run of test alone (a tuning sweep's test run), over two
    sets: the test queries are compared, each set and then all of them together."""
    queries_a = [
        {"id": "d1", "lang": "en", "rank": 1, "split": "dev"},
        {"id": "t1", "lang": "en", "rank": 2, "split": "test"},
    ]
    queries_b = [{"id": "t1", "lang": "en", "rank": 1, "split": "test"}]
    other = [{"id": "u1", "lang": "en", "rank": None, "split": "test"}]
    before, after = tmp_path / "a.json", tmp_path / "b.json"
    before.write_text(
        json.dumps({"runs": {"m/hybrid": {"s": {"queries": queries_a}, "u": {"queries": other}}}})
    )
    after.write_text(
        json.dumps({"runs": {"m/hybrid": {"s": {"queries": queries_b}, "u": {"queries": other}}}})
    )
    argv = [str(before), str(after), "--run", "m/hybrid", "--sets", "s,u", "--langs", "en"]
    with pytest.raises(SystemExit, match="different queries"):
        compare_runs.main(argv)
    capsys.readouterr()
    assert compare_runs.main([*argv, "--split", "test"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[2].startswith("| s | 1 | 0.500 | 1.000 | +0.500")
    assert rows[3].startswith("| u | 1 | 0.000 | 0.000 | +0.000")
    assert rows[4].startswith("| s, u pooled | 2 | 0.250 | 0.500 | +0.250") and rows[4].endswith("| 1 / 0 |")


def test_named_languages_keep_only_their_queries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _run(tmp_path / "a.json", {"1": ("ko", 2), "2": ("ru", None), "3": ("fr", 1), "4": ("en", 1)})
    after = _run(tmp_path / "b.json", {"1": ("ko", 1), "2": ("ru", 1), "3": ("fr", None), "4": ("en", None)})
    assert (
        compare_runs.main([str(before), str(after), "--run", "m/hybrid", "--sets", "s", "--langs", "ko,ru"])
        == 0
    )
    row = capsys.readouterr().out.splitlines()[-1]
    # Korean and Russian: before (0.5 + 0) / 2, after 1.0; the French and English falls are not counted
    assert row.startswith("| s | 2 | 0.250 | 1.000 | +0.750") and row.endswith("| 2 / 0 |")
