"""No input makes the extractor raise or hang: random bytes, mutated fixtures, absurd nesting, NULs."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codesearch.types import SYMBOL_KINDS
from parsers import extract_symbols, supported_languages

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "languages"
LANGUAGES = supported_languages()
SAMPLES = {
    lang: next(p for p in (FIXTURES / lang).iterdir() if p.name.startswith("sample.")).read_bytes()
    for lang in LANGUAGES
}
CPU_BOUND_S = 10.0
FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(source: bytes, language: str) -> None:
    started = time.process_time()
    symbols = extract_symbols(source, language)
    # a hang guard on this process's own CPU time, not wall time (a loaded machine must not fail it)
    assert time.process_time() - started < CPU_BOUND_S
    for symbol in symbols:
        assert symbol.kind in SYMBOL_KINDS
        assert 0 <= symbol.start_byte <= symbol.end_byte <= len(source)
        assert 1 <= symbol.start_line <= symbol.end_line


@pytest.mark.parametrize("language", LANGUAGES)
@FAST
@given(data=st.binary(max_size=2000))
def test_random_bytes(language: str, data: bytes) -> None:
    check(data, language)


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """The original with byte ranges deleted, inserted or duplicated."""
    source = original
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(source)))
        end = draw(st.integers(start, min(len(source), start + 200)))
        action = draw(st.sampled_from(["delete", "insert", "duplicate"]))
        if action == "delete":
            source = source[:start] + source[end:]
        elif action == "insert":
            source = source[:start] + draw(st.binary(max_size=50)) + source[start:]
        else:
            source = source[:end] + source[start:end] + source[end:]
    return source


@pytest.mark.parametrize("language", LANGUAGES)
@FAST
@given(data=st.data())
def test_mutated_fixture(language: str, data: st.DataObject) -> None:
    check(data.draw(mutated(SAMPLES[language])), language)


@pytest.mark.parametrize(("language", "opener"), [("python", b"("), ("javascript", b"["), ("haskell", b"{")])
def test_deep_nesting(language: str, opener: bytes) -> None:
    check(opener * 50_000, language)


@pytest.mark.slow
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("opener", [b"(", b"[", b"{"])
def test_deep_nesting_every_language(language: str, opener: bytes) -> None:
    check(opener * 50_000, language)


@pytest.mark.parametrize("language", ["python", "javascript", "go"])
def test_deeply_nested_definitions(language: str) -> None:
    heads = {"python": b"def f():\n", "javascript": b"function f() {\n", "go": b"func f() {\n"}
    source = b"".join(b" " * i + heads[language] for i in range(2000))
    check(source, language)


def test_huge_minified_line() -> None:
    line = b"function a(b){return b+1};" * 200_000  # about 5 MB, one line
    started = time.monotonic()
    symbols = extract_symbols(line, "javascript")
    assert time.monotonic() - started < 30
    assert all(s.start_line == 1 for s in symbols)


@pytest.mark.parametrize("language", LANGUAGES)
def test_nul_bytes_and_invalid_utf8(language: str) -> None:
    sample = SAMPLES[language]
    check(sample.replace(b"\n", b"\n\x00", 3), language)
    check(b"\xff\xfe\x80" + sample + b"\xc3\x28\xa0\xa1", language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_invalid_utf8_inside_a_name_a_query_predicate_reads(language: str) -> None:
    """A byte that is not UTF-8 inside a name the grammar's query tests with a predicate (#match?, #eq?): the
    bindings decode the name to test it, and raised (found by the mutated-fixture test: "C.\\x80lient" in the
    TypeScript sample). Each word of each sample gets such a byte before it and inside it, a word at a time."""
    sample = SAMPLES[language]
    words = sorted(set(re.findall(rb"[A-Za-z_][A-Za-z0-9_]{2,}", sample)))
    for word in words:
        check(sample.replace(word, b"\x80" + word), language)  # before it, and inside it
        check(sample.replace(word, word[:1] + b"\x80" + word[1:]), language)


def test_invalid_utf8_inside_a_definition_keeps_byte_spans() -> None:
    source = b'def f():\n    """caf\xe9 \xff doc"""\n    return "\x80"\n'
    (symbol,) = extract_symbols(source, "python")
    assert (symbol.start_byte, symbol.end_byte) == (0, len(source) - 1)
    assert "\ufffd" in symbol.doc and "\ufffd" in symbol.code


def test_timeout_returns_quickly() -> None:
    source = b"def f(x):\n    return x\n" * 50_000
    started = time.monotonic()
    extract_symbols(source, "python", timeout_s=0.01)
    assert time.monotonic() - started < 5
