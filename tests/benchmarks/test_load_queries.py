"""The quality runner's query loading: targets resolve to definitions, and one that does not stops the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.quality import run


def _setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> Path:
    corpus = tmp_path / "corpus"
    (corpus / "pkg").mkdir(parents=True)
    (corpus / "pkg" / "m.py").write_text("def add(a, b):\n    return a + b\n")
    queries = tmp_path / "queries"
    queries.mkdir()
    record = {
        "id": "q-1", "query": "sum two numbers", "lang": "en", "code_lang": "python",
        "targets": [{"repo": "pkg", "path": "m.py", "name": name}], "split": "test",
    }  # fmt: skip
    (queries / "s.jsonl").write_text(json.dumps(record) + "\n")
    monkeypatch.setattr(run, "QUERIES", queries)
    return corpus


def test_targets_resolve_to_their_definition_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = _setup(tmp_path, monkeypatch, "add")
    [record] = run.load_queries("s", corpus, None, split="test")
    assert record["resolved"][0].start_lines == (1,)


def test_a_target_with_no_definition_stops_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = _setup(tmp_path, monkeypatch, "subtract")
    with pytest.raises(SystemExit, match="q-1.*pkg/m.py::subtract"):
        run.load_queries("s", corpus, None)


def test_only_the_named_human_languages_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = _setup(tmp_path, monkeypatch, "add")
    assert [r["id"] for r in run.load_queries("s", corpus, None, langs={"en"})] == ["q-1"]
    assert run.load_queries("s", corpus, None, langs={"ko", "ru"}) == []


def test_speed_and_tuning_scripts_gather_no_query_of_a_blind_set(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from benchmarks.speed import english_lexical_cost, load
    from benchmarks.tuning import normalisation

    assert not run.UNREAD_SETS & set(normalisation.HARNESS_SETS.split(","))
    assert not run.UNREAD_SETS & set(english_lexical_cost.SETS)
    # a set kept blind (as heldout25 was until its decision) is gathered by none of them
    monkeypatch.setattr(run, "UNREAD_SETS", frozenset({"heldout24"}))
    try:
        cost = importlib.reload(english_lexical_cost)
        assert "heldout24" not in cost.SETS and "heldout23" in cost.SETS
        blind = {json.loads(line)["query"] for line in (run.QUERIES / "heldout24.jsonl").open()}
        gathered = set(load.load_queries())
        assert gathered and not blind & gathered
    finally:
        monkeypatch.undo()
        importlib.reload(english_lexical_cost)
    assert blind <= set(load.load_queries())  # and every set once it is read
