"""How symbols and files become documents: windows, container heads, uncovered code."""

from __future__ import annotations

from codesearch.types import Symbol
from indexer.documents import (
    CONTAINER_HEAD_LINES,
    MAX_SYMBOL_LINES,
    WINDOW_LINES,
    WINDOW_OVERLAP,
    file_documents,
    symbol_documents,
)


def _symbol(
    code: str,
    *,
    kind: str = "function",
    name: str = "work",
    qualified: str | None = None,
    start_line: int = 1,
    signature: str = "def work(items)",
    doc: str = "",
) -> Symbol:
    n = len(code.splitlines())
    return Symbol(
        repo="r",
        path="pkg/mod.py",
        language="python",
        kind=kind,
        name=name,
        qualified_name=qualified or name,
        signature=signature,
        doc=doc,
        code=code,
        start_line=start_line,
        end_line=start_line + n - 1,
        start_byte=0,
        end_byte=len(code),
    )


def _long_function(n_lines: int) -> str:
    return "def work(items):\n" + "".join(f"    step_{i}(items)\n" for i in range(1, n_lines))


def test_short_symbol_is_one_document_with_its_lines_and_context() -> None:
    sym = _symbol("def work(items):\n    return sorted(items)\n", start_line=10, doc="Sort the items.")
    [doc] = symbol_documents(sym)
    assert (doc.start_line, doc.end_line, doc.kind, doc.qualified_name) == (10, 11, "function", "work")
    assert "Sort the items." in doc.text and "return sorted(items)" in doc.text
    assert "pkg/mod.py" not in doc.text  # the path would make a rename re-embed
    assert "pkg mod" in doc.lexical  # but it is searchable lexically
    assert doc.lexical.count("\t") == 3  # name, path, doc, code columns


def test_long_symbol_becomes_overlapping_windows_with_the_signature_repeated() -> None:
    n = 150
    sym = _symbol(_long_function(n), start_line=101, doc="Do all the steps.")
    docs = symbol_documents(sym)
    assert len(docs) == 3
    assert docs[0].start_line == 101 and docs[-1].end_line == 101 + n - 1
    for a, b in zip(docs, docs[1:], strict=False):
        assert a.end_line - b.start_line + 1 == WINDOW_OVERLAP
        assert b.end_line - b.start_line + 1 <= WINDOW_LINES
    for d in docs:
        assert d.name == "work" and d.kind == "function"
        assert "def work(items)" in d.text  # every window says what it is a piece of
        # the window's code is exactly its lines
        first_step = d.start_line - 101
        assert d.code.splitlines()[0] == (
            "def work(items):" if first_step == 0 else f"    step_{first_step}(items)"
        )
    assert "Do all the steps." in docs[0].text and all("Do all the steps." not in d.text for d in docs[1:])
    assert len({d.content_hash for d in docs}) == 3


def test_symbol_at_the_limit_is_not_windowed() -> None:
    assert len(symbol_documents(_symbol(_long_function(MAX_SYMBOL_LINES)))) == 1
    assert len(symbol_documents(_symbol(_long_function(MAX_SYMBOL_LINES + 1)))) == 2


def test_container_embeds_only_its_head() -> None:
    body = "class Big:\n" + "".join(f"    def m{i}(self):\n        return {i}\n" for i in range(60))
    sym = _symbol(body, kind="class", name="Big", signature="class Big", start_line=5)
    [doc] = symbol_documents(sym)
    assert len(doc.code.splitlines()) == CONTAINER_HEAD_LINES
    assert "def m0" in doc.code and "def m59" not in doc.code
    assert (doc.start_line, doc.end_line) == (5, sym.end_line)  # the hit still spans the whole class


