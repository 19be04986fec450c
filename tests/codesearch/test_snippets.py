"""A hit's preview shows the lines that matched, not a window's first lines."""

from __future__ import annotations

from codesearch.snippets import preview
from indexer.documents import file_documents


def numbered(n: int, words: dict[int, str]) -> str:
    """``n`` lines ``line <i>``, with ``words[i]`` appended to line i (1-based)."""
    return "\n".join(f"line {i} {words.get(i, '')}".rstrip() for i in range(1, n + 1))


def test_a_window_preview_centres_on_the_matched_lines() -> None:
    code = numbered(40, {29: "retry_budget = 3", 31: "backoff(retry_budget)"})
    snippet = preview(code, 101, ["retry", "backoff"], max_lines=6)
    lines = snippet.text.splitlines()
    assert len(lines) == 6
    assert "line 29 retry_budget = 3" in lines and "line 31 backoff(retry_budget)" in lines
    assert lines[0] == "line 27"  # the matched lines sit in the middle (around line 30), not at an edge
    assert snippet.start_line == 101 + 26  # file line of the preview's first line


def test_a_block_with_more_distinct_terms_beats_an_earlier_lone_mention() -> None:
    code = numbered(60, {15: "retry", 45: "retry with backoff", 46: "jitter"})
    snippet = preview(code, 1, ["retry", "backoff", "jitter"], max_lines=5)
    assert "line 45 retry with backoff" in snippet.text and "line 46 jitter" in snippet.text
    assert snippet.start_line in range(42, 46)


def test_identifier_parts_count_as_matches() -> None:
    code = numbered(30, {20: "parseConfigFile(path)"})
    snippet = preview(code, 1, ["config"], max_lines=4)
    assert "parseConfigFile" in snippet.text


def test_the_head_stays_when_it_matches_or_nothing_matches() -> None:
    code = numbered(40, {2: "retry", 30: "retry backoff"})
    assert preview(code, 7, ["retry"], max_lines=5).text.splitlines()[0] == "line 1"
    nothing = preview(code, 7, ["zebra"], max_lines=5)
    assert (nothing.text.splitlines()[0], nothing.start_line) == ("line 1", 7)
    assert preview(code, 7, [], max_lines=5).start_line == 7


def test_short_code_is_shown_whole() -> None:
    code = numbered(3, {3: "retry"})
    assert preview(code, 5, ["retry"], max_lines=12).text == code


def test_matched_lines_wider_than_the_preview_keep_the_first_match() -> None:
    code = numbered(50, {30: "alpha", 45: "alpha"})
    snippet = preview(code, 1, ["alpha"], max_lines=6)
    assert snippet.text.splitlines()[0] == "line 27"  # centred on line 30; line 45 cannot fit too
    assert "line 30 alpha" in snippet.text


def test_a_real_file_window_previews_its_matched_lines() -> None:
    # A script with no symbols: one window document whose first lines say nothing about the query.
    body = [f"echo step {i}" for i in range(1, 40)]
    body[33] = 'curl --retry 5 "$MIRROR_URL"'
    text = "\n".join(body) + "\n"
    (window, *_) = file_documents("r", "deploy.sh", "bash", text, [])
    assert window.kind == "window" and window.start_line == 1
    snippet = preview(window.code, window.start_line, ["retry", "mirror"])
    assert 'curl --retry 5 "$MIRROR_URL"' in snippet.text
    assert snippet.start_line > window.start_line
    shown = snippet.text.splitlines()
    assert shown == text.splitlines()[snippet.start_line - 1 : snippet.start_line - 1 + len(shown)]
