"""C and C++ conditionals that unbalance braces: one branch is parsed, and what follows stays where it is."""

from __future__ import annotations

import pytest

from parsers.extractor import extract_symbols
from parsers.preprocessor import masked

# a brace opened in each branch and closed once after the conditional (nanoflann's KNNResultSet::addPoint)
UNBALANCED = b"""class Results {
  public:
    bool addPoint(int dist, int index) {
        for (int i = count; i > 0; --i) {
#ifdef FIRST_MATCH
            if (dists[i - 1] > dist || (dist == dists[i - 1] && ids[i - 1] > index)) {
#else
            if (dists[i - 1] > dist) {
#endif
                dists[i] = dists[i - 1];
            } else
                break;
        }
        return true;
    }
};

class Tree {
  public:
    void build() { root = divide(0, size); }
};

int free_function(int x) { return x + 1; }
"""


def _names(source: bytes, language: str = "cpp") -> dict[str, tuple[str, int, int]]:
    return {
        s.qualified_name: (s.kind, s.start_line, s.end_line)
        for s in extract_symbols(source, language, path="x", repo="r")
    }


def test_definitions_after_an_unbalanced_conditional_are_not_nested_in_the_one_before() -> None:
    names = _names(UNBALANCED)
    assert names["Results"] == ("class", 1, 16)
    assert names["Results.addPoint"][1:] == (3, 15)
    assert names["Tree"] == ("class", 18, 21)
    assert names["Tree.build"][1] == 20
    assert names["free_function"] == ("function", 23, 23)


def test_the_symbol_keeps_the_code_of_every_branch() -> None:
    """Only the parse sees one branch: the symbol's code is the file's, both branches included."""
    method = next(s for s in extract_symbols(UNBALANCED, "cpp", path="x", repo="r") if s.name == "addPoint")
    assert "FIRST_MATCH" in method.code and "if (dists[i - 1] > dist) {" in method.code


def test_c_is_read_the_same_way() -> None:
    source = b"""int first(int *a, int n) {
    for (int i = 0; i < n; i++) {
#if defined(_WIN32)
        if (a[i] < 0 && a[i] != -1) {
#elif defined(__APPLE__)
        if (a[i] < -1) {
#else
        if (a[i] < 0) {
#endif
            return i;
        }
    }
    return -1;
}

int second(void) { return 2; }
"""
    names = _names(source, "c")
    assert names["first"] == ("function", 1, 14)
    assert names["second"] == ("function", 16, 16)


def test_balanced_branches_are_both_parsed() -> None:
    """Two definitions of one function for two platforms: both are code a developer may look for."""
    source = b"""#ifdef _WIN32
int page_size(void) { return 4096; }
#else
int page_size(void) { return sysconf(_SC_PAGESIZE); }
#endif
"""
    assert masked(source) == source
    found = [s for s in extract_symbols(source, "c", path="x", repo="r") if s.name == "page_size"]
    assert [s.start_line for s in found] == [2, 4]


def test_after_if_0_the_live_branch_is_kept() -> None:
    source = b"""int f(int x) {
#if 0
    if (old(x)) {
#else
    if (x > 0) {
#endif
        return 1;
    }
    return 0;
}

int g(void) { return 0; }
"""
    parsed = masked(source)
    assert b"old(x)" not in parsed and b"if (x > 0) {" in parsed
    assert _names(source, "c")["g"] == ("function", 12, 12)


@pytest.mark.parametrize(
    "source",
    [
        UNBALANCED,
        b"#endif\nint f(void) { return 0; }\n",  # an #endif without its #if
        b"#if A\nint f(void) {\n",  # a conditional never closed
        b"#ifdef X\n  char *s = \"{\";\n#else\n  x = '{';\n#endif\n",  # braces in literals
        b"#if A \\\n  && B\n  f({\n#else\n  g({\n#endif\n  });\n",  # a directive over two lines
        b"#ifdef A\r\nint f() {\r\n#else\r\nint f(int) {\r\n#endif\r\n}\r\n",  # CRLF
    ],
)
def test_masking_keeps_every_byte_offset_and_line(source: bytes) -> None:
    parsed = masked(source)
    assert len(parsed) == len(source)
    assert [i for i, b in enumerate(parsed) if b == ord("\n")] == [
        i for i, b in enumerate(source) if b == ord("\n")
    ]
    assert all(a == b or a == ord(" ") for a, b in zip(parsed, source, strict=True))


def test_braces_in_macro_bodies_do_not_count() -> None:
    """A ``#define`` may open a brace another closes (``TRY``/``CATCH`` pairs): both branches stay parsed."""
    source = b"""#ifdef TRACE
#define TRY(...) \\
  Tracer t(__VA_ARGS__); try { do {} while (0)
#define CATCH(...) } catch (...) { rethrow(); } return __VA_ARGS__
#else
#define TRY(...) try { do {} while (0)
#define CATCH(...) } catch (...) { rethrow(); } return __VA_ARGS__
#endif
"""
    assert masked(source) == source
    assert [s.name for s in extract_symbols(source, "cpp", path="x", repo="r")] == [
        "TRY",
        "CATCH",
        "TRY",
        "CATCH",
    ]