def test_file_without_symbols_becomes_windows() -> None:
    text = "".join(f"line {i} of a plain text file\n" for i in range(1, 131))
    docs = file_documents("r", "docs/notes.txt", "text", text, [])
    assert [(d.start_line, d.end_line) for d in docs] == [(1, 60), (51, 110), (101, 130)]
    assert all(d.kind == "window" and d.name == "notes.txt" for d in docs)
    assert docs[1].code.splitlines()[0] == "line 51 of a plain text file"


def test_blank_file_has_no_documents() -> None:
    assert file_documents("r", "empty.py", "python", "\n\n   \n", []) == []


def _script(top_level: int) -> tuple[str, list[Symbol]]:
    lines = ["def helper(x):", "    return x + 1", ""] + [
        f"CONFIG_{i} = helper({i})" for i in range(top_level)
    ]
    text = "\n".join(lines) + "\n"
    sym = _symbol("def helper(x):\n    return x + 1\n", name="helper", signature="def helper(x)")
    return text, [sym]


def test_uncovered_top_level_code_of_five_lines_becomes_a_window() -> None:
    text, symbols = _script(5)
    docs = file_documents("r", "pkg/mod.py", "python", text, symbols)
    windows = [d for d in docs if d.kind == "window"]
    assert len(docs) == 2 and len(windows) == 1
    assert (windows[0].start_line, windows[0].end_line) == (3, 8)
    assert "CONFIG_4 = helper(4)" in windows[0].code


def test_uncovered_code_under_five_lines_is_not_indexed_alone() -> None:
    text, symbols = _script(4)
    docs = file_documents("r", "pkg/mod.py", "python", text, symbols)
    assert [d.kind for d in docs] == ["function"]


def test_methods_inside_a_class_do_not_count_as_uncovered() -> None:
    code = (
        "class A:\n" + "".join(f"    x{i} = {i}\n" for i in range(8)) + "    def m(self):\n        return 1\n"
    )
    cls = _symbol(code, kind="class", name="A", signature="class A")
    method = _symbol(
        "    def m(self):\n        return 1\n", kind="method", name="m", qualified="A.m", start_line=10
    )
    docs = file_documents("r", "pkg/mod.py", "python", code, [cls, method])
    assert sorted(d.kind for d in docs) == ["class", "method"]


def test_identical_text_has_identical_hash_wherever_it_lives() -> None:
    a = symbol_documents(_symbol("def work(items):\n    return 1\n"))[0]
    b = symbol_documents(_symbol("def work(items):\n    return 1\n"))[0]
    assert a.content_hash == b.content_hash
    moved = Symbol(**{**_symbol("def work(items):\n    return 1\n").__dict__, "path": "other/place.py"})
    assert symbol_documents(moved)[0].content_hash == a.content_hash
    assert symbol_documents(moved)[0].lexical != a.lexical  # the path is still searchable lexically


_GO_METHODS = """package uuid

// UUID is a 128 bit (16 byte) Universal Unique IDentifier.
type UUID [16]byte

// String returns the string form of uuid, xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.
func (uuid UUID) String() string {
	var buf [36]byte
	encodeHex(buf[:], uuid)
	return string(buf[:])
}

// URN returns the RFC 2141 URN form of uuid.
func (uuid UUID) URN() string {
	var buf [36 + 9]byte
	copy(buf[:], "urn:uuid:")
	encodeHex(buf[9:], uuid)
	return string(buf[:])
}
"""


def test_top_level_methods_with_a_qualified_name_are_not_windowed_again() -> None:
    # Go methods (`UUID.String`), Rust impl methods, C++ `Foo::bar` and JS `obj.x = function` are top-level
    # code with a dotted qualified name: the lines they cover must not come back as a window of loose code.
    from parsers import extract_symbols

    symbols = extract_symbols(_GO_METHODS.encode(), "go", path="uuid.go", repo="r")
    assert [s.qualified_name for s in symbols] == ["UUID", "UUID.String", "UUID.URN"]
    docs = file_documents("r", "uuid.go", "go", _GO_METHODS, symbols)
    assert [d.kind for d in docs] == ["type", "method", "method"]
