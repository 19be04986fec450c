"""Scoring of the quality benchmark on fake rankings, and doc extraction/blanking of its corpus."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from benchmarks.quality.corpus_functions import blank_ranges, clean_doc, extract_functions, first_sentence
from benchmarks.quality.scoring import (
    QueryOutcome,
    Target,
    first_correct_rank,
    grouped,
    has_style,
    hit_matches,
    last_name_part,
    metrics,
    metrics_table,
    outcome_json,
)


@dataclass
class FakeHit:
    repo: str
    path: str
    name: str
    qualified_name: str
    start_line: int
    end_line: int


TARGET = Target("requests", "src/requests/utils.py", "get_auth_from_url", (985,))


def hit(
    name: str = "other", *, repo: str = "requests", path: str = "src/requests/utils.py", span=(1, 5)
) -> FakeHit:
    return FakeHit(repo, path, name, name, *span)


@pytest.mark.parametrize(
    ("qualified", "last"),
    [("Class.method", "method"), ("pkg::f", "f"), ("List:append", "append"), ("Foo#bar", "bar"), ("f", "f")],
)
def test_last_name_part(qualified: str, last: str) -> None:
    assert last_name_part(qualified) == last


def test_hit_matches_by_name_by_qualified_name_and_by_span() -> None:
    assert hit_matches(hit("get_auth_from_url"), TARGET)
    assert hit_matches(
        FakeHit("requests", "src/requests/utils.py", "x", "utils.get_auth_from_url", 1, 2), TARGET
    )
    assert hit_matches(hit("anonymous", span=(980, 1000)), TARGET)  # span contains the start line


def test_hit_does_not_match_other_repo_path_or_name() -> None:
    assert not hit_matches(hit("get_auth_from_url", repo="psutil"), TARGET)
    assert not hit_matches(hit("get_auth_from_url", path="src/requests/models.py"), TARGET)
    assert not hit_matches(hit("get_auth", span=(1, 984)), TARGET)


def test_first_correct_rank_takes_the_first_match_of_any_target_within_k() -> None:
    other = Target("requests", "src/requests/api.py", "get")
    hits = [
        hit("a"),
        hit("b"),
        FakeHit("requests", "src/requests/api.py", "get", "get", 1, 3),
        hit("get_auth_from_url"),
    ]
    assert first_correct_rank(hits, [TARGET, other]) == 3
    assert first_correct_rank(hits, [TARGET]) == 4
    assert first_correct_rank(hits, [TARGET], k=3) is None
    assert first_correct_rank([], [TARGET]) is None


def test_metrics_mrr_and_recall() -> None:
    m = metrics([1, 2, None, 10, 11])  # 11 is outside the top 10
    assert m.count == 5
    assert m.mrr10 == pytest.approx((1 + 0.5 + 0 + 0.1 + 0) / 5)
    assert m.recall1 == pytest.approx(1 / 5)
    assert m.recall5 == pytest.approx(2 / 5)
    assert m.recall10 == pytest.approx(3 / 5)
    assert metrics([]).count == 0
    assert metrics([]).recall5 == 0.0


def test_recall_at_5_boundaries() -> None:
    m = metrics([5, 6])  # rank 5 is in, rank 6 is out
    assert m.recall5 == pytest.approx(0.5)
    assert m.recall10 == 1.0
    assert list(m.as_dict()) == ["n", "mrr@10", "recall@1", "recall@5", "recall@10"]
    assert m.as_dict()["recall@5"] == pytest.approx(0.5)


def test_grouped_by_language_has_all() -> None:
    outcomes = [
        QueryOutcome("1", "q", "en", "python", 1),
        QueryOutcome("2", "q", "zh", "python", None),
        QueryOutcome("3", "q", "zh", "go", 2),
    ]
    by_lang = grouped(outcomes, "lang")
    assert by_lang["en"].mrr10 == 1.0
    assert by_lang["zh"].mrr10 == pytest.approx(0.25)
    assert by_lang["all"].count == 3
    assert grouped(outcomes, "code_lang")["go"].recall1 == 0.0


def test_grouped_by_style_leaves_unstyled_outcomes_in_all_only() -> None:
    outcomes = [
        QueryOutcome("1", "q", "en", "python", 1, style="natural"),
        QueryOutcome("2", "q", "en", "python", 7, style="identifier"),
        QueryOutcome("3", "q", "zh", "go", None, style="natural"),
        QueryOutcome("4", "q", "zh", "go", 3),  # no style in the record
    ]
    by_style = grouped(outcomes, "style")
    assert set(by_style) == {"natural", "identifier", "all"}
    assert by_style["natural"].count == 2 and by_style["natural"].recall5 == pytest.approx(0.5)
    assert by_style["identifier"].recall5 == 0.0 and by_style["identifier"].recall10 == 1.0
    assert by_style["all"].count == 4
    assert has_style(outcomes) and not has_style(outcomes[3:])
    assert outcome_json(outcomes[1])["style"] == "identifier"
    assert "style" not in outcome_json(outcomes[3])


def test_metrics_table_has_recall_at_5() -> None:
    table = metrics_table({"none/lexical": metrics([1, 4, None])}).splitlines()
    assert table[0] == "| run | n | MRR@10 | Recall@1 | Recall@5 | Recall@10 |"
    assert table[2] == "| none/lexical | 3 | 0.417 | 0.333 | 0.667 | 0.667 |"


def test_doc_is_found_cleaned_and_blanked_without_moving_lines() -> None:
    source = b'def f(x):\n    """Return the answer to everything.\n\n    More text.\n    """\n    return 42\n'
    (fn,) = extract_functions(source, "python")
    assert (fn.name, fn.start_line, fn.end_line) == ("f", 1, 6)
    assert first_sentence(clean_doc(fn.doc)) == "Return the answer to everything"
    blanked = blank_ranges(source, list(fn.doc_ranges), python=True)
    assert len(blanked) == len(source) and blanked.count(b"\n") == source.count(b"\n")
    assert b"answer" not in blanked
    compile(blanked, "f.py", "exec")


def test_leading_comment_docs_in_go_and_rust() -> None:
    go = b"package p\n\n// Vars returns the route variables for the current request.\nfunc Vars(r int) int { return r }\n"
    (fn,) = extract_functions(go, "go")
    assert fn.name == "Vars" and "route variables" in fn.doc
    rust = b"/// Sum of two numbers,\n/// wrapping on overflow.\n#[inline]\nfn add(a: u8, b: u8) -> u8 { a.wrapping_add(b) }\n"
    (fn,) = extract_functions(rust, "rust")
    assert first_sentence(clean_doc(fn.doc)) == "Sum of two numbers, wrapping on overflow"
