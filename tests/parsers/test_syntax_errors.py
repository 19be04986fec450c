"""Damaged files still yield the symbols tree-sitter recovered before the damage."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import extract_symbols

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "languages"

# (language, sample file, the line after which the file is cut off mid-definition, names that must survive)
CASES = [
    ("python", "sample.py", 38, ["read_config", "cached_value", "ConfigStore", "Entry", "__init__"]),
    ("javascript", "sample.js", 30, ["sleep", "retry"]),
    ("java", "sample.java", 20, ["parse"]),
    ("go", "sample.go", 28, ["Client", "Doer", "Millis", "New"]),
    ("rust", "sample.rs", 26, ["Store", "StoreError", "Persist", "persist"]),
    ("ruby", "sample.rb", 15, ["parse"]),
    ("elixir", "sample.ex", 16, ["get_account"]),
]


@pytest.mark.parametrize(("language", "sample", "cut_line", "names"), CASES, ids=[c[0] for c in CASES])
def test_truncated_file_keeps_symbols_before_the_cut(
    language: str, sample: str, cut_line: int, names: list[str]
) -> None:
    lines = (FIXTURES / language / sample).read_bytes().split(b"\n")
    damaged = b"\n".join(lines[:cut_line]) + b"\n  ((( }}} @@@ \x00 garbage"
    found = [s.name for s in extract_symbols(damaged, language)]
    for name in names:
        assert name in found


@pytest.mark.parametrize("language", ["python", "c", "typescript"])
def test_garbage_in_the_middle_keeps_later_symbols(language: str) -> None:
    sources = {
        "python": b"def first():\n    return 1\n\n)))) ]]] garbage ((\n\ndef second(x):\n    return x\n",
        "c": b"int first(void) { return 1; }\n\n}}}} garbage {{ ;;\n\nint second(int x) { return x; }\n",
        "typescript": b"function first() { return 1; }\n\n)))) garbage ]]\n\nfunction second(x: number) { return x; }\n",
    }
    names = [s.name for s in extract_symbols(sources[language], language)]
    assert "first" in names
    assert "second" in names
