"""The extension table, grammar lookup and the generated languages table."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import (
    extract_symbols,
    has_grammar,
    language_for_path,
    language_for_source,
    languages_table_markdown,
    supported_languages,
)
from parsers.table import END_MARKER, START_MARKER, main, marked_region, replace_region

REQUIRED = [
    "python", "javascript", "typescript", "tsx", "java", "go", "rust", "c", "cpp", "csharp", "ruby", "php",
    "kotlin", "swift", "scala", "bash", "lua", "haskell", "ocaml", "elixir",
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("src/app.py", "python"), ("stubs/x.pyi", "python"), ("a/b.JS", "javascript"), ("m.mjs", "javascript"),
        ("c.cjs", "javascript"), ("v.jsx", "javascript"), ("t.ts", "typescript"), ("t.tsx", "tsx"),
        ("A.java", "java"), ("main.go", "go"), ("lib.rs", "rust"), ("x.h", "c"), ("x.c", "c"),
        ("x.hpp", "cpp"), ("x.cc", "cpp"), ("P.cs", "csharp"), ("x.rb", "ruby"), ("tasks/db.rake", "ruby"),
        ("Rakefile", "ruby"), ("Gemfile", "ruby"), ("i.php", "php"), ("a.kt", "kotlin"), ("build.gradle.kts", "kotlin"),
        ("a.swift", "swift"), ("a.scala", "scala"), ("run.sh", "bash"), ("/home/u/.bashrc", "bash"),
        ("a.lua", "lua"), ("a.hs", "haskell"), ("a.ml", "ocaml"), ("a.mli", "ocaml"), ("a.ex", "elixir"),
        ("test/a_test.exs", "elixir"), ("Dockerfile", "dockerfile"), ("docker/Dockerfile.dev", "dockerfile"),
        ("Makefile", "makefile"), ("CMakeLists.txt", "cmake"), ("README.md", "markdown"), ("doc.rst", "rst"),
        ("notes.txt", "text"), ("c.yaml", "yaml"), ("c.yml", "yaml"), ("pyproject.toml", "toml"),
        ("package.json", "json"), ("setup.cfg", "ini"), ("q.sql", "sql"), ("i.html", "html"), ("s.css", "css"),
        ("s.scss", "scss"), ("p.xml", "xml"), ("a.proto", "protobuf"), ("s.graphql", "graphql"),
        ("main.tf", "terraform"), ("a.R", "r"), ("a.pl", "perl"), ("a.dart", "dart"), ("a.zig", "zig"),
        ("A.vue", "vue"), ("A.svelte", "svelte"), ("a.m", "objective-c"), ("win\\path\\x.py", "python"),
    ],
)  # fmt: skip
def test_language_for_path(path: str, language: str) -> None:
    assert language_for_path(path) == language


@pytest.mark.parametrize("path", ["", "a.unknownext", "noext", "dir/", "a.py.bak"])
def test_language_for_path_unknown(path: str) -> None:
    assert language_for_path(path) is None


_CPP_HEADER = """#ifndef DOUBLE_CONVERSION_IEEE_H_
#define DOUBLE_CONVERSION_IEEE_H_

