"""Every fixture under fixtures/languages/<lang>/ yields exactly the symbols its expected.json lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codesearch.types import SYMBOL_KINDS
from parsers import extract_symbols, language_for_path, supported_languages

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "languages"
FIELDS = ("kind", "name", "qualified_name", "start_line", "end_line", "signature", "doc")


def fixture_dirs() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if (p / "expected.json").is_file())


def sample_of(folder: Path) -> Path:
    (sample,) = [p for p in folder.iterdir() if p.name.startswith("sample.")]
    return sample


@pytest.mark.parametrize("folder", fixture_dirs(), ids=lambda p: p.name)
def test_fixture_yields_expected_symbols(folder: Path) -> None:
    sample = sample_of(folder)
    language = folder.name
    assert language_for_path(sample.name) == language
    source = sample.read_bytes()
    symbols = extract_symbols(source, language, path=f"x/{sample.name}", repo="r")
    got = [{field: getattr(s, field) for field in FIELDS} for s in symbols]
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    assert got == expected
    for symbol in symbols:
        assert symbol.kind in SYMBOL_KINDS
        assert (symbol.repo, symbol.path, symbol.language) == ("r", f"x/{sample.name}", language)
        assert symbol.code == source[symbol.start_byte : symbol.end_byte].decode("utf-8")
        assert source[: symbol.start_byte].count(b"\n") + 1 == symbol.start_line
    assert [s.start_byte for s in symbols] == sorted(s.start_byte for s in symbols)


def test_every_supported_language_has_a_fixture() -> None:
    have = {p.name for p in fixture_dirs()}
    assert set(supported_languages()) <= have
    assert len(supported_languages()) >= 20