namespace double_conversion {

class Double {
 public:
  explicit Double(double d) : d64_(d) {}
  bool IsSpecial() const { return (AsUint64() & kExponentMask) == kExponentMask; }
};

}  // namespace double_conversion
#endif
"""
_C_HEADER = """#ifndef LZ4_H
#define LZ4_H
#if defined (__cplusplus)
extern "C" {
#endif
/* The class of inputs below is not checked; it is public: callers must. */
struct LZ4_stream_t_internal {
    unsigned hashTable[4096];
};
int LZ4_compress_default(const char* src, char* dst, int srcSize, int dstCapacity);
#endif
"""


def test_a_header_whose_text_is_cpp_is_parsed_as_cpp() -> None:
    assert language_for_source("include/ieee.h", _CPP_HEADER) == "cpp"
    assert language_for_source("lib/lz4.h", _C_HEADER) == "c"  # C guards for C++ callers stay C
    assert language_for_source("src/ieee.c", _CPP_HEADER) == "c"  # only headers are ambiguous
    assert language_for_source("app.py", "class A:\n    pass\n") == "python"
    assert language_for_source("x.h", "class Solver\n{\n  int n;\n};\n") == "cpp"  # brace on the next line
    assert language_for_source("x.h", "class a :\n" * 6500) == "c"  # no brace: not a class (and not slow)
    as_cpp = extract_symbols(_CPP_HEADER.encode(), "cpp", path="ieee.h")
    assert [(s.kind, s.qualified_name) for s in as_cpp] == [
        ("class", "double_conversion.Double"),
        ("method", "double_conversion.Double.Double"),
        ("method", "double_conversion.Double.IsSpecial"),
    ]
    assert extract_symbols(_CPP_HEADER.encode(), "c", path="ieee.h") == []  # what the C grammar made of it


def test_required_languages_are_supported() -> None:
    assert set(REQUIRED) <= set(supported_languages())
    assert all(has_grammar(lang) for lang in REQUIRED)
    assert not has_grammar("markdown")
    assert not has_grammar("nope")


def test_no_grammar_raises_value_error() -> None:
    with pytest.raises(ValueError):
        extract_symbols(b"# hi", "markdown")


def test_table_lists_every_language_with_kinds() -> None:
    table = languages_table_markdown()
    lines = table.strip().split("\n")
    assert lines[0] == "| language | files | extracted |"
    assert len(lines) == 2 + len(supported_languages())
    assert "| python | `.py`, `.pyi`, `.pyw` | class, function, method |" in lines
    assert "| rust |" in table and "macro" in table


def test_table_write_replaces_region(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{START_MARKER}\nold\n{END_MARKER}\n\nrest\n", encoding="utf-8")
    assert main(["--write", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert marked_region(text) == languages_table_markdown()
    assert text.startswith("# x\n\n") and text.endswith(f"{END_MARKER}\n\nrest\n")
    assert main(["--write", str(readme)]) == 0
    assert readme.read_text(encoding="utf-8") == text  # idempotent


def test_table_write_without_markers_fails(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# no markers\n", encoding="utf-8")
    assert main(["--write", str(readme)]) == 1
    with pytest.raises(ValueError):
        replace_region("nothing", "table")


def test_readme_table_is_current() -> None:
    readme = Path(__file__).resolve().parents[2] / "README.md"
    region = marked_region(readme.read_text(encoding="utf-8"))
    assert region is not None, "README.md lost its <!-- languages:start/end --> markers"
    assert region == languages_table_markdown(), "run: python -m parsers.table --write README.md"


CPP_HEADER = """#pragma once
#include <string>

namespace geo {

/// A point on the plane.
class Point {
 public:
  Point(double x, double y) : x_(x), y_(y) {}
  /// Distance to another point.
  double DistanceTo(const Point& other) const;

 private:
  double x_, y_;
};

template <typename T>
T clamp(T v, T lo, T hi) { return v < lo ? lo : (v > hi ? hi : v); }

}  // namespace geo
"""

C_HEADER = """#ifndef RING_H
#define RING_H
#include <stddef.h>

/* A fixed-size ring buffer. */
typedef struct ring { char *buf; size_t head, tail, cap; } ring_t;

int ring_push(ring_t *r, char c);  /* class of errors: see below */
static inline size_t ring_len(const ring_t *r) { return r->tail - r->head; }

#endif
"""


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (CPP_HEADER, "cpp"),
        (C_HEADER, "c"),
        ('struct S { int a; };\n#ifdef __cplusplus\nextern "C" {\n#endif\nint f(void);\n', "c"),
        ("template<class T> struct Box { T v; };\n", "cpp"),
        ("#include <vector>\nstd::vector<int> evens(int n);\n", "cpp"),
    ],
)
def test_a_header_is_cpp_when_its_text_says_so(text: str, language: str) -> None:
    assert language_for_source("include/x.h", text) == language
    assert language_for_source("src/x.c", text) == "c"  # only the ambiguous .h is sniffed
    assert language_for_source("x.hpp", C_HEADER) == "cpp"


def test_cpp_header_methods_become_symbols() -> None:
    symbols = extract_symbols(CPP_HEADER.encode(), language_for_source("geo.h", CPP_HEADER), path="geo.h")
    names = {s.qualified_name for s in symbols}
    assert {"geo.Point", "geo.Point.DistanceTo", "geo.clamp"} <= names
